"""Connected apps (OAuth 2.0, authorization code + PKCE): consent, tokens, scopes, one organisation,
refresh, revocation, audit."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from hds_platform import services
from hds_platform.audit import Actor
from hds_platform.models import AppConnection, AuditEvent, OAuthAccessToken, OAuthGrant, OAuthRefreshToken
from tests.oauth_support import (
    REDIRECT_URI,
    code_from,
    connect,
    consent,
    exchange,
    pkce_pair,
    refresh,
    register_app,
)

READ_SCOPES = "conformity:read register:read"


def _bearer(access_token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {access_token}")


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_authorize_token_scoped_access_refresh_and_revocation(tenant, other_tenant):
    org, other = tenant.organisation, other_tenant.organisation
    app = register_app(tenant.owner)
    browser = _browser(tenant.owner)
    verifier, challenge = pkce_pair()

    page = browser.get(f"/oauth/authorize/?response_type=code&client_id={app.client_id}&redirect_uri="
                       f"{REDIRECT_URI}&scope=conformity:read%20register:read&state=s&code_challenge={challenge}"
                       "&code_challenge_method=S256")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Autoriser « Logiciel Cabinet » ?" in text
    assert "Clinique des Tilleuls" in text
    assert "Lire la conformité de vos traitements" in text
    assert "Modifier votre registre" not in text  # not asked for: not offered

    redirect = consent(browser, app, org, READ_SCOPES, challenge)
    code = code_from(redirect)
    assert redirect["Location"].startswith(f"{REDIRECT_URI}?code=")
    assert "state=st4te" in redirect["Location"]
    assert OAuthGrant.objects.get().organisation_id == org.pk

    # Without the PKCE verifier the code is refused; with it, tokens come.
    assert exchange(Client(), app, code, "wrong-verifier-" + "x" * 40).status_code == 400
    redirect = consent(browser, app, org, READ_SCOPES, challenge)
    tokens = exchange(Client(), app, code_from(redirect), verifier).json()
    assert set(tokens) == {"access_token", "refresh_token", "expires_in", "token_type", "scope"}
    assert (tokens["token_type"], tokens["expires_in"], tokens["scope"]) == ("Bearer", 3600, READ_SCOPES)

    api = _bearer(tokens["access_token"])
    listed = api.get(f"/api/v1/orgs/{org.slug}/processings/")
    assert listed.status_code == 200
    assert api.get(f"/api/v1/orgs/{org.slug}/conformity/").status_code == 200
    # Outside its scopes: 403 with a stable code, and nothing written.
    suppliers_before = tenant_supplier_count(tenant)
    refused = api.post(f"/api/v1/orgs/{org.slug}/suppliers/", {"name": "ACME", "country": "FR"},
                       content_type="application/json")
    assert refused.status_code == 403  # in English: the default for tokens and apps
    assert refused.json() == {"code": "insufficient_scope",
                              "message": "Insufficient scope: this action needs the scope register:write."}
    assert tenant_supplier_count(tenant) == suppliers_before
    webhooks = api.get(f"/api/v1/orgs/{org.slug}/webhooks/")
    assert (webhooks.status_code, webhooks.json()["code"]) == (403, "insufficient_scope")
    # Never an action reserved to people (members, tokens, the audit log).
    assert api.get(f"/api/v1/orgs/{org.slug}/tokens/").json()["code"] == "insufficient_scope"
    # Another organisation answers 404, as it does for a token.
    assert api.get(f"/api/v1/orgs/{other.slug}/processings/").status_code == 404
    assert api.get(f"/api/v1/orgs/{other.slug}/conformity/").status_code == 404

    # Refresh: a new pair; the old access token is gone, the new one works.
    renewed = refresh(Client(), app, tokens["refresh_token"])
    assert renewed.status_code == 200
    fresh = renewed.json()
    assert fresh["access_token"] != tokens["access_token"]
    assert fresh["scope"] == READ_SCOPES
    assert _bearer(fresh["access_token"]).get(f"/api/v1/orgs/{org.slug}/conformity/").status_code == 200
    assert OAuthAccessToken.objects.get(token_checksum__isnull=False, source_refresh_token__isnull=False
                                        ).organisation_id == org.pk

    # The owner revokes it from the API: the app gets 401 at once, its refresh token is dead too.
    connection = AppConnection.all_organisations.get()
    owner = Client()
    owner.force_login(tenant.owner)
    revoked = owner.post(f"/api/v1/orgs/{org.slug}/connected-apps/{connection.pk}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False
    after = _bearer(fresh["access_token"]).get(f"/api/v1/orgs/{org.slug}/conformity/")
    assert after.status_code == 401
    assert after.json()["code"] == "invalid_token"
    assert refresh(Client(), app, fresh["refresh_token"]).json()["error"] == "invalid_grant"
    assert (OAuthAccessToken.objects.count(), OAuthRefreshToken.objects.count()) == (0, 0)


def tenant_supplier_count(tenant) -> int:
    from compliance.models import Supplier

    return Supplier.all_organisations.filter(organisation=tenant.organisation).count()


def test_scopes_chosen_on_the_consent_page_are_all_the_app_gets(tenant):
    app = register_app(tenant.owner)
    browser = _browser(tenant.owner)
    verifier, challenge = pkce_pair()
    redirect = consent(browser, app, tenant.organisation, "conformity:read register:write", challenge,
                       chosen=["conformity:read"])
    body = exchange(Client(), app, code_from(redirect), verifier).json()
    assert body["scope"] == "conformity:read"
    api = _bearer(body["access_token"])
    org = tenant.organisation.slug
    assert api.get(f"/api/v1/orgs/{org}/conformity/").status_code == 200
    # conformity:read reads the processings (their statuses), not the suppliers.
    assert api.get(f"/api/v1/orgs/{org}/processings/").status_code == 200
    assert api.get(f"/api/v1/orgs/{org}/suppliers/").json()["code"] == "insufficient_scope"
    connection = AppConnection.all_organisations.get()
    assert (connection.scope, connection.granted_by_id) == ("conformity:read", tenant.owner.pk)


def test_only_owners_and_admins_authorise_and_only_their_organisations(tenant, other_tenant):
    app = register_app(tenant.owner)
    _verifier, challenge = pkce_pair()
    viewer = _browser(tenant.members["viewer"])
    page = viewer.get(f"/oauth/authorize/?response_type=code&client_id={app.client_id}&redirect_uri={REDIRECT_URI}"
                      f"&scope=conformity:read&code_challenge={challenge}&code_challenge_method=S256")
    assert page.status_code == 200
    assert "Seul un propriétaire ou un administrateur" in page.content.decode()
    # The owner of one organisation cannot name another.
    refused = consent(_browser(tenant.owner), app, other_tenant.organisation, "conformity:read", challenge)
    assert refused.status_code == 400
    assert "Choisissez une organisation dont vous êtes propriétaire" in refused.content.decode()
    assert (OAuthGrant.objects.count(), AppConnection.all_organisations.count()) == (0, 0)


def test_refusing_sends_access_denied_and_grants_nothing(tenant):
    app = register_app(tenant.owner)
    _verifier, challenge = pkce_pair()
    response = consent(_browser(tenant.owner), app, tenant.organisation, "conformity:read", challenge, allow=False)
    assert response.status_code == 302
    assert response["Location"] == f"{REDIRECT_URI}?error=access_denied&state=st4te"
    assert (OAuthGrant.objects.count(), AppConnection.all_organisations.count()) == (0, 0)


def test_pkce_is_required(tenant):
    app = register_app(tenant.owner)
    page = _browser(tenant.owner).get(f"/oauth/authorize/?response_type=code&client_id={app.client_id}"
                                      f"&redirect_uri={REDIRECT_URI}&scope=conformity:read&state=s")
    assert page.status_code == 302
    assert "error=invalid_request" in page["Location"]
    assert "Code+challenge+required" in page["Location"]


def test_a_public_client_authorises_with_pkce_alone(tenant):
    app = register_app(tenant.owner, client_type="public")
    assert app.client_secret == ""
    _app, body = connect(tenant.owner, tenant.organisation, "conformity:read", app=app)
    assert _bearer(body["access_token"]).get(f"/api/v1/orgs/{tenant.organisation.slug}/conformity/").status_code == 200


def test_access_tokens_are_short_lived(tenant):
    _app, body = connect(tenant.owner, tenant.organisation, "conformity:read")
    with time_machine.travel(timezone.now() + timedelta(seconds=3601)):
        response = _bearer(body["access_token"]).get(f"/api/v1/orgs/{tenant.organisation.slug}/conformity/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_every_access_is_audited_with_the_apps_name(tenant):
    app, body = connect(tenant.owner, tenant.organisation, "register:read register:write")
    api = _bearer(body["access_token"])
    org = tenant.organisation.slug
    for _ in range(3):
        assert api.get(f"/api/v1/orgs/{org}/suppliers/").status_code == 200
    created = api.post(f"/api/v1/orgs/{org}/suppliers/", {"name": "Hébergeur Sud", "country": "FR"},
                       content_type="application/json")
    assert created.status_code == 201
    label = f"app:{app.client_id} Logiciel Cabinet"
    with tenant.context():
        events = list(AuditEvent.objects.order_by("seq").values_list("action", "actor_label"))
        connection = AppConnection.objects.get()
    assert events[-3:] == [
        ("app_connection.granted", f"user:{tenant.owner.pk}"),
        ("app_connection.used", label),  # reads: once a day per app, not one row per GET
        ("supplier.created", label),
    ]
    assert connection.last_used_at is not None


def test_member_removal_and_organisation_deletion_revoke_app_grants(tenant, other_tenant):
    admin = tenant.members["admin"]
    app, body = connect(admin, tenant.organisation, "conformity:read")
    _other_app, other_body = connect(other_tenant.owner, other_tenant.organisation, "conformity:read", app=app)
    with tenant.context():
        membership = services.Membership.objects.get(user=admin)
        services.membership_remove(membership=membership, actor=Actor.for_user(tenant.owner))
        connection = AppConnection.objects.get()
        event = AuditEvent.objects.filter(action="app_connection.revoked").get()
    assert connection.revoked_at is not None
    assert event.changes == {"application": app.client_id, "name": "Logiciel Cabinet", "reason": "grantor_removed"}
    response = _bearer(body["access_token"]).get(f"/api/v1/orgs/{tenant.organisation.slug}/conformity/")
    assert response.status_code == 401
    # The same app, connected to the other organisation, is untouched.
    assert _bearer(other_body["access_token"]).get(
        f"/api/v1/orgs/{other_tenant.organisation.slug}/conformity/").status_code == 200

    from hds_platform.organisation_deletion import organisation_delete

    organisation_delete(organisation=other_tenant.organisation, actor=Actor.for_user(other_tenant.owner),
                        confirm_slug=other_tenant.organisation.slug)
    assert _bearer(other_body["access_token"]).get("/api/v1/me/").status_code == 401
    assert (OAuthAccessToken.objects.count(), OAuthRefreshToken.objects.count()) == (0, 0)


def test_connected_apps_page_lists_and_revokes(tenant):
    app, _body = connect(tenant.owner, tenant.organisation, "conformity:read register:read")
    browser = _browser(tenant.owner)
    page = browser.get(f"/o/{tenant.organisation.slug}/parametres/applications/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Logiciel Cabinet" in text and app.client_id in text
    assert "Lire votre registre" in text and tenant.owner.email in text
    connection = AppConnection.all_organisations.get()
    response = browser.post(f"/o/{tenant.organisation.slug}/parametres/applications/{connection.pk}/revoquer/")
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.revoked_at is not None
    # A viewer sees no such page.
    assert _browser(tenant.members["viewer"]).get(
        f"/o/{tenant.organisation.slug}/parametres/applications/").status_code == 403


def test_connected_apps_api_lists_app_scopes_grantor_last_use(tenant, other_tenant, client_for):
    app, body = connect(tenant.owner, tenant.organisation, "conformity:read")
    _bearer(body["access_token"]).get(f"/api/v1/orgs/{tenant.organisation.slug}/conformity/")
    listed = client_for(user=tenant.owner).get(f"/api/v1/orgs/{tenant.organisation.slug}/connected-apps/")
    assert listed.status_code == 200
    (row,) = listed.json()["results"]
    assert {k: row[k] for k in ("client_id", "name", "scopes", "granted_by", "granted_by_email", "is_active")} == {
        "client_id": app.client_id, "name": "Logiciel Cabinet", "scopes": ["conformity:read"],
        "granted_by": tenant.owner.pk, "granted_by_email": tenant.owner.email, "is_active": True}
    assert row["last_used_at"] is not None
    assert client_for(user=other_tenant.owner).get(
        f"/api/v1/orgs/{tenant.organisation.slug}/connected-apps/").status_code == 404
    assert client_for(user=tenant.members["editor"]).get(
        f"/api/v1/orgs/{tenant.organisation.slug}/connected-apps/").status_code == 403


def test_registering_an_application_web_and_api(tenant, client_for):
    browser = _browser(tenant.members["viewer"])
    page = browser.post("/compte/applications/", {"name": "Agenda Santé", "redirect_uris": REDIRECT_URI,
                                                  "client_type": "confidential"})
    assert page.status_code == 201
    text = page.content.decode()
    assert "Application « Agenda Santé » enregistrée" in text
    assert "il ne sera plus jamais affiché" in text
    api = client_for(user=tenant.owner)
    created = api.post("/api/v1/apps/", {"name": "Dossier Patient", "redirect_uris": [REDIRECT_URI],
                                         "client_type": "public"}, format="json")
    assert created.status_code == 201
    assert set(created.json()) == {"client_id", "name", "redirect_uris", "client_type", "created", "client_secret"}
    assert created.json()["client_secret"] == ""
    assert [a["name"] for a in api.get("/api/v1/apps/").json()] == ["Dossier Patient"]
    bad = api.post("/api/v1/apps/", {"name": "X", "redirect_uris": ["ftp://nope"]}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_redirect_uri")
    token = client_for(token=tenant.token())
    assert token.get("/api/v1/apps/").json()["code"] == "person_required"


@pytest.mark.parametrize("language,heading", [("fr", "Autoriser « Logiciel Cabinet » ?"),
                                              ("en", "Authorise “Logiciel Cabinet”?")])
def test_the_consent_page_speaks_french_and_english(tenant, language, heading):
    app = register_app(tenant.owner)
    _verifier, challenge = pkce_pair()
    browser = _browser(tenant.owner)
    page = browser.get(f"/oauth/authorize/?response_type=code&client_id={app.client_id}&redirect_uri={REDIRECT_URI}"
                       f"&scope=conformity:read&code_challenge={challenge}&code_challenge_method=S256",
                       HTTP_ACCEPT_LANGUAGE=language)
    assert heading in page.content.decode()


def test_an_unverified_address_cannot_connect_or_register_an_app(tenant):
    from hds_platform.models import User

    app = register_app(tenant.owner)
    User.objects.filter(pk=tenant.owner.pk).update(email_verified_at=None)
    tenant.owner.refresh_from_db()
    _verifier, challenge = pkce_pair()
    refused = consent(_browser(tenant.owner), app, tenant.organisation, "conformity:read", challenge)
    assert refused.status_code == 400
    assert "Confirmez d&#x27;abord votre adresse e-mail" in refused.content.decode()
    assert (OAuthGrant.objects.count(), AppConnection.all_organisations.count()) == (0, 0)
    page = _browser(tenant.owner).post("/compte/applications/", {
        "name": "Autre", "redirect_uris": REDIRECT_URI, "client_type": "public"})
    assert page.status_code == 400


def test_an_app_with_webhooks_manage_subscribes_without_a_person_confirming(tenant, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_EXTRA_PORTS = frozenset({8123})
    app, body = connect(tenant.owner, tenant.organisation, "conformity:read webhooks:manage")
    api = _bearer(body["access_token"])
    created = api.post(f"/api/v1/orgs/{tenant.organisation.slug}/webhooks/",
                       {"url": "http://127.0.0.1:8123/hook", "events": ["conformity.changed"]},
                       content_type="application/json")
    assert created.status_code == 201
    assert set(created.json()) >= {"id", "url", "secret"}
    with tenant.context():
        event = AuditEvent.objects.filter(action="webhook.created").get()
    assert event.actor_label == f"app:{app.client_id} Logiciel Cabinet"


def test_an_app_costs_one_query_more_than_a_token(tenant, client_for):
    """The token by its digest (with its app and organisation), then the connection: the rest is the
    same as for an API token."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _app, body = connect(tenant.owner, tenant.organisation, "conformity:read")
    url = f"/api/v1/orgs/{tenant.organisation.slug}/conformity/"
    as_app, as_token = _bearer(body["access_token"]), client_for(token=tenant.token(scope="read"))
    as_app.get(url), as_token.get(url)  # first use: last-use stamps and the day's audit event
    counts = []
    for client in (as_app, as_token):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] + 1


def test_tokens_are_stored_as_digests_only(tenant):
    _app, body = connect(tenant.owner, tenant.organisation, "conformity:read")
    stored = str(list(OAuthAccessToken.objects.values())) + str(list(OAuthRefreshToken.objects.values()))
    assert body["access_token"] not in stored
    assert body["refresh_token"] not in stored
