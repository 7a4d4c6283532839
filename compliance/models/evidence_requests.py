"""Evidence requests: documents asked of a supplier's contact through a single-use upload link.

The link's secret is never stored: only its SHA-256 digest, looked up before any organisation is
known (:func:`hds_platform.crossing.find_evidence_request`) and compared in constant time. The
contact's file waits on the request (``submitted_*``) until the requester accepts it, when it
becomes :class:`~compliance.models.Evidence`, or rejects it, when it is deleted and the contact
gets a fresh link.

A request is addressed to a supplier's contact by e-mail. When the supplier stands for a provider
organisation linked on this instance (an active :class:`~compliance.models.ClientLink`), the
request is also addressed to that organisation (``addressed_organisation``, ``addressed_link_id``,
set at creation, cleared when the link ends): it appears in the provider's inbox
(:class:`IncomingEvidenceRequest`), which row-level security lets the provider read
(``hds_platform.rls.LINK_POLICIES``), and the provider may answer from there with a
document it holds. The statuses, the answer fields and the accept/reject flow stay the same.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models.certificates import Certificate
from compliance.models.evidence import Evidence, EvidenceKind
from compliance.models.suppliers import Supplier
from hds_platform.models import Organisation, User
from hds_platform.tenancy import TenantModel


class EvidenceRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Demandée")
    SUBMITTED = "submitted", _("Déposée, à examiner")
    ACCEPTED = "accepted", _("Acceptée")
    REJECTED = "rejected", _("Refusée, nouveau dépôt attendu")
    EXPIRED = "expired", _("Expirée")
    CANCELLED = "cancelled", _("Annulée")


#: Statuses in which the contact may still upload through a live link.
OPEN_STATUSES = (EvidenceRequestStatus.REQUESTED, EvidenceRequestStatus.REJECTED)
LANGUAGES = [("fr", "Français"), ("en", "English")]


def validate_requested_kinds(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Indiquez au moins un type de pièce."), code="kinds_required")
    unknown = [kind for kind in value if kind not in EvidenceKind.values]
    if unknown:
        raise ValidationError(_("Types de pièce inconnus : %s") % ", ".join(map(str, unknown)), code="invalid_kind")
    if len(set(value)) != len(value):
        raise ValidationError(_("Un type de pièce est demandé deux fois."), code="duplicate_kind")


class EvidenceRequest(TenantModel):
    """Documents asked of a supplier; answered once through an e-mailed, single-use link."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="evidence_requests",
                                 verbose_name=_("fournisseur"))
    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("certificat"),
                                    help_text=_("The supplier's certificate the document should prove, if any."))
    kinds = models.JSONField(_("types de pièce demandés"), validators=[validate_requested_kinds])
    message = models.TextField(_("message"), blank=True, max_length=4000)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    contact_email = models.EmailField(_("e-mail du contact"))
    language = models.CharField(_("langue des e-mails"), max_length=2, choices=LANGUAGES, default="fr")
    status = models.CharField(_("état"), max_length=16, choices=EvidenceRequestStatus.choices,
                              default=EvidenceRequestStatus.REQUESTED)
    token_digest = models.CharField(max_length=64)
    link_expires_at = models.DateTimeField(_("lien valable jusqu'au"))
    link_used_at = models.DateTimeField(_("lien utilisé le"), null=True, blank=True)
    # The contact's file, waiting for the requester's review.
    submitted_file = models.CharField(max_length=300, blank=True)
    submitted_name = models.CharField(_("nom du fichier déposé"), max_length=255, blank=True)
    submitted_kind = models.CharField(_("type de la pièce déposée"), max_length=32, blank=True,
                                      choices=EvidenceKind.choices)
    submitted_sha256 = models.CharField(max_length=64, blank=True)
    submitted_size = models.PositiveBigIntegerField(null=True, blank=True)
    submitted_content_type = models.CharField(max_length=100, blank=True)
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("pièce acceptée"))
    rejection_reason = models.TextField(_("motif du refus"), blank=True, max_length=2000)
    reminders_sent = models.JSONField(_("relances envoyées"), default=list, blank=True,
                                      help_text=_("Days before the due date for which a reminder was sent."))
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("demandée par"))
    # A linked provider's inbox: plain values, never joined from the provider's side.
    addressed_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False,
        help_text=_("The linked provider organisation whose inbox shows the request."))
    addressed_link_id = models.BigIntegerField(
        null=True, blank=True, editable=False,
        help_text=_("The provider–client link through which the request is addressed."))
    answered_from_id = models.BigIntegerField(
        null=True, blank=True, editable=False,
        help_text=_("Answered from the provider's inbox: the provider's document that was sent."))
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("demande de pièces")
        verbose_name_plural = _("demandes de pièces")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "token_digest"], name="evidencerequest_unique_digest"),
        ]
        indexes = [
            models.Index(fields=["token_digest"], name="evidencerequest_digest"),
            models.Index(fields=["organisation", "status", "due_date"], name="evidencerequest_status_due"),
        ]

    def __str__(self):
        return f"{self.supplier_id}: {', '.join(self.kinds or [])}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def link_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_open and self.link_used_at is None and self.link_expires_at > now

    def clean(self):
        if self.certificate_id is not None and self.certificate.supplier_id != self.supplier_id:
            raise ValidationError({"certificate": ValidationError(
                _("Ce certificat appartient à un autre fournisseur."), code="certificate_supplier_mismatch")})


class IncomingEvidenceRequest(EvidenceRequest):
    """The same row as the provider it is addressed to reads it (``…/incoming-evidence-requests/``):
    the requester's organisation owns it, the provider's is ``addressed_organisation``."""

    class Meta:
        proxy = True
        verbose_name = _("demande reçue")
        verbose_name_plural = _("demandes reçues")
