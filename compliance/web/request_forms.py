"""Forms of the evidence-request and supplier-import pages, including the public upload page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from compliance.models import EvidenceKind
from compliance.models.evidence_requests import LANGUAGES
from hds_platform.forms import MaillonForm

ACCEPTED_FILES = ".pdf,.png,.jpg,.jpeg,.docx,.xlsx"


class EvidenceRequestForm(MaillonForm):
    kinds = forms.MultipleChoiceField(
        label=_("Pièces demandées"), choices=EvidenceKind.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("Le lien sert à déposer un seul document : cochez plusieurs types quand l'un ou l'autre "
                    "convient, et faites une demande par document attendu."))
    contact_email = forms.EmailField(label=_("E-mail du contact"))
    due_date = forms.DateField(label=_("Échéance"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text=_("Rappels 7 jours et 1 jour avant ; alerte si elle est dépassée."))
    language = forms.ChoiceField(
        label=_("Langue des e-mails"), required=False, initial="",
        choices=[("", _("Celle du contact s'il utilise Maillon, sinon le français")), *LANGUAGES])
    message = forms.CharField(label=_("Message"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    certificate = forms.TypedChoiceField(label=_("Certificat concerné"), required=False, coerce=int,
                                         empty_value=None)

    def __init__(self, *args, certificates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.certificates = {certificate.pk: certificate for certificate in certificates}
        self.fields["certificate"].choices = [("", _("Aucun"))] + [
            (certificate.pk, certificate.certificate_number or str(certificate.pk)) for certificate in certificates]

    def service_fields(self) -> dict:
        fields = dict(self.cleaned_data)
        fields["certificate"] = self.certificates.get(fields.get("certificate"))
        if not fields.get("language"):
            del fields["language"]
        return fields


class AcceptForm(MaillonForm):
    title = forms.CharField(label=_("Titre de la pièce"), required=False, max_length=200)
    issued_on = forms.DateField(label=_("Émise le"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valable jusqu'au"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))


class RejectForm(MaillonForm):
    reason = forms.CharField(label=_("Motif du refus"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Envoyé au contact avec un nouveau lien de dépôt."))


class PublicUploadForm(MaillonForm):
    """The contact's upload: the file, and which of the requested kinds it is when several were asked."""

    file = forms.FileField(label=_("Document"), help_text=_("PDF, PNG, JPEG, DOCX ou XLSX."),
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}), allow_empty_file=True)
    kind = forms.ChoiceField(label=_("Type de document"), required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(kinds) > 1:
            self.fields["kind"].required = True
            self.fields["kind"].choices = [(kind, EvidenceKind(kind).label) for kind in kinds]
            self.fields["kind"].widget = forms.RadioSelect(choices=self.fields["kind"].choices)
        else:
            del self.fields["kind"]
        self.fields["file"].help_text = _("PDF, PNG, JPEG, DOCX ou XLSX ; %(max)s Mo au plus.") % {
            "max": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)}


class SupplierImportForm(MaillonForm):
    file = forms.FileField(label=_("Fichier CSV ou XLSX"), allow_empty_file=True,
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
                           help_text=_("Colonnes : nom, SIREN ou SIRET, TVA, pays, e-mail du contact (en-têtes en "
                                       "français ou en anglais)."))
