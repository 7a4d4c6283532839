"""Connected apps in tests: register an application, run the consent page, exchange the code."""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlparse

from django.test import Client

from hds_platform.oauth.registration import application_register

REDIRECT_URI = "https://practice.example/callback"


@dataclass
class RegisteredApp:
    application: object
    client_id: str
    client_secret: str


def register_app(user, name="Logiciel Cabinet", client_type="confidential") -> RegisteredApp:
    application, secret = application_register(user=user, name=name, redirect_uris=[REDIRECT_URI],
                                               client_type=client_type)
    return RegisteredApp(application, application.client_id, secret)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(app: RegisteredApp, scope: str, challenge: str, state: str = "st4te") -> str:
    return "/oauth/authorize/?" + urlencode({
        "response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT_URI, "scope": scope,
        "state": state, "code_challenge": challenge, "code_challenge_method": "S256"})


def consent(browser: Client, app: RegisteredApp, organisation, scope: str, challenge: str, *,
            chosen: list[str] | None = None, allow: bool = True):
    """Open the consent page as the logged-in ``browser`` and answer it; the response (a redirect)."""
    page = browser.get(authorize_url(app, scope, challenge))
    assert page.status_code == 200, page.content[:500]
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in (
        "redirect_uri", "scope", "client_id", "state", "response_type", "code_challenge", "code_challenge_method")}
    data["organisation"] = organisation.pk
    data["scopes"] = chosen if chosen is not None else scope.split()
    data["allow" if allow else "deny"] = "on"
    return browser.post("/oauth/authorize/", data)


def code_from(response) -> str:
    assert response.status_code == 302, response.content[:500]
    query = parse_qs(urlparse(response["Location"]).query)
    return query["code"][0]


def exchange(client, app: RegisteredApp, code: str, verifier: str):
    return client.post("/oauth/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "client_id": app.client_id, "client_secret": app.client_secret, "code_verifier": verifier})


def refresh(client, app: RegisteredApp, refresh_token: str):
    return client.post("/oauth/token/", {
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": app.client_id,
        "client_secret": app.client_secret})


def connect(owner, organisation, scope: str, app: RegisteredApp | None = None) -> tuple[RegisteredApp, dict]:
    """The whole dance for ``owner``: (app, token response body)."""
    app = app or register_app(owner)
    browser = Client()
    browser.force_login(owner)
    verifier, challenge = pkce_pair()
    code = code_from(consent(browser, app, organisation, scope, challenge))
    response = exchange(Client(), app, code, verifier)
    assert response.status_code == 200, response.content
    return app, response.json()
