"""Headers and transport: the Content-Security-Policy, caching of API answers and evidence files,
the proxy in front, the client address, and the Bearer scheme."""

import re
import runpy
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from compliance.models import Evidence
from hds_platform.middleware import ApiCacheControlMiddleware
from hds_platform.models import AuditEvent
from hds_platform.request_meta import client_address
from tests.compliance.web.pages import covered_chain, registry_host

ROOT = Path(__file__).resolve().parents[2]
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture
def owner_client(tenant):
    client = Client()
    client.force_login(tenant.owner)
    return client


@pytest.fixture
def evidence(tenant, media):
    registry_host("Nuage Souverain", "HDS-NS-1")
    with tenant.context():
        covered_chain()
        return Evidence.objects.first()


def test_every_page_has_a_strict_policy_and_no_inline_script_or_handler(tenant, owner_client, evidence):
    slug = tenant.organisation.slug
    pages = ["/connexion/", f"/o/{slug}/", f"/o/{slug}/preuves/", f"/o/{slug}/certificats/nouveau/",
             f"/o/{slug}/fournisseurs/{evidence.supplier_id}/modifier/", f"/o/{slug}/parametres/membres/",
             f"/o/{slug}/parametres/jetons/", f"/o/{slug}/parametres/securite/", f"/o/{slug}/journal/", "/compte/",
             "/compte/double-authentification/activer/", "/api/docs/"]
    for url in pages:
        client = Client() if url == "/connexion/" else owner_client
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9+/=]+'", directives["script-src"]) or (
            directives["script-src"] == "'self'"), (url, policy)
        assert (directives["style-src"], directives["object-src"], directives["frame-ancestors"]) == (
            "'self'", "'none'", "'none'")
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        body = response.content.decode()
        assert INLINE_HANDLER.search(body) is None, url
        assert re.search(r"<script(?![^>]*\ssrc=)[^>]*>", body) is None, url
        assert ' style="' not in body, url


def test_evidence_downloads_are_never_stored(tenant, owner_client, client_for, evidence):
    slug = tenant.organisation.slug
    web = owner_client.get(f"/o/{slug}/preuves/{evidence.pk}/fichier/")
    api = client_for(user=tenant.owner).get(f"/api/v1/orgs/{slug}/evidence/{evidence.pk}/download/")
    for response in (web, api):
        assert response.status_code == 200
        assert (response["Cache-Control"], response["Content-Security-Policy"]) == ("private, no-store", "sandbox")


def test_api_answers_are_private_and_revalidated_when_they_carry_an_etag(tenant, client_for):
    response = client_for(user=tenant.owner).get(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/")
    assert response["Cache-Control"] == "private"
    assert Client().get("/api/v1/me/")["Cache-Control"] == "private"  # errors too

    def with_etag(request):
        response = HttpResponse("{}")
        response["ETag"] = '"abc"'
        return response

    middleware = ApiCacheControlMiddleware(with_etag)
    assert middleware(RequestFactory().get("/api/v1/anything/"))["Cache-Control"] == "private, no-cache"
    assert not middleware(RequestFactory().get("/o/x/")).has_header("Cache-Control")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(tenant, api, scheme):
    api.credentials(HTTP_AUTHORIZATION=f"{scheme} {tenant.token(scope='read')}")
    assert api.get(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/").status_code == 200


@pytest.mark.parametrize(("depth", "forwarded", "expected"), [
    (0, "203.0.113.5", "10.0.0.2"),                      # no proxy: the header is the client's word
    (1, "203.0.113.5", "203.0.113.5"),                   # what the one proxy saw
    (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),          # a forged entry on the left is ignored
    (2, "6.6.6.6, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
    (2, "203.0.113.5", "10.0.0.2"),                      # shorter than the depth: the peer
    (1, "not-an-address", "10.0.0.2"),
    (1, "2001:db8::1", "2001:db8::1"),
])
def test_the_client_address_is_read_at_the_configured_proxy_depth(settings, depth, forwarded, expected):
    settings.TRUSTED_PROXY = depth
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_the_audit_log_records_the_clients_address_not_the_proxys(tenant, client_for, settings):
    settings.TRUSTED_PROXY = 1
    client = client_for(user=tenant.owner)
    response = client.post(f"/api/v1/orgs/{tenant.organisation.slug}/tokens/", {"name": "ci", "scope": "read"},
                           REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert response.status_code == 201
    with tenant.context():
        assert AuditEvent.objects.get(action="api_token.created").ip == "203.0.113.5"


@pytest.mark.parametrize(("proxies", "header"), [("", None), ("0", None),
                                                  ("1", ("HTTP_X_FORWARDED_PROTO", "https"))])
def test_forwarded_proto_is_believed_only_behind_a_trusted_proxy(monkeypatch, tmp_path, proxies, header):
    monkeypatch.setenv("DEBUG", "false")
    monkeypatch.setenv("SECRET_KEY", "k3Jd9-Qp2xV7zL0aRt5YwN8cBm1HsE4uGf6iOvKjXlTqPy_rZ-w8Hn2Ue")
    monkeypatch.setenv("ALLOWED_HOSTS", "maillon.example")
    monkeypatch.setenv("MAILLON_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TRUSTED_PROXY", proxies)
    production = runpy.run_path(str(ROOT / "hds_platform" / "settings.py"))
    assert production.get("SECURE_PROXY_SSL_HEADER") == header


def test_sessions_have_an_idle_timeout_and_a_bounded_lifetime(monkeypatch):
    defaults = runpy.run_path(str(ROOT / "hds_platform" / "settings.py"))
    assert (defaults["SESSION_IDLE_SECONDS"], defaults["SESSION_MAX_AGE_SECONDS"], defaults["SESSION_COOKIE_AGE"],
            defaults["REAUTHENTICATION_SECONDS"]) == (1800, 43200, 43200, 600)


def test_the_policy_built_once_is_django_csps_own_and_a_nonce_or_an_override_still_reaches_it(settings):
    from csp.middleware import CSPMiddleware
    from csp.utils import build_policy

    from hds_platform.middleware import ContentSecurityPolicyMiddleware

    def plain(request):
        return HttpResponse("{}")

    def with_nonce(request):
        return HttpResponse(str(request.csp_nonce))

    def overridden(request):
        response = HttpResponse("{}")
        response._csp_replace = {"img-src": ["https://example.org"]}
        return response

    for view in (plain, with_nonce, overridden):
        ours = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/api/v1/me/"))
        theirs = CSPMiddleware(view)(RequestFactory().get("/api/v1/me/"))
        mask = re.compile(r"'nonce-[^']+'")
        assert mask.sub("N", ours["Content-Security-Policy"]) == mask.sub("N", theirs["Content-Security-Policy"])
        assert ("nonce-" in ours["Content-Security-Policy"]) is (view is with_nonce)
    assert ContentSecurityPolicyMiddleware(plain)(RequestFactory().get("/"))["Content-Security-Policy"] == (
        build_policy())
    assert "https://example.org" in ContentSecurityPolicyMiddleware(overridden)(
        RequestFactory().get("/"))["Content-Security-Policy"]
    # A changed setting is read again (the policy is not kept past it).
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert ContentSecurityPolicyMiddleware(plain)(RequestFactory().get("/"))["Content-Security-Policy"] == (
        "default-src 'none'")
