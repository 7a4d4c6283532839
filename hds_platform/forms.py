"""Forms of the platform pages, and what every page form shares."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from hds_platform import scopes
from hds_platform.audit_display import actor_ids_matching, target_choices
from hds_platform.errors import ServiceError
from hds_platform.roles import Role, TokenScope


class MaillonForm(forms.Form):
    error_css_class = "has-error"
    required_css_class = "required"


def add_service_error(form: forms.Form, exc: Exception) -> None:
    """Put a service's refusal (ServiceError, or the ValidationError of a model's full_clean)
    on the field it names, or on the whole form."""
    if isinstance(exc, ServiceError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, ValidationError(exc.message, code=exc.code))
        return
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    form.add_error(None, exc)


class InvitationForm(MaillonForm):
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.EDITOR)

    def __init__(self, *args, allow_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_owner:  # only an owner hands out ownership
            self.fields["role"].choices = [(value, label) for value, label in Role.choices if value != Role.OWNER]


class MemberRoleForm(MaillonForm):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class ApiTokenForm(MaillonForm):
    name = forms.CharField(label=_("Nom du jeton"), max_length=100,
                           help_text=_("Pour le reconnaître, ex. « logiciel du cabinet »."))
    # The two first scopes (aliases), then each scope alone (the API also takes several at once).
    scope = forms.ChoiceField(label=_("Portée"), initial=TokenScope.READ, choices=[
        *TokenScope.choices, *((name, format_lazy("{} — {}", name, text)) for name, text in scopes.SCOPES.items())])
    expires_on = forms.DateField(label=_("Expire le"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class OrganisationDeleteForm(MaillonForm):
    confirm_slug = forms.CharField(
        label=_("Identifiant de l'organisation"), max_length=80,
        help_text=_("Saisissez-le pour confirmer : la suppression est définitive."))


class SecurityForm(MaillonForm):
    require_mfa = forms.BooleanField(
        label=_("Exiger la double authentification de chaque membre"), required=False,
        help_text=_("Les membres sans second facteur devront en activer un (application TOTP) avant d'accéder à "
                    "l'organisation, par le web comme par l'API."))


class AuditFilterForm(MaillonForm):
    """The audit log's filters: who, which kind of object, which order."""

    auteur = forms.CharField(label=_("Auteur"), required=False, max_length=200)
    objet = forms.ChoiceField(label=_("Objet"), required=False)
    tri = forms.ChoiceField(label=_("Ordre"), required=False,
                            choices=[("", _("Plus récents d'abord")), ("anciens", _("Plus anciens d'abord"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objet"].choices = [("", _("Tous")), *target_choices()]

    def apply(self, events):
        if self.cleaned_data["auteur"]:
            text = self.cleaned_data["auteur"]
            events = events.filter(Q(actor_label__icontains=text) | Q(actor_id__in=actor_ids_matching(text)))
        if self.cleaned_data["objet"]:
            events = events.filter(target_type=self.cleaned_data["objet"])
        return events
