"""The organisation's compliance data: suppliers, certificates, processing register, hosting
chains, evidence and conformity results.

Every model is tenant-owned (:class:`~hds_platform.tenancy.TenantModel`): a non-null
organisation, a scoped default manager, unique constraints that include the organisation.
Business rules live in ``compliance.services`` and ``compliance.conformity``; ``clean()`` only
checks what a single row can tell about itself.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from stdnum.eu import vat as stdnum_vat
from stdnum.fr import tva as stdnum_tva

from hds_platform.fields import ActivitySetField
from hds_platform.models import User, validate_siren, validate_siret
from hds_platform.tenancy import TenantModel

# Validators ----------------------------------------------------------------------------------


def validate_country(value: str) -> None:
    if value and value not in countries:
        raise ValidationError(_("%(value)s n'est pas un code pays ISO 3166 alpha-2."),
                              code="invalid_country", params={"value": value})


def validate_country_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Attendu : une liste de codes pays."), code="invalid_country_list")
    for code in value:
        validate_country(code)
    if len(set(value)) != len(value):
        raise ValidationError(_("Un pays figure deux fois dans la liste."), code="duplicate_country")


def validate_vat_number(value: str) -> None:
    """A French TVA number (FR + key + SIREN) or any EU VAT number python-stdnum knows."""
    if not value:
        return
    compact = value.replace(" ", "").upper()
    valid = stdnum_tva.is_valid(compact) if compact.startswith("FR") else stdnum_vat.is_valid(compact)
    if not valid:
        raise ValidationError(_("%(value)s n'est pas un numéro de TVA intracommunautaire valide."),
                              code="invalid_vat", params={"value": value})


def validate_text_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("Attendu : une liste de textes."), code="invalid_list")


def validate_transfers(value) -> None:
    """``[{"country": "US", "safeguard": "CCT 2021/914"}, …]`` (GDPR art. 30(1)(e))."""
    if not isinstance(value, list):
        raise ValidationError(_("Attendu : une liste de transferts."), code="invalid_transfers")
    for item in value:
        if not isinstance(item, dict) or set(item) - {"country", "safeguard"} or "country" not in item:
            raise ValidationError(_("Un transfert s'écrit {\"country\": …, \"safeguard\": …}."),
                                  code="invalid_transfers")
        if not isinstance(item.get("safeguard", ""), str):
            raise ValidationError(_("La garantie d'un transfert est un texte."), code="invalid_transfers")
        validate_country(item["country"] if isinstance(item["country"], str) else "?")


class RemoteAccessBasis(models.TextChoices):
    """Legal basis of a remote access from outside the EEA (HDS v2 EXI 29)."""

    ADEQUACY = "adequacy", _("Décision d'adéquation (RGPD art. 45)")
    SAFEGUARDS = "safeguards", _("Garanties appropriées (RGPD art. 46)")
    NONE = "", _("Aucune base documentée")


def validate_remote_access(value) -> None:
    """``[{"country": "US", "basis": "safeguards"}, …]``; basis one of adequacy, safeguards, ""."""
    if not isinstance(value, list):
        raise ValidationError(_("Attendu : une liste d'accès à distance."), code="invalid_remote_access")
    seen = set()
    for item in value:
        if not isinstance(item, dict) or set(item) - {"country", "basis"} or not isinstance(item.get("country"), str):
            raise ValidationError(_("Un accès à distance s'écrit {\"country\": …, \"basis\": …}."),
                                  code="invalid_remote_access")
        if item.get("basis", "") not in RemoteAccessBasis.values:
            raise ValidationError(_("Base juridique inconnue : %(basis)s."), code="invalid_remote_access",
                                  params={"basis": item.get("basis")})
        validate_country(item["country"])
        if item["country"] in seen:
            raise ValidationError(_("Un pays figure deux fois dans la liste."), code="duplicate_country")
        seen.add(item["country"])


# Suppliers -----------------------------------------------------------------------------------


class RegistryMatchStatus(models.TextChoices):
    NONE = "none", _("Aucune correspondance")
    SUGGESTED = "suggested", _("Suggérée")
    CONFIRMED = "confirmed", _("Confirmée")
    # A member rejected the suggestion; the host is remembered so it is not suggested again.
    REJECTED = "rejected", _("Rejetée")


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
    transparency_url = models.URLField(_("page de transparence"), max_length=500, blank=True,
                                       help_text=_("Public page mapping transfers outside the EEA (EXI 31)."))
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


# Certificates --------------------------------------------------------------------------------


class CertificateKind(models.TextChoices):
    HDS = "hds", _("HDS")
    ISO27001 = "iso27001", _("ISO 27001")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valide")
    SUSPENDED = "suspended", _("Suspendu")
    WITHDRAWN = "withdrawn", _("Retiré")


class CertificateSource(models.TextChoices):
    REGISTRY = "registry", _("Liste ANS")
    DOCUMENT = "document", _("Document")
    MANUAL = "manual", _("Saisie manuelle")


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
    referential_version = models.CharField(_("référentiel"), max_length=50, blank=True,
                                           help_text=_('"v1", "v2" or the text published.'))
    issued_on = models.DateField(_("délivré le"), null=True, blank=True)
    expires_on = models.DateField(_("valable jusqu'au"))
    status = models.CharField(_("état"), max_length=16, choices=CertificateStatus.choices,
                              default=CertificateStatus.VALID)
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


# Processing register -------------------------------------------------------------------------


class Identifiability(models.TextChoices):
    IDENTIFIED = "identified", _("Identifiantes")
    PSEUDONYMISED = "pseudonymised", _("Pseudonymisées")
    ANONYMISED = "anonymised", _("Anonymisées")


class HostingMode(models.TextChoices):
    UNKNOWN = "", _("Non renseigné")
    SELF_HOSTED = "self_hosted", _("Auto-hébergé")
    OUTSOURCED = "outsourced", _("Externalisé")


class ProcessingRole(models.TextChoices):
    CONTROLLER = "controller", _("Responsable de traitement")
    PROCESSOR = "processor", _("Sous-traitant")


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
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("traitement")
        verbose_name_plural = _("traitements")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="processing_unique_name",
                                               violation_error_code="duplicate_name",
                                               violation_error_message=_("Un traitement porte déjà ce nom."))]

    def __str__(self):
        return self.name


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
        help_text=_("Covered by the parent host's certification audit (needs evidence)."),
    )
    exemption_evidence = models.ForeignKey(
        "Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("preuve de l'exemption"),
    )
    is_backup = models.BooleanField(_("sauvegarde externalisée"), default=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name = _("maillon")
        verbose_name_plural = _("maillons")
        ordering = ["processing_id", "id"]
        indexes = [models.Index(fields=["organisation", "processing"], name="chainlink_processing")]

    def __str__(self):
        return f"{self.processing_id}:{self.supplier or 'self'}"

    def clean(self):
        errors = {}
        if self.exempt_under_parent and self.parent_id is None:
            errors["exempt_under_parent"] = ValidationError(
                _("Une exemption sous le parent suppose un maillon parent."), code="exemption_without_parent")
        if self.exemption_evidence_id is not None and not self.exempt_under_parent:
            errors["exemption_evidence"] = ValidationError(
                _("Une preuve d'exemption ne vaut que pour un maillon exempté."), code="evidence_without_exemption")
        if errors:
            raise ValidationError(errors)


# Evidence ------------------------------------------------------------------------------------


class EvidenceKind(models.TextChoices):
    HDS_CERTIFICATE = "hds_certificate", _("Certificat HDS")
    ISO27001_CERTIFICATE = "iso27001_certificate", _("Certificat ISO 27001")
    HOSTING_CONTRACT = "hosting_contract", _("Contrat d'hébergement")
    DPA = "dpa", _("Accord de sous-traitance (art. 28)")
    AUDIT_REPORT = "audit_report", _("Rapport d'audit")
    BACKUP_TEST = "backup_test", _("Test de restauration")
    DPIA = "dpia", _("AIPD")
    TRANSPARENCY_PAGE = "transparency_page", _("Page de transparence")
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

    class Meta(TenantModel.Meta):
        verbose_name = _("pièce justificative")
        verbose_name_plural = _("pièces justificatives")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            # A version is replaced by one newer version at most.
            models.UniqueConstraint(fields=["organisation", "superseded_by"], condition=Q(superseded_by__isnull=False),
                                    name="evidence_superseded_once"),
            models.UniqueConstraint(fields=["organisation", "file"], name="evidence_unique_file"),
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
        if self.issued_on and self.valid_until and self.issued_on > self.valid_until:
            raise ValidationError({"valid_until": ValidationError(
                _("La fin de validité précède la date d'émission."), code="valid_until_before_issued")})


# Conformity ----------------------------------------------------------------------------------


class RowPlaceholderJSONField(models.JSONField):
    """A JSONField bulk-inserted with one placeholder per row.

    On PostgreSQL, Django inserts many rows through ``UNNEST`` of one array per column unless a
    field defines its own placeholder; psycopg then adapts the jsonb array element by element in
    Python, which made writing a batch of evaluation results several times slower.
    """

    def get_placeholder(self, value, compiler, connection):
        return "%s"



class ConformityStatus(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", _("Non concerné")
    COMPLIANT = "compliant", _("Conforme")
    NON_COMPLIANT = "non_compliant", _("Non conforme")
    INCOMPLETE = "incomplete", _("Incomplet")


class ConformityResult(TenantModel):
    """The latest evaluation of a processing (one row per processing)."""

    processing = models.ForeignKey(Processing, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("traitement"))
    status = models.CharField(_("statut"), max_length=16, choices=ConformityStatus.choices)
    findings = RowPlaceholderJSONField(_("constats"), default=list)
    evaluated_at = models.DateTimeField(_("évalué le"))
    evaluated_on = models.DateField(_("date d'évaluation"), help_text=_("The date the rules were applied to."))
    inputs_digest = models.CharField(max_length=64, help_text=_("sha256 of the engine's inputs."))

    class Meta(TenantModel.Meta):
        verbose_name = _("résultat de conformité")
        verbose_name_plural = _("résultats de conformité")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "processing"], name="conformity_one_per_processing"),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="conformity_status")]

    def __str__(self):
        return f"{self.processing_id}: {self.status}"


class ConformityStatusChange(TenantModel):
    """One change of a processing's status, with the finding codes that appeared and disappeared."""

    processing = models.ForeignKey(Processing, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("traitement"))
    from_status = models.CharField(_("ancien statut"), max_length=16, blank=True, choices=ConformityStatus.choices,
                                   help_text=_("Empty for the first evaluation."))
    to_status = models.CharField(_("nouveau statut"), max_length=16, choices=ConformityStatus.choices)
    changed_at = models.DateTimeField(_("le"))
    appeared = RowPlaceholderJSONField(_("constats apparus"), default=list)
    disappeared = RowPlaceholderJSONField(_("constats disparus"), default=list)

    class Meta(TenantModel.Meta):
        verbose_name = _("changement de statut")
        verbose_name_plural = _("historique des statuts")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["organisation", "processing", "-changed_at"], name="conformity_history")]

    def __str__(self):
        return f"{self.processing_id}: {self.from_status or '∅'} → {self.to_status}"


# Alerts, notification preferences and webhooks live in their own module; importing it here is how
# Django finds them.
from compliance.models_alerts import *  # noqa: E402, F403
