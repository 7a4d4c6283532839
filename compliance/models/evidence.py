"""Evidence: documents on file, checked by content, versioned, served only through authorised views."""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models.certificates import Certificate
from compliance.models.external_ids import external_id_field, unique_external_id
from compliance.models.processings import Processing
from compliance.models.suppliers import Supplier
from compliance.models.validators import validate_contract_clauses, validate_country_list
from hds_platform.models import User
from hds_platform.tenancy import TenantModel


class EvidenceKind(models.TextChoices):
    HDS_CERTIFICATE = "hds_certificate", _("Certificat HDS")
    ISO27001_CERTIFICATE = "iso27001_certificate", _("Certificat ISO 27001")
    HOSTING_CONTRACT = "hosting_contract", _("Contrat d'hébergement")
    DPA = "dpa", _("Accord de sous-traitance (art. 28)")
    AUDIT_REPORT = "audit_report", _("Rapport d'audit")
    BACKUP_TEST = "backup_test", _("Test de restauration")
    DPIA = "dpia", _("AIPD")
    TRANSPARENCY_PAGE = "transparency_page", _("Page de transparence")
    EXEMPTION_PROOF = "exemption_proof", _("Preuve d'exemption (agrément, tableau de garanties, attestation)")
    OTHER = "other", _("Autre")


def evidence_storage_name(organisation_id: int) -> str:
    """A private, unguessable storage path: nothing of the uploaded name appears in it."""
    now = timezone.now()
    return f"evidence/{organisation_id}/{now:%Y/%m}/{secrets.token_hex(16)}"


class Evidence(TenantModel):
    """A document on file. The stored file is reachable only through the authorised download view."""

    kind = models.CharField(_("type"), max_length=32, choices=EvidenceKind.choices)
    title = models.CharField(_("titre"), max_length=200)
    file = models.FileField(_("fichier"), max_length=300)
    original_name = models.CharField(_("nom du fichier envoyé"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    content_type = models.CharField(_("type de contenu"), max_length=100,
                                    help_text=_("Detected from the content, not the name."))
    issued_on = models.DateField(_("émis le"), null=True, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence",
                                 verbose_name=_("fournisseur"))
    processing = models.ForeignKey(Processing, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="evidence", verbose_name=_("traitement"))
    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="documents", verbose_name=_("certificat"))
    version = models.PositiveIntegerField(_("version"), default=1)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="supersedes", verbose_name=_("remplacé par"))
    uploaded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("déposé par"))
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # What a hosting contract was checked to say (CSP art. R.1111-11).
    contract_clauses = models.JSONField(
        _("clauses vérifiées"), null=True, blank=True, default=None, validators=[validate_contract_clauses],
        help_text=_("Hosting contract: the R.1111-11 clauses it contains. Null: not checked yet."),
    )
    contract_locations = models.JSONField(
        _("lieux d'hébergement du contrat"), default=list, blank=True, validators=[validate_country_list],
        help_text=_("Hosting contract: the countries it names as hosting locations (ISO 3166 alpha-2)."),
    )
    external_id = external_id_field()

    class Meta(TenantModel.Meta):
        verbose_name = _("pièce justificative")
        verbose_name_plural = _("pièces justificatives")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            # A version is replaced by one newer version at most.
            models.UniqueConstraint(fields=["organisation", "superseded_by"], condition=Q(superseded_by__isnull=False),
                                    name="evidence_superseded_once"),
            models.UniqueConstraint(fields=["organisation", "file"], name="evidence_unique_file"),
            unique_external_id("evidence"),
        ]
        indexes = [
            models.Index(fields=["organisation", "supplier", "kind"], name="evidence_supplier_kind"),
            models.Index(fields=["organisation", "valid_until"], name="evidence_valid_until"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None

    def clean(self):
        errors = {}
        if self.issued_on and self.valid_until and self.issued_on > self.valid_until:
            errors["valid_until"] = ValidationError(
                _("La fin de validité précède la date d'émission."), code="valid_until_before_issued")
        if self.kind != EvidenceKind.HOSTING_CONTRACT and (self.contract_clauses is not None
                                                           or self.contract_locations):
            errors["contract_clauses"] = ValidationError(
                _("Seul un contrat d'hébergement a des clauses et des lieux d'hébergement."),
                code="contract_terms_wrong_kind")
        if errors:
            raise ValidationError(errors)
