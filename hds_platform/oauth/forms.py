from django import forms
from django.utils.translation import gettext_lazy as _
from oauth2_provider.forms import AllowForm
from oauth2_provider.models import get_application_model

from hds_platform import scopes


class ConsentForm(AllowForm):
    """The toolkit's hidden fields, plus the organisation and the scopes the owner chooses."""

    organisation = forms.TypedChoiceField(
        label=_("Pour l'organisation"), coerce=int, required=False,
        error_messages={"invalid_choice": _("Choisissez une organisation dont vous êtes propriétaire ou "
                                            "administrateur.")})
    scopes = forms.MultipleChoiceField(label=_("Ce que l'application pourra faire"), required=False,
                                       widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, organisations=(), requested=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].pk
        self.fields["scopes"].choices = scopes.described(set(requested))
        self.fields["scopes"].initial = list(requested)


class ApplicationForm(forms.Form):
    """What an integrator registers: a name, where users come back, whether it keeps a secret."""

    name = forms.CharField(label=_("Nom de l'application"), max_length=255,
                           help_text=_("Montré aux organisations sur la page d'autorisation."))
    redirect_uris = forms.CharField(
        label=_("Adresses de retour"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une par ligne, exactement comme votre application les enverra (https://…)."))
    client_type = forms.ChoiceField(
        label=_("Type"),
        choices=[(get_application_model().CLIENT_CONFIDENTIAL,
                  _("Serveur : garde un secret (application web, service)")),
                 (get_application_model().CLIENT_PUBLIC,
                  _("Publique : ne peut garder de secret (logiciel installé, application mobile)"))],
        initial=get_application_model().CLIENT_CONFIDENTIAL)
