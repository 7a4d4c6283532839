"""Suppliers: the third parties of an organisation, with their match in the ANS list."""


from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from compliance.models.choices import RegistryMatchStatus
from compliance.models.external_ids import external_id_field, unique_external_id
from compliance.models.validators import validate_country, validate_text_list, validate_vat_number
from hds_platform.models import validate_siren, validate_siret
from hds_platform.tenancy import TenantModel


class RegistryMatchMethod(models.TextChoices):
    NONE = "", _("—")
    CERTIFICATE_NUMBER = "certificate_number", _("Numéro de certificat")
    SIREN = "siren", _("SIREN")
    NAME_EXACT = "name_exact", _("Nom identique")
    NAME_FUZZY = "name_fuzzy", _("Nom approchant")
    MANUAL = "manual", _("Choix d'un membre")


class Supplier(TenantModel):
    """A third party of the organisation (host, operator, backup provider, SaaS…)."""

    name = models.CharField(_("raison sociale"), max_length=200, help_text=_("Legal name."))
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren],
                             help_text=_("9 digits, Luhn key; empty for a foreign company."))
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret],
                             help_text=_("14 digits of the establishment, starting with the SIREN."))
    vat_number = models.CharField(_("numéro de TVA"), max_length=20, blank=True, validators=[validate_vat_number],
                                  help_text=_("EU VAT number (FR + key + SIREN for a French company)."))
    country = models.CharField(_("pays"), max_length=2, default="FR", validators=[validate_country],
                               help_text=_("Seat of the company, ISO 3166-1 alpha-2."))
    registry_match_status = models.CharField(
        _("correspondance avec la liste ANS"), max_length=16, choices=RegistryMatchStatus.choices,
        default=RegistryMatchStatus.NONE,
    )
    registry_host = models.ForeignKey(
        "registry.CertifiedHost", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("hébergeur de la liste ANS"),
    )
    registry_match_score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True,
                                                            help_text=_("0 to 100."))
    registry_match_method = models.CharField(_("méthode"), max_length=32, blank=True,
                                             choices=RegistryMatchMethod.choices)
    registry_rejected_hosts = models.JSONField(
        _("hôtes écartés"), default=list, blank=True,
        help_text=_("Ids of registry hosts a member rejected: never suggested again."),
    )
    subject_to_non_eu_law = models.BooleanField(
        _("soumis à un droit extra-européen"), default=False,
        help_text=_("The supplier or its parent is exposed to a non-EU law (HDS v2 EXI 30)."),
    )
    non_eu_laws = models.JSONField(_("lois concernées"), default=list, blank=True, validators=[validate_text_list],
                                   help_text=_('e.g. ["US CLOUD Act", "FISA 702"].'))
    non_eu_law_mitigations = models.TextField(
        _("mesures et risque résiduel"), blank=True,
        help_text=_("Mitigations and residual risk, as documented in the contract."),
    )
    dpf_certified = models.BooleanField(
        _("certifié Data Privacy Framework"), default=False,
        help_text=_("Certified under the EU-US Data Privacy Framework: the condition of the US adequacy "
                    "decision (EU) 2023/1795 for access from the United States."),
    )
    transparency_url = models.URLField(_("page de transparence"), max_length=500, blank=True,
                                       help_text=_("Public page mapping transfers outside the EEA (EXI 31)."))
    contact_email = models.EmailField(_("e-mail du contact"), blank=True,
                                      help_text=_("Who receives evidence requests for this supplier."))
    external_id = external_id_field()
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("fournisseur")
        verbose_name_plural = _("fournisseurs")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="supplier_unique_name",
                                    violation_error_code="duplicate_name",
                                    violation_error_message=_("Un fournisseur porte déjà ce nom.")),
            models.UniqueConstraint(fields=["organisation", "siren"], condition=~Q(siren=""),
                                    name="supplier_unique_siren",
                                    violation_error_code="duplicate_siren",
                                    violation_error_message=_("Un fournisseur a déjà ce SIREN.")),
            unique_external_id("supplier"),
        ]
        indexes = [models.Index(fields=["organisation", "registry_host"], name="supplier_registry_host")]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.siren and self.siret and not self.siret.startswith(self.siren):
            errors["siret"] = ValidationError(_("Le SIRET doit commencer par le SIREN du fournisseur."),
                                              code="siret_siren_mismatch")
        if self.registry_match_status in (RegistryMatchStatus.SUGGESTED, RegistryMatchStatus.CONFIRMED):
            if self.registry_host_id is None:
                errors["registry_host"] = ValidationError(
                    _("Une correspondance suggérée ou confirmée désigne un hébergeur."), code="registry_host_missing")
        elif self.registry_host_id is not None:
            errors["registry_host"] = ValidationError(
                _("Sans correspondance, aucun hébergeur n'est désigné."), code="registry_host_unexpected")
        if errors:
            raise ValidationError(errors)
