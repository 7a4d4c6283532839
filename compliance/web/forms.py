"""Forms of the compliance pages. They only parse what a person typed; the services decide.

A form's ``service_fields()`` returns the keyword arguments of the matching service; the view
calls the service and hands its refusal back with
:func:`hds_platform.forms.add_service_error`, so a message reaches the field it is about.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from compliance.models import (
    CertificateKind,
    CertificateStatus,
    ContractClause,
    EvidenceKind,
    ExemptionReason,
    HostingMode,
    Identifiability,
    ProcessingRole,
    RemoteAccessBasis,
)
from compliance.web.labels import ACTIVITY_LABELS
from hds_platform.forms import MaillonForm


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class LinesField(forms.CharField):
    """One item per line in a textarea; a list in Python."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def clean(self, value):
        return _lines(super().clean(value))


def _country_code(text: str) -> str:
    code = text.strip().upper()
    if code not in countries:
        raise ValidationError(_("« %(code)s » n'est pas un code pays ISO 3166 (deux lettres, ex. FR)."),
                              code="invalid_country", params={"code": text.strip()})
    return code


class CountriesField(forms.CharField):
    """Country codes separated by commas or spaces: ``FR, DE``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def clean(self, value):
        text = super().clean(value)
        return [_country_code(part) for part in text.replace(",", " ").split()]


def _activity_choices() -> list[tuple[int, str]]:
    return [(n, f"{n} — {label}") for n, label in ACTIVITY_LABELS.items()]


class ActivitiesField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        # A callable: the labels are worded when the form is shown, in the page's language, not
        # once when the form class is defined.
        super().__init__(choices=_activity_choices, coerce=int, **kwargs)

    def prepare_value(self, value):
        return sorted(value) if isinstance(value, set | frozenset) else value


def country_choices(blank: bool = False):
    choices = [(code, f"{name} ({code})") for code, name in countries]
    return [("", "—"), *choices] if blank else choices


# Suppliers and certificates ------------------------------------------------------------------


class SupplierForm(MaillonForm):
    name = forms.CharField(label=_("Raison sociale"), max_length=200)
    siren = forms.CharField(label=_("SIREN"), max_length=11, required=False,
                            help_text=_("9 chiffres ; vide pour une société étrangère."))
    siret = forms.CharField(label=_("SIRET"), max_length=17, required=False)
    vat_number = forms.CharField(label=_("Numéro de TVA intracommunautaire"), max_length=20, required=False)
    country = forms.ChoiceField(label=_("Pays du siège"), initial="FR")
    subject_to_non_eu_law = forms.BooleanField(
        label=_("Soumis à un droit extra-européen"), required=False,
        help_text=_("Le fournisseur ou sa maison mère est exposé à une loi non européenne (HDS v2, EXI 30)."),
    )
    non_eu_laws = LinesField(label=_("Lois concernées"), help_text=_("Une par ligne, ex. US CLOUD Act."))
    non_eu_law_mitigations = forms.CharField(label=_("Mesures et risque résiduel"), required=False,
                                             widget=forms.Textarea(attrs={"rows": 3}))
    transparency_url = forms.URLField(label=_("Page de transparence"), required=False, max_length=500,
                                      assume_scheme="https")
    dpf_certified = forms.BooleanField(
        label=_("Certifié au Data Privacy Framework UE–États-Unis"), required=False,
        help_text=_("Condition de la décision d'adéquation (UE) 2023/1795 pour un accès depuis les États-Unis."),
    )
    contact_email = forms.EmailField(label=_("E-mail du contact"), required=False,
                                     help_text=_("Destinataire des demandes de pièces."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class CertificateForm(MaillonForm):
    holder = forms.ChoiceField(label=_("Titulaire"))
    kind = forms.ChoiceField(label=_("Type"), choices=CertificateKind.choices, initial=CertificateKind.HDS)
    activities = ActivitiesField(label=_("Activités couvertes"))
    certificate_number = forms.CharField(label=_("Numéro du certificat"), max_length=100, required=False)
    certifier = forms.CharField(label=_("Organisme certificateur"), max_length=200, required=False)
    referential_version = forms.CharField(label=_("Référentiel"), max_length=50, required=False, initial="v2",
                                          help_text=_("« v1 », « v2 » ou le texte publié."))
    issued_on = forms.DateField(label=_("Délivré le"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Valable jusqu'au"), widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("État"), choices=CertificateStatus.choices, initial=CertificateStatus.VALID)
    perimeter = forms.CharField(
        label=_("Périmètre"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("L'offre, le service ou les sites certifiés, tels que le certificat et la liste de l'ANS les "
                    "nomment."),
    )
    document = forms.FileField(label=_("Le certificat (PDF ou image)"), required=False,
                               help_text=_("Facultatif ; il est classé parmi les preuves du titulaire."))

    SELF = "self"

    def __init__(self, *args, suppliers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.suppliers = {str(supplier.pk): supplier for supplier in suppliers}
        self.fields["holder"].choices = [
            (self.SELF, _("Votre organisation")), *((pk, s.name) for pk, s in self.suppliers.items())
        ]

    @property
    def supplier(self):
        return self.suppliers.get(self.cleaned_data["holder"])

    def service_fields(self) -> dict:
        data = {key: value for key, value in self.cleaned_data.items() if key not in ("holder", "document")}
        data["supplier"] = self.supplier
        return data


# Processings and chains ----------------------------------------------------------------------


def _parse_transfer(line: str) -> dict:
    country, _sep, safeguard = line.partition(":")
    return {"country": _country_code(country), "safeguard": safeguard.strip()}


class TransfersField(LinesField):
    """``US: CCT 2021/914``, one transfer per line."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{t['country']}: {t.get('safeguard', '')}".rstrip(": ") for t in value)
        return value

    def clean(self, value):
        return [_parse_transfer(line) for line in super().clean(value)]


class ProcessingForm(MaillonForm):
    name = forms.CharField(label=_("Nom du traitement"), max_length=200)
    role = forms.ChoiceField(label=_("Votre rôle"), choices=ProcessingRole.choices, initial=ProcessingRole.CONTROLLER)
    purposes = LinesField(label=_("Finalités"), help_text=_("Une par ligne (art. 30(1)(b))."))
    legal_basis = forms.CharField(label=_("Base légale (art. 6)"), max_length=300, required=False)
    health_data = forms.BooleanField(label=_("Données de santé"), required=False, initial=True)
    art9_condition = forms.CharField(label=_("Condition de l'art. 9(2)"), max_length=300, required=False,
                                     help_text=_("Pour les soins : art. 9(2)(h), avec le secret professionnel."))
    identifiability = forms.ChoiceField(label=_("Identification des personnes"), choices=Identifiability.choices,
                                        initial=Identifiability.IDENTIFIED)
    hosting_mode = forms.ChoiceField(label=_("Mode d'hébergement"), choices=HostingMode.choices, required=False)
    hosts_for_patients = forms.BooleanField(
        label=_("Hébergement pour le compte des patients eux-mêmes"), required=False,
        help_text=_("Par exemple un service ouvert aux patients qui conserve leurs données (CSP art. L.1111-8 I)."),
    )
    data_subject_categories = LinesField(label=_("Catégories de personnes concernées"))
    data_categories = LinesField(label=_("Catégories de données"))
    recipients = LinesField(label=_("Destinataires"))
    transfers = TransfersField(label=_("Transferts hors UE"),
                               help_text=_("Un par ligne : code pays, deux-points, garantie (ex. US: CCT 2021/914)."))
    retention = forms.CharField(label=_("Durée de conservation"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    security_measures = forms.CharField(label=_("Mesures de sécurité"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}))
    controller_contact = forms.CharField(label=_("Responsable de traitement et contact"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 2}))
    dpo_contact = forms.CharField(label=_("Contact du DPO"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    controllers_served = LinesField(label=_("Responsables de traitement servis"),
                                    help_text=_("Si vous êtes sous-traitant : un par ligne (art. 30(2)(a))."))
    dpia_required = forms.TypedChoiceField(
        label=_("AIPD requise"), required=False, empty_value=None,
        choices=[("", _("Non évaluée")), ("yes", _("Oui")), ("no", _("Non"))],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
    )
    dpia_done = forms.BooleanField(label=_("AIPD réalisée"), required=False)
    exemption_reason = forms.ChoiceField(
        label=_("Exemption de votre organisation"), required=False,
        choices=[(value, label) for value, label in ExemptionReason.choices
                 if value != ExemptionReason.COVERED_BY_PARENT_AUDIT],
        help_text=_("Seulement si vous n'hébergez pas au sens du CSP ; sans sa preuve, elle ne vaut rien."),
    )
    exemption_evidence = forms.ChoiceField(label=_("Preuve de l'exemption"), required=False)

    def __init__(self, *args, evidence=(), **kwargs):
        initial = kwargs.get("initial")
        if initial and "dpia_required" in initial:
            initial["dpia_required"] = {True: "yes", False: "no"}.get(initial["dpia_required"], "")
        if initial and "exemption_evidence" in initial:
            initial["exemption_evidence"] = str(initial["exemption_evidence"].pk if initial["exemption_evidence"]
                                                else "")
        super().__init__(*args, **kwargs)
        self.evidence = {str(e.pk): e for e in evidence}
        self.fields["exemption_evidence"].choices = [("", "—"), *((pk, e.title) for pk, e in self.evidence.items())]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["exemption_evidence"] = self.evidence.get(data["exemption_evidence"])
        return data


def _parse_remote_access(line: str) -> dict:
    country, _sep, basis = line.partition(":")
    basis = basis.strip().lower()
    if basis not in RemoteAccessBasis.values:
        raise ValidationError(
            _("Base « %(basis)s » inconnue : écrivez adequacy, safeguards, ou rien."),
            code="invalid_remote_access", params={"basis": basis},
        )
    return {"country": _country_code(country), "basis": basis}


class RemoteAccessField(LinesField):
    """``US: safeguards``, one country per line."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{item['country']}: {item.get('basis', '')}".rstrip(": ") for item in value)
        return value

    def clean(self, value):
        return [_parse_remote_access(line) for line in super().clean(value)]


class ChainLinkForm(MaillonForm):
    actor = forms.ChoiceField(label=_("Acteur"))
    parent = forms.ChoiceField(label=_("Sous-traitant de"), required=False)
    activities = ActivitiesField(label=_("Activités HDS réalisées"))
    stores_health_data = forms.BooleanField(label=_("Stocke des données de santé"), required=False, initial=True)
    storage_countries = CountriesField(label=_("Pays de stockage"),
                                       help_text=_("Codes pays séparés par des virgules, ex. FR, DE."))
    remote_access = RemoteAccessField(
        label=_("Accès à distance hors EEE"),
        help_text=_("Un par ligne : code pays, deux-points, adequacy ou safeguards (ex. US: safeguards)."),
    )
    is_backup = forms.BooleanField(label=_("Sauvegarde externalisée"), required=False)
    exemption_reason = forms.ChoiceField(
        label=_("Exemption de certificat HDS"), required=False, choices=ExemptionReason.choices,
        help_text=_("Une exemption ne vaut qu'avec sa preuve au dossier (agrément, tableau de garanties, "
                    "description de la prestation)."),
    )
    exemption_evidence = forms.ChoiceField(label=_("Preuve de l'exemption"), required=False)
    certificates = forms.MultipleChoiceField(
        label=_("Certificats retenus"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Les certificats de l'acteur dont le périmètre couvre le service utilisé. Aucun : tout "
                    "certificat valide de l'acteur compte."),
    )

    SELF = "self"

    def __init__(self, *args, organisation_name="", suppliers=(), links=(), evidence=(), certificates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.suppliers = {str(s.pk): s for s in suppliers}
        self.links = {str(link.pk): link for link in links}
        self.evidence = {str(e.pk): e for e in evidence}
        self.certificates = {str(c.pk): c for c in certificates}
        self.fields["certificates"].choices = [
            (pk, _certificate_choice(certificate, organisation_name)) for pk, certificate in self.certificates.items()
        ]
        self.fields["actor"].choices = [
            (self.SELF, _("%(name)s (votre organisation)") % {"name": organisation_name}),
            *((pk, s.name) for pk, s in self.suppliers.items()),
        ]
        self.fields["parent"].choices = [
            ("", _("— contrat direct avec votre organisation —")),
            *((pk, link.supplier.name if link.supplier_id else organisation_name) for pk, link in self.links.items()),
        ]
        self.fields["exemption_evidence"].choices = [("", "—"), *((pk, e.title) for pk, e in self.evidence.items())]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["supplier"] = self.suppliers.get(data.pop("actor"))
        data["parent"] = self.links.get(data["parent"])
        data["exemption_evidence"] = self.evidence.get(data["exemption_evidence"])
        data["certificates"] = [self.certificates[pk] for pk in data["certificates"]]
        return data


def _certificate_choice(certificate, organisation_name: str) -> str:
    holder = certificate.supplier.name if certificate.supplier_id else organisation_name
    activities = ", ".join(map(str, sorted(certificate.activities)))
    label = f"{holder} — {certificate.certificate_number or '?'} ({activities})"
    return f"{label} — {certificate.perimeter}" if certificate.perimeter else label


# Evidence ------------------------------------------------------------------------------------


def contract_terms(cleaned: dict, *, hosting_contract: bool) -> dict:
    """The service fields of a contract's checklist: the clauses once someone has checked them (or
    ticked one), the locations when given. Nothing for another kind of document, unless something
    was filled in: the service then says why it does not belong there."""
    checked = cleaned["contract_checked"] or bool(cleaned["contract_clauses"])
    fields = {}
    if hosting_contract or checked:
        fields["contract_clauses"] = list(cleaned["contract_clauses"]) if checked else None
    if hosting_contract or cleaned["contract_locations"]:
        fields["contract_locations"] = cleaned["contract_locations"]
    return fields


class ContractTermsForm(MaillonForm):
    """What a hosting contract says (CSP art. R.1111-11): the clauses found in it, and the hosting
    locations it names."""

    contract_checked = forms.BooleanField(
        label=_("J'ai vérifié les clauses de ce contrat"), required=False,
        help_text=_("Cochez même si aucune clause n'y figure : un contrat non vérifié ne prouve rien."),
    )
    contract_clauses = forms.MultipleChoiceField(
        label=_("Clauses présentes (CSP art. R.1111-11)"), required=False, choices=ContractClause.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    contract_locations = CountriesField(label=_("Lieux d'hébergement nommés par le contrat"),
                                        help_text=_("Codes pays séparés par des virgules, ex. FR, DE."))

    def service_fields(self) -> dict:
        return contract_terms(self.cleaned_data, hosting_contract=True)


class EvidenceForm(ContractTermsForm):
    """An upload; a hosting contract's checklist can be filled in at once."""

    file = forms.FileField(label=_("Fichier"), help_text=_("PDF, PNG, JPEG, DOCX ou XLSX."))
    kind = forms.ChoiceField(label=_("Type de pièce"), choices=[("", "—"), *EvidenceKind.choices])
    title = forms.CharField(label=_("Titre"), max_length=200, required=False,
                            help_text=_("Par défaut, le nom du fichier."))
    supplier = forms.ChoiceField(
        label=_("Fournisseur concerné"), required=False,
        help_text=_("Un contrat d'hébergement sans fournisseur est le vôtre, avec les responsables de traitement "
                    "que vous servez."),
    )
    processing = forms.ChoiceField(label=_("Traitement concerné"), required=False)
    issued_on = forms.DateField(label=_("Émis le"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valable jusqu'au"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, suppliers=(), processings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.suppliers = {str(s.pk): s for s in suppliers}
        self.processings = {str(p.pk): p for p in processings}
        self.fields["supplier"].choices = [("", "—"), *((pk, s.name) for pk, s in self.suppliers.items())]
        self.fields["processing"].choices = [("", "—"), *((pk, p.name) for pk, p in self.processings.items())]

    def service_fields(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name not in ContractTermsForm.base_fields}
        data["supplier"] = self.suppliers.get(data["supplier"])
        data["processing"] = self.processings.get(data["processing"])
        data.update(contract_terms(self.cleaned_data, hosting_contract=data["kind"] == EvidenceKind.HOSTING_CONTRACT))
        return data


class CertificateDocumentForm(MaillonForm):
    """The copy of a certificate, filed on its own (a certificate taken from the ANS list has none)."""

    document = forms.FileField(label=_("Fichier du certificat"), help_text=_("PDF, PNG ou JPEG."))
