"""Scopes of API tokens (and apps): the vocabulary, the legacy aliases, the default per permission."""

from types import SimpleNamespace

import pytest

from hds_platform import scopes
from hds_platform.api.base import OrganisationViewMixin
from hds_platform.models import ApiToken
from hds_platform.roles import Perm


def test_aliases_expand_to_exactly_what_the_first_tokens_could_do():
    assert scopes.parse("read") == {"conformity:read", "register:read", "reports:read"}
    assert scopes.parse("read-write") == {"conformity:read", "register:read", "register:write", "evidence:write",
                                          "webhooks:manage", "reports:read"}
    assert scopes.permissions_of(scopes.parse("read")) == {Perm.READ, Perm.EXPORT}
    assert scopes.permissions_of(scopes.parse("read-write")) == {Perm.READ, Perm.WRITE, Perm.EXPORT, Perm.WEBHOOKS}
    assert scopes.normalise("register:write conformity:read") == "conformity:read register:write"
    assert scopes.normalise("read") == "read"
    with pytest.raises(scopes.UnknownScope) as raised:
        scopes.parse("conformity:read admin everything")
    assert raised.value.names == ["admin", "everything"]


class _Bare(OrganisationViewMixin):
    """A view added later that declares nothing."""


class _Declared(OrganisationViewMixin):
    action_scopes = {"supersede": scopes.EVIDENCE_WRITE, "conformity GET": scopes.CONFORMITY_READ,
                     "list": (scopes.REGISTER_READ, scopes.CONFORMITY_READ)}


@pytest.mark.parametrize(("view", "action", "method", "permission", "expected"), [
    (_Bare, "list", "GET", Perm.READ, ("register:read",)),
    (_Bare, "create", "POST", Perm.WRITE, ("register:write",)),
    (_Bare, "create", "POST", Perm.EXPORT, ("reports:read",)),
    (_Bare, "rotate", "POST", Perm.WEBHOOKS, ("webhooks:manage",)),
    (_Bare, "list", "GET", Perm.MEMBERS, ()),  # no scope opens what is reserved to people
    (_Bare, "list", "GET", Perm.AUDIT, ()),
    (_Bare, "list", "GET", Perm.TOKENS, ()),
    (_Declared, "supersede", "POST", Perm.WRITE, ("evidence:write",)),
    (_Declared, "conformity", "GET", Perm.READ, ("conformity:read",)),
    (_Declared, "conformity", "POST", Perm.WRITE, ("register:write",)),
    (_Declared, "list", "GET", Perm.READ, ("register:read", "conformity:read")),
])
def test_the_scope_an_action_needs(view, action, method, permission, expected):
    instance = view()
    instance.action = action
    assert instance.required_scopes(SimpleNamespace(method=method), permission) == expected


def test_a_token_with_fine_scopes_is_held_to_them(tenant, client_for):
    raw = tenant.token(scope="conformity:read evidence:write", name="fine")
    client = client_for(token=raw)
    org = tenant.organisation.slug
    assert client.get(f"/api/v1/orgs/{org}/conformity/").status_code == 200
    refused = client.get(f"/api/v1/orgs/{org}/suppliers/")
    assert (refused.status_code, refused.json()) == (403, {
        "code": "insufficient_scope", "message": "Insufficient scope: this action needs the scope register:read."})
    either = client.get(f"/api/v1/orgs/{org}/reports/")
    assert either.json()["code"] == "insufficient_scope"
    me = client.get("/api/v1/me/").json()
    assert me["token"]["scope"] == "conformity:read evidence:write"


def test_a_token_with_an_unknown_scope_is_refused_and_nothing_is_created(tenant, client_for):
    client = client_for(user=tenant.owner)
    response = client.post(f"/api/v1/orgs/{tenant.organisation.slug}/tokens/",
                           {"name": "bad", "scope": "conformity:read everything"})
    assert response.status_code == 400
    message = "Portée inconnue : everything"
    assert response.json() == {"code": "invalid_scope", "message": message,
                               "errors": {"scope": [{"code": "invalid_scope", "message": message}]}}
    assert ApiToken.all_organisations.count() == 0
    created = client.post(f"/api/v1/orgs/{tenant.organisation.slug}/tokens/",
                          {"name": "sync", "scope": "register:read conformity:read"})
    assert created.status_code == 201
    assert (created.json()["scope"], created.json()["scopes"]) == (
        "conformity:read register:read", ["conformity:read", "register:read"])


def test_a_legacy_token_keeps_its_documented_refusal(tenant, client_for):
    client = client_for(token=tenant.token(scope="read"))
    refused = client.post(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/", {"name": "X", "country": "FR"})
    assert (refused.status_code, refused.json()) == (403, {
        "code": "permission_denied", "message": "Your role does not allow this action."})


def test_the_web_page_creates_a_token_of_one_scope(tenant):
    from django.test import Client

    browser = Client()
    browser.force_login(tenant.owner)  # a login counts as a recent authentication
    url = f"/o/{tenant.organisation.slug}/parametres/jetons/"
    assert "conformity:read — Lire la conformité de vos traitements" in browser.get(url).content.decode()
    response = browser.post(url, {"name": "Conformité seule", "scope": "conformity:read"})
    assert response.status_code == 302
    with tenant.context():
        assert list(ApiToken.objects.values_list("name", "scope")) == [("Conformité seule", "conformity:read")]


@pytest.mark.django_db
def test_the_event_feed_shows_conformity_changes_only_to_a_conformity_reader(tenant, client_for):
    from compliance import services
    from compliance.monitoring import alerts
    from compliance.monitoring.webhooks import catalogue, events
    from hds_platform.audit import Actor

    with tenant.context():
        supplier = services.supplier_create(actor=Actor.system("test"), name="Nuage")  # announces supplier.created
        [alert] = alerts.raise_alerts(tenant.organisation, [alerts.Alert(
            kind="conformity_changed", severity="error", dedupe_key="conformity:1", data={
                "change": 1, "processing": {"id": 9, "name": "Agenda"}, "from_status": "compliant",
                "to_status": "non_compliant", "changed_at": "2026-12-01T10:00:00+00:00", "appeared": [],
                "disappeared": []})])
        events.emit(tenant.organisation, catalogue.CONFORMITY_CHANGED, alert=alert)
    url = f"/api/v1/orgs/{tenant.organisation.slug}/events/"

    register = client_for(token=tenant.token(scope="register:read", name="register")).get(url).json()
    conformity = client_for(token=tenant.token(scope="conformity:read", name="answers")).get(url).json()
    asked = client_for(token=tenant.token(scope="conformity:read", name="asks")).get(url, {"type": "supplier.created"})

    assert supplier.pk and {"supplier.created", "conformity.changed"} <= {e["type"] for e in register["results"]}
    assert [e["type"] for e in conformity["results"]] == ["conformity.changed"]
    assert (asked.status_code, asked.json()["results"]) == (200, [])
    writer = client_for(token=tenant.token(scope="evidence:write", name="writer")).get(url)
    assert (writer.status_code, writer.json()["code"]) == (403, "insufficient_scope")
