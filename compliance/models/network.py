"""The network: a provider's offers, the client organisations it links by invitation, and what it
shares with them.

Every row belongs to the provider (``organisation``) except what a client holds of its own (its
supplier standing for the provider, the shared copies of certificates and documents, which live in
the client's organisation and say where they come from). :class:`ClientLink` is the one row both
sides read: it carries the client's organisation id too, and its row-level security lets either
organisation read it (``hds_platform.rls.LINK_POLICIES``).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models.certificates import Certificate
from compliance.models.evidence import Evidence
from compliance.models.suppliers import Supplier
from compliance.models.validators import validate_country_list, validate_remote_access, validate_text_list
from hds_platform.fields import ActivitySetField
from hds_platform.models import Organisation, User, validate_siren
from hds_platform.tenancy import TenantModel


class ProviderProfile(TenantModel):
    """How a provider presents itself: its public trust page, opt-in."""

    description = models.TextField(_("présentation"), blank=True)
    transparency_url = models.URLField(_("page de transparence"), max_length=500, blank=True,
                                       help_text=_("Public page mapping transfers outside the EEA (EXI 31)."))
    trust_page_published = models.BooleanField(
        _("page de confiance publiée"), default=False,
        help_text=_("Publish /confiance/<slug>/ with the published offers and their certificates."))
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("profil de prestataire")
        verbose_name_plural = _("profils de prestataire")
        constraints = [models.UniqueConstraint(fields=["organisation"], name="providerprofile_unique")]

    def __str__(self):
        return str(self.organisation_id)


class Offer(TenantModel):
    """A service a provider sells to its clients, described as a chain template."""

    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    activities = ActivitySetField(_("activités"), blank=True,
                                  help_text=_("HDS activities 1 to 6 the provider itself performs in this offer."))
    stores_health_data = models.BooleanField(_("stocke des données de santé"), default=True)
    storage_countries = models.JSONField(_("pays de stockage"), default=list, blank=True,
                                         validators=[validate_country_list])
    remote_access = models.JSONField(_("accès à distance"), default=list, blank=True,
                                     validators=[validate_remote_access],
                                     help_text=_('[{"country": "US", "basis": "safeguards"}]'))
    non_eu_laws = models.JSONField(_("exposition à un droit extra-européen"), default=list, blank=True,
                                   validators=[validate_text_list])
    non_eu_law_mitigations = models.TextField(_("mesures et risque résiduel"), blank=True)
    transparency_url = models.URLField(_("page de transparence"), max_length=500, blank=True)
    published = models.BooleanField(_("publiée sur la page de confiance"), default=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("offre")
        verbose_name_plural = _("offres")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="offer_unique_name",
                                               violation_error_code="duplicate_name",
                                               violation_error_message=_("Une offre porte déjà ce nom."))]

    def __str__(self):
        return self.name


class OfferCertificate(TenantModel):
    """A certificate of the provider itself that the offer relies on (shared with its clients)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="offer_certificates")
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="+")

    class Meta(TenantModel.Meta):
        ordering = ["offer_id", "certificate_id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "offer", "certificate"],
                                               name="offercertificate_unique")]


class SubcontractorCoverage(models.TextChoices):
    """The v2 guarantee table's wording for a subcontractor of the offer."""

    CERTIFIED = "certified", _("Certifié")
    EXEMPTED = "exempted", _("Exempté (couvert par l'audit de l'hébergeur)")


class OfferSubcontractor(TenantModel):
    """A subcontractor of the provider in the offer, with its activities and how it is covered."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="subcontractors")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="+")
    activities = ActivitySetField(_("activités"))
    coverage = models.CharField(_("couverture"), max_length=16, choices=SubcontractorCoverage.choices,
                                default=SubcontractorCoverage.CERTIFIED)
    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    help_text=_("Certified: the subcontractor's certificate shared with clients."))
    exemption_evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", help_text=_("Exempted: the guarantee table."))
    stores_health_data = models.BooleanField(_("stocke des données de santé"), default=False)

    class Meta(TenantModel.Meta):
        ordering = ["offer_id", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "offer", "supplier"],
                                               name="offersubcontractor_unique")]

    def clean(self):
        if self.coverage == SubcontractorCoverage.CERTIFIED and self.exemption_evidence_id is not None:
            raise ValidationError({"exemption_evidence": ValidationError(
                _("Seul un sous-traitant exempté a une preuve d'exemption."), code="evidence_without_exemption")})


class OfferDocument(TenantModel):
    """A document the provider shares with the clients of an offer (contract template, DPA…)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="documents")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="+")

    class Meta(TenantModel.Meta):
        ordering = ["offer_id", "evidence_id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "offer", "evidence"],
                                               name="offerdocument_unique")]


class LinkStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Terminée")


class LinkSide(models.TextChoices):
    NONE = "", _("—")
    PROVIDER = "provider", _("Prestataire")
    CLIENT = "client", _("Client")


class ClientLink(TenantModel):
    """A provider (``organisation``) linked to a client organisation, both sides reading this row.

    ``client_supplier_id`` is the supplier standing for the provider in the client's
    organisation: a plain id, never joined from the provider's side. ``share_status`` is the
    client's consent to the provider seeing the status of the processings relying on it.
    """

    client_organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    client_supplier_id = models.BigIntegerField(null=True, blank=True)
    offer_ids = models.JSONField(_("offres"), default=list, blank=True)
    share_status = models.BooleanField(_("statut partagé avec le prestataire"), default=False)
    status = models.CharField(_("état"), max_length=16, choices=LinkStatus.choices, default=LinkStatus.ACTIVE)
    accepted_at = models.DateTimeField(_("acceptée le"), default=timezone.now)
    ended_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    ended_by = models.CharField(_("terminée par"), max_length=16, choices=LinkSide.choices, blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("lien client")
        verbose_name_plural = _("liens clients")
        ordering = ["-accepted_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["organisation", "client_organisation"], condition=Q(status="active"),
            name="clientlink_one_active", violation_error_code="already_linked",
            violation_error_message=_("Cette organisation est déjà cliente."))]
        indexes = [models.Index(fields=["client_organisation", "status"], name="clientlink_client")]

    def __str__(self):
        return f"{self.organisation_id}→{self.client_organisation_id}"


class ProviderLink(ClientLink):
    """The same row as its client reads it (``…/providers/``): the provider's organisation owns it,
    the client's is ``client_organisation``."""

    class Meta:
        proxy = True
        verbose_name = _("lien prestataire")
        verbose_name_plural = _("liens prestataires")


class ClientInvitation(TenantModel):
    """A single-use, expiring link a provider e-mails to a client; only the digest is kept."""

    name = models.CharField(_("nom du client"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    email = models.EmailField(_("adresse e-mail"))
    offer_ids = models.JSONField(_("offres"), default=list, blank=True)
    token_digest = models.CharField(max_length=64)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    link = models.ForeignKey(ClientLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(TenantModel.Meta):
        verbose_name = _("invitation client")
        verbose_name_plural = _("invitations client")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "token_digest"],
                                               name="clientinvitation_unique_digest")]
        indexes = [models.Index(fields=["token_digest"], name="clientinvitation_digest")]

    def __str__(self):
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
