"""What every ``/api/`` response shares, whichever view (or none) answered it."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

API_PREFIX = "/api/"

#: Headers that describe the HTML body being replaced; every other header (Allow, Content-Language, the
#: security headers…) is kept.
_BODY_HEADERS = frozenset({"content-type", "content-length"})


def _error(status: int) -> tuple[str, str]:
    if status == 404:
        return "not_found", _("Introuvable : aucune ressource de l'API à cette adresse.")
    if status == 405:
        return "method_not_allowed", _("Méthode non autorisée à cette adresse.")
    if status == 403:
        return "permission_denied", _("Vous n'avez pas la permission d'effectuer cette action.")
    if status == 400:
        return "bad_request", _("La requête est mal formée.")
    if status >= 500:
        return "server_error", _("Erreur interne : la requête n'a pas abouti et rien n'a été enregistré.")
    return "error", _("La requête n'a pas abouti.")


class ApiErrorMiddleware:
    """Under ``/api/``, an error that no API view answered (an unknown route, a method a plain
    Django view refuses, a crash) is answered in the API's envelope, ``{"code", "message"}``,
    instead of an HTML page (Django's debug page included).

    Placed before ``CommonMiddleware``: ``/api/v1/me`` is still redirected to ``/api/v1/me/``
    first. Responses of the API views (``rest_framework`` responses, the browsable API's HTML
    included) are left as they are: they already speak the envelope.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code < 400 or not request.path.startswith(API_PREFIX)
                or hasattr(response, "data") or response.get("Content-Type", "").startswith("application/json")):
            return response
        # In the request's language (an error page rendered on the way may have left another active).
        with translation.override(getattr(request, "LANGUAGE_CODE", None) or translation.get_language()):
            code, message = _error(response.status_code)
        json_response = JsonResponse({"code": code, "message": message}, status=response.status_code)
        for header, value in response.items():
            if header.lower() not in _BODY_HEADERS:
                json_response[header] = value
        return json_response


class ApiLanguageMiddleware:
    """Software calls in English unless it asks otherwise: a request under ``/api/`` that carries
    a bearer credential (an API token, an app's access token) and no ``Accept-Language`` is
    answered in English. People (the web session) keep the language LocaleMiddleware chose:
    their own, or their browser's. Placed after LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.path.startswith(API_PREFIX) and "HTTP_ACCEPT_LANGUAGE" not in request.META
                and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
        return self.get_response(request)
