"""The processing register (GDPR Art. 30) and the hosting chain of each processing."""


from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from compliance.models.choices import (
    PROCESSING_EXEMPTION_REASONS,
    ExemptionReason,
    HostingMode,
    Identifiability,
    ProcessingRole,
)
from compliance.models.external_ids import external_id_field, unique_external_id
from compliance.models.suppliers import Supplier
from compliance.models.validators import (
    validate_country_list,
    validate_remote_access,
    validate_text_list,
    validate_transfers,
)
from hds_platform.fields import ActivitySetField
from hds_platform.tenancy import TenantModel


class Processing(TenantModel):
    """A GDPR art. 30 register entry: art. 30(1) for a controller, art. 30(2) for a processor.

    For a processor, ``purposes`` holds the categories of processing carried out for the
    controllers listed in ``controllers_served`` (art. 30(2)(b)).
    """

    name = models.CharField(_("nom"), max_length=200)
    purposes = models.JSONField(_("finalités"), default=list, blank=True, validators=[validate_text_list])
    legal_basis = models.CharField(_("base légale (art. 6)"), max_length=300, blank=True)
    art9_condition = models.CharField(_("condition de l'art. 9(2)"), max_length=300, blank=True)
    data_subject_categories = models.JSONField(_("catégories de personnes"), default=list, blank=True,
                                               validators=[validate_text_list])
    data_categories = models.JSONField(_("catégories de données"), default=list, blank=True,
                                       validators=[validate_text_list])
    recipients = models.JSONField(_("destinataires"), default=list, blank=True, validators=[validate_text_list])
    transfers = models.JSONField(_("transferts hors UE"), default=list, blank=True, validators=[validate_transfers],
                                 help_text=_('[{"country": "US", "safeguard": "CCT 2021/914"}]'))
    retention = models.TextField(_("durée de conservation"), blank=True)
    security_measures = models.TextField(_("mesures de sécurité"), blank=True)
    controller_contact = models.TextField(_("responsable de traitement et contact"), blank=True)
    dpo_contact = models.TextField(_("contact du DPO"), blank=True)
    dpia_required = models.BooleanField(_("AIPD requise"), null=True, blank=True,
                                        help_text=_("Null: not assessed yet."))
    dpia_done = models.BooleanField(_("AIPD réalisée"), default=False)
    role = models.CharField(_("rôle"), max_length=16, choices=ProcessingRole.choices,
                            default=ProcessingRole.CONTROLLER)
    controllers_served = models.JSONField(_("responsables servis"), default=list, blank=True,
                                          validators=[validate_text_list],
                                          help_text=_("Processor role: each controller served (art. 30(2)(a))."))
    health_data = models.BooleanField(_("données de santé"), default=True)
    identifiability = models.CharField(_("identification"), max_length=16, choices=Identifiability.choices,
                                       default=Identifiability.IDENTIFIED)
    hosting_mode = models.CharField(_("mode d'hébergement"), max_length=16, choices=HostingMode.choices,
                                    blank=True, help_text=_("Empty: not recorded."))
    hosts_for_patients = models.BooleanField(
        _("hébergement pour le compte des patients"), default=False,
        help_text=_("The data are hosted on behalf of the patients themselves (CSP L.1111-8 I), e.g. a "
                    "patient-facing service: the organisation's own links are then in HDS scope."),
    )
    exemption_reason = models.CharField(
        _("exemption"), max_length=32, blank=True,
        choices=[(value, label) for value, label in ExemptionReason.choices if value in PROCESSING_EXEMPTION_REASONS],
        help_text=_("Why the organisation itself needs no HDS certificate for this processing (needs evidence)."),
    )
    exemption_evidence = models.ForeignKey(
        "Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("preuve de l'exemption"),
    )
    external_id = external_id_field()
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("traitement")
        verbose_name_plural = _("traitements")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="processing_unique_name",
                                               violation_error_code="duplicate_name",
                                               violation_error_message=_("Un traitement porte déjà ce nom.")),
                       unique_external_id("processing")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.exemption_evidence_id is not None and not self.exemption_reason:
            raise ValidationError({"exemption_evidence": ValidationError(
                _("Une preuve d'exemption suppose un motif d'exemption."), code="evidence_without_exemption")})


# Hosting chains ------------------------------------------------------------------------------


class ChainLink(TenantModel):
    """Who performs which HDS activities for a processing.

    ``supplier`` null means the organisation itself (``"self"`` in the API). ``parent`` is the
    link this one subcontracts for, in the same processing.
    """

    processing = models.ForeignKey(Processing, on_delete=models.CASCADE, related_name="links",
                                   verbose_name=_("traitement"))
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="links",
                                 verbose_name=_("acteur"), help_text=_("Null: the organisation itself."))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.RESTRICT, related_name="children",
                               verbose_name=_("maillon parent"))
    activities = ActivitySetField(_("activités"), blank=True)
    stores_health_data = models.BooleanField(_("stocke des données de santé"), default=True)
    storage_countries = models.JSONField(_("pays de stockage"), default=list, blank=True,
                                         validators=[validate_country_list])
    remote_access = models.JSONField(_("accès à distance"), default=list, blank=True,
                                     validators=[validate_remote_access],
                                     help_text=_('[{"country": "US", "basis": "safeguards"}]'))
    exempt_under_parent = models.BooleanField(
        _("exempté sous le parent"), default=False,
        help_text=_("Covered by the parent host's certification audit (needs evidence). Kept in step with "
                    "exemption_reason covered_by_parent_audit."),
    )
    exemption_reason = models.CharField(
        _("exemption"), max_length=32, blank=True, choices=ExemptionReason.choices,
        help_text=_("Why the actor needs no HDS certificate of its own for this link (needs evidence)."),
    )
    exemption_evidence = models.ForeignKey(
        "Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("preuve de l'exemption"),
    )
    is_backup = models.BooleanField(_("sauvegarde externalisée"), default=False)
    certificates = models.ManyToManyField(
        "Certificate", through="ChainLinkCertificate", blank=True, related_name="relied_on_by",
        verbose_name=_("certificats retenus"),
        help_text=_("The certificates of the link's actor whose perimeter covers the service used; "
                    "none named: every valid certificate of the actor counts."),
    )
    external_id = external_id_field()
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("maillon")
        verbose_name_plural = _("maillons")
        ordering = ["processing_id", "id"]
        constraints = [unique_external_id("chainlink")]
        indexes = [models.Index(fields=["organisation", "processing"], name="chainlink_processing")]

    def __str__(self):
        return f"{self.processing_id}:{self.supplier or 'self'}"

    def clean(self):
        errors = {}
        if self.exempt_under_parent and self.parent_id is None:
            errors["exempt_under_parent"] = ValidationError(
                _("Une exemption sous le parent suppose un maillon parent."), code="exemption_without_parent")
        if self.exempt_under_parent != (self.exemption_reason == ExemptionReason.COVERED_BY_PARENT_AUDIT):
            errors["exemption_reason"] = ValidationError(
                _("« Exempté sous le parent » et le motif d'exemption se contredisent."), code="exemption_conflict")
        if self.exemption_evidence_id is not None and not self.exemption_reason:
            errors["exemption_evidence"] = ValidationError(
                _("Une preuve d'exemption ne vaut que pour un maillon exempté."), code="evidence_without_exemption")
        if errors:
            raise ValidationError(errors)


class ChainLinkCertificate(TenantModel):
    """A certificate a chain link relies on: the service used is inside its perimeter."""

    link = models.ForeignKey(ChainLink, on_delete=models.CASCADE, related_name="+", verbose_name=_("maillon"))
    certificate = models.ForeignKey("Certificate", on_delete=models.CASCADE, related_name="+",
                                    verbose_name=_("certificat"))

    class Meta(TenantModel.Meta):
        verbose_name = _("certificat retenu par un maillon")
        verbose_name_plural = _("certificats retenus par les maillons")
        ordering = ["link_id", "certificate_id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "link", "certificate"],
                                               name="chainlinkcertificate_unique")]

    def __str__(self):
        return f"{self.link_id}:{self.certificate_id}"
