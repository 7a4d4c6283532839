"""Forms of the account pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from hds_platform.accounts.verification import mark_verified
from hds_platform.forms import MaillonForm
from hds_platform.models import OrganisationKind, User, validate_siren


class CodeForm(MaillonForm):
    code = forms.CharField(label=_("Code"), max_length=32, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                                         "inputmode": "text"}),
                           help_text=_("Les 6 chiffres de votre application d'authentification, ou un code "
                                       "de secours."))


class ReauthenticationForm(MaillonForm):
    password = forms.CharField(label=_("Mot de passe"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                                                 "autofocus": True}))
    code = forms.CharField(label=_("Code de double authentification"), max_length=32, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}))

    def __init__(self, *args, with_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if with_code:
            self.fields["code"].required = True
        else:
            del self.fields["code"]


class SignupForm(MaillonForm):
    """A person and their organisation. The SIREN is checked by the organisation's own validator
    (python-stdnum); the password by every rule of AUTH_PASSWORD_VALIDATORS, in the service."""

    full_name = forms.CharField(label=_("Votre nom"), max_length=200,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Adresse e-mail professionnelle"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(label=_("Mot de passe"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("Au moins 10 caractères, pas uniquement des chiffres ni un mot "
                                           "courant."))
    organisation_name = forms.CharField(label=_("Nom de l'organisation"), max_length=200,
                                        widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    kind = forms.ChoiceField(label=_("Type d'organisation"), choices=OrganisationKind.choices)
    siren = forms.CharField(label=_("SIREN"), max_length=11, required=False,
                            help_text=_("9 chiffres, facultatif (les professionnels libéraux peuvent le laisser "
                                        "vide)."),
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))

    def clean_siren(self):
        value = self.cleaned_data["siren"].replace(" ", "")
        validate_siren(value)
        return value


class InvitationSignupForm(MaillonForm):
    """A new person's account, from an invitation (the address is the invitation's)."""

    full_name = forms.CharField(label=_("Votre nom"), max_length=200, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password = forms.CharField(label=_("Choisissez un mot de passe"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("Au moins 10 caractères, pas uniquement des chiffres ni un mot "
                                           "courant."))


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, which never says whether the address has an account; it also reaches
    a person who never had a password (an owner created by ``create_organisation``)."""

    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def get_users(self, email):
        return User.objects.filter(email__iexact=email.strip(), is_active=True)


class NewPasswordForm(SetPasswordForm):
    """Django's set-password form; following the e-mailed link also verifies the address."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        mark_verified(user)
        return user
