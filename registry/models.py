"""The official ANS list of HDS-certified hosts, shared by every organisation (reference data).

Each import is a :class:`Snapshot` (the raw file kept). A :class:`CertifiedHost`
is a host as identified across snapshots by its normalised name; its
:class:`HostCertificate` rows are the certificates the list shows for it.
:class:`Change` records what each snapshot changed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hds_platform.fields import ActivitySetField


class Snapshot(models.Model):
    class Status(models.TextChoices):
        IMPORTED = "imported", _("importée")
        REJECTED = "rejected", _("rejetée")

    source = models.CharField(_("source"), max_length=500, help_text=_("URL or file name"))
    fetched_at = models.DateTimeField(_("récupérée le"), auto_now_add=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    format = models.CharField(max_length=8, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices)
    reason_code = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True, help_text=_("Row errors: [{line, reason}]"))
    raw_file = models.FileField(upload_to="registry/snapshots/%Y/%m/", max_length=300)
    actor_label = models.CharField(_("importée par"), max_length=200, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    added_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("import de la liste")
        verbose_name_plural = _("imports de la liste")
        ordering = ["-fetched_at", "-id"]
        indexes = [models.Index(fields=["status", "-fetched_at"])]

    def __str__(self):
        return f"{self.source} ({self.fetched_at:%Y-%m-%d %H:%M}, {self.status})"


class CertifiedHost(models.Model):
    name = models.CharField(_("nom publié"), max_length=300)
    normalised_name = models.CharField(max_length=300, unique=True)
    listed = models.BooleanField(_("présent dans la dernière liste"), default=True, db_index=True)
    first_seen = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")
    last_seen = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")
    removed_in = models.ForeignKey(Snapshot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("hébergeur certifié")
        verbose_name_plural = _("hébergeurs certifiés")
        ordering = ["normalised_name"]

    def __str__(self):
        return self.name


class HostCertificate(models.Model):
    host = models.ForeignKey(CertifiedHost, on_delete=models.CASCADE, related_name="certificates")
    certificate_number = models.CharField(_("numéro de certificat"), max_length=100, blank=True)
    normalised_number = models.CharField(max_length=100, blank=True, db_index=True)
    certifier = models.CharField(_("organisme certificateur"), max_length=200, blank=True)
    activities = ActivitySetField(_("activités"))
    referential_version = models.CharField(_("référentiel"), max_length=50, blank=True)
    issued_on = models.DateField(_("délivré le"), null=True, blank=True)
    expires_on = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    transparency_url = models.URLField(_("page de transparence"), max_length=500, blank=True)
    scope = models.TextField(_("périmètre"), blank=True)
    current = models.BooleanField(default=True, db_index=True, help_text=_("Shown by the latest list"))
    first_seen = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")
    last_seen = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("certificat publié")
        verbose_name_plural = _("certificats publiés")
        ordering = ["host_id", "-current", "-expires_on"]

    def __str__(self):
        return f"{self.certificate_number or '?'} ({self.host_id})"


class Change(models.Model):
    """One aspect of one host that a snapshot changed.

    ``before`` and ``after`` hold the host as the previous and the new list show it
    (``{"name", "activities", "certificates": [...]}``; empty for the side where it is absent),
    whatever the kind, so that a reader sees the whole certificate next to what changed.
    """

    class Kind(models.TextChoices):
        ADDED = "added", _("hébergeur ajouté")
        REMOVED = "removed", _("hébergeur retiré")
        ACTIVITIES_CHANGED = "activities_changed", _("activités modifiées")
        DATES_CHANGED = "dates_changed", _("dates modifiées")
        CERTIFIER_CHANGED = "certifier_changed", _("organisme certificateur modifié")
        CERTIFICATE_CHANGED = "certificate_changed", _("numéro, référentiel ou page de transparence modifiés")
        RENAMED = "renamed", _("hébergeur renommé")

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="changes")
    host = models.ForeignKey(CertifiedHost, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("changement de la liste")
        verbose_name_plural = _("changements de la liste")
        ordering = ["snapshot_id", "host_id", "kind"]
        indexes = [models.Index(fields=["host", "snapshot"])]

    def __str__(self):
        return f"{self.kind}: {self.host_id}"
