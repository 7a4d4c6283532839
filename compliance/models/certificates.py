"""Certificates: HDS or ISO 27001, of a supplier or of the organisation itself."""


from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from compliance.models.choices import CertificateKind, CertificateSource, CertificateStatus
from compliance.models.suppliers import Supplier
from hds_platform.fields import ActivitySetField
from hds_platform.tenancy import TenantModel


class Certificate(TenantModel):
    """An HDS or ISO 27001 certificate of a supplier, or of the organisation itself (no supplier)."""

    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.CASCADE, related_name="certificates",
        verbose_name=_("fournisseur"), help_text=_("Null: the organisation's own certificate."),
    )
    kind = models.CharField(_("type"), max_length=16, choices=CertificateKind.choices, default=CertificateKind.HDS)
    activities = ActivitySetField(_("activités"), blank=True,
                                  help_text=_("HDS activities 1 to 6 the certificate covers."))
    certificate_number = models.CharField(_("numéro"), max_length=100, blank=True)
    certifier = models.CharField(_("organisme certificateur"), max_length=200, blank=True)
    referential_version = models.CharField(
        _("référentiel"), max_length=50, blank=True,
        help_text=_('"v1", "v2", or the text as written when no referential is recognised.'),
    )
    issued_on = models.DateField(_("délivré le"), null=True, blank=True)
    expires_on = models.DateField(_("valable jusqu'au"))
    status = models.CharField(_("état"), max_length=16, choices=CertificateStatus.choices,
                              default=CertificateStatus.VALID)
    perimeter = models.TextField(
        _("périmètre"), blank=True,
        help_text=_("The certified offer, service or sites, as the certificate and the ANS list's scope column say."),
    )
    source = models.CharField(_("source"), max_length=16, choices=CertificateSource.choices,
                              default=CertificateSource.MANUAL)
    evidence = models.ForeignKey(
        "Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("document"), help_text=_("The certificate itself, on file."),
    )
    registry_certificate = models.ForeignKey(
        "registry.HostCertificate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("The published certificate this row was copied from (source registry)."),
    )
    shared_from_id = models.BigIntegerField(
        null=True, blank=True, editable=False,
        help_text=_("Source provider: the provider's certificate this read-only copy follows."))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("certificat")
        verbose_name_plural = _("certificats")
        ordering = ["expires_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "supplier", "kind", "certificate_number"],
                condition=Q(supplier__isnull=False) & ~Q(certificate_number=""),
                name="certificate_unique_supplier_number",
                violation_error_code="duplicate_certificate",
                violation_error_message=_("Ce certificat est déjà enregistré pour ce fournisseur."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "certificate_number"],
                condition=Q(supplier__isnull=True) & ~Q(certificate_number=""),
                name="certificate_unique_own_number",
                violation_error_code="duplicate_certificate",
                violation_error_message=_("Ce certificat est déjà enregistré."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "supplier", "shared_from_id"], condition=Q(shared_from_id__isnull=False),
                name="certificate_unique_shared_copy", violation_error_code="duplicate_certificate",
            ),
            models.UniqueConstraint(
                fields=["organisation", "supplier", "registry_certificate"],
                condition=Q(registry_certificate__isnull=False),
                name="certificate_unique_registry_copy",
                violation_error_code="duplicate_certificate",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "expires_on"], name="certificate_expiry")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.certificate_number or '?'}"

    def clean(self):
        errors = {}
        if self.kind == CertificateKind.HDS and not self.activities:
            errors["activities"] = ValidationError(_("Un certificat HDS couvre au moins une activité."),
                                                   code="no_activity")
        if self.issued_on and self.expires_on and self.issued_on > self.expires_on:
            errors["expires_on"] = ValidationError(_("La date d'expiration précède la date de délivrance."),
                                                   code="expires_before_issued")
        if errors:
            raise ValidationError(errors)
