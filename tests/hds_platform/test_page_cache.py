"""Pages a person already saw, answered from the cache, and never once anything they depend on changed.

These tests commit for real (``transaction=True``): the data generations move at commit. PostgreSQL
only: the generations are kept by its triggers, and there is no cache without them.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.models import Supplier
from hds_platform import page_cache
from hds_platform.models import Membership, Organisation, Role, User
from tests.factories import SupplierFactory
from tests.second_factor import login_with_second_factor

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="data generations are kept by PostgreSQL triggers; without them nothing is cached"),
    pytest.mark.django_db(transaction=True),
]

TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.RESPONSE_CACHE = True


@pytest.fixture
def served(monkeypatch):
    """The paths answered from the cache."""
    answered = []
    respond = page_cache.respond

    def recorded(request, stored):
        answered.append(request.path)
        return respond(request, stored)

    monkeypatch.setattr(page_cache, "respond", recorded)
    return answered


@pytest.fixture
def pages(tenant):
    with tenant.context():
        SupplierFactory(name="Archives Sûres")
    slug = tenant.organisation.slug
    return {"dashboard": f"/o/{slug}/", "suppliers": f"/o/{slug}/fournisseurs/"}


def _client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _warm(client, path):
    """The first view sets the CSRF cookie, the second files the page: the third is served."""
    first, second = client.get(path), client.get(path)
    assert (first.status_code, second.status_code) == (200, 200)
    return second


def _get(client, path, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, len(queries)


def _tokens(response) -> list[str]:
    return TOKEN.findall(response.content.decode())


def _masked(response) -> str:
    return TOKEN.sub("TOKEN", response.content.decode())


def _cookie(response) -> dict:
    morsel = response.cookies[settings.CSRF_COOKIE_NAME]
    return {"value": morsel.value, **{name: morsel[name] for name in ("max-age", "path", "samesite", "secure",
                                                                       "httponly", "domain")}}


@pytest.mark.parametrize("name", ["dashboard", "suppliers"])
def test_a_page_seen_again_is_what_the_whole_stack_answered_from_two_queries(tenant, pages, served, name):
    client = _client(tenant.owner)
    path = pages[name]
    whole = _warm(client, path)
    again, queries = _get(client, path)
    assert (again.status_code, served, queries) == (200, [path], 2)  # the session, then the person
    assert _masked(again) == _masked(whole)
    assert {k: v for k, v in again.items() if k != "X-Request-ID"} == {
        k: v for k, v in whole.items() if k != "X-Request-ID"}
    assert again["Content-Type"] == "text/html; charset=utf-8" and "Content-Security-Policy" in again
    assert again["X-Request-ID"] != whole["X-Request-ID"]
    assert _cookie(again) == _cookie(whole)
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value
    tokens = _tokens(again)
    assert len(tokens) == len(_tokens(whole)) >= 2
    assert {_unmask_cipher_token(token) for token in tokens} == {secret}
    assert set(tokens).isdisjoint(_tokens(whole))  # a fresh mask, never the one kept


def test_a_token_of_a_page_from_the_cache_passes_the_csrf_check(tenant, pages, served):
    client = _client(tenant.owner, enforce_csrf_checks=True)
    _warm(client, pages["dashboard"])
    page = client.get(pages["dashboard"])
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', page.content.decode()).group(1)
    refused = client.post("/i18n/setlang/", {"language": "en", "next": pages["dashboard"]})
    accepted = client.post("/i18n/setlang/", {"language": "en", "next": pages["dashboard"],
                                              "csrfmiddlewaretoken": token})
    assert (served, refused.status_code, accepted.status_code) == ([pages["dashboard"]], 403, 302)
    english = client.get(pages["dashboard"])
    assert "<title>Dashboard · Maillon</title>" in english.content.decode()


def test_a_write_is_seen_at_once(tenant, pages, served):
    client = _client(tenant.owner)
    _warm(client, pages["suppliers"])
    with tenant.context():
        SupplierFactory(name="Nuage Neuf")
    page = client.get(pages["suppliers"]).content.decode()
    assert ("Nuage Neuf" in page, "Archives Sûres" in page, served) == (True, True, [])
    with tenant.context():
        Supplier.objects.filter(name="Archives Sûres").delete()
    assert "Archives Sûres" not in client.get(pages["suppliers"]).content.decode()
    client.get(pages["suppliers"])
    assert served == [pages["suppliers"]]


def test_a_changed_role_or_a_removed_member_is_never_answered_from_the_cache(tenant, pages, served):
    admin = tenant.members[Role.ADMIN.value]
    client = _client(admin)
    assert "Paramètres" in _warm(client, pages["dashboard"]).content.decode()
    with tenant.context():
        Membership.objects.filter(user=admin).update(role=Role.VIEWER)
    as_viewer = client.get(pages["dashboard"]).content.decode()
    assert ("Paramètres" in as_viewer, served) == (False, [])
    with tenant.context():
        Membership.objects.filter(user=admin).delete()
    assert client.get(pages["dashboard"]).status_code == 404
    assert served == []


def test_another_organisation_never_gets_the_page(tenant, other_tenant, pages, served):
    _warm(_client(tenant.owner), pages["dashboard"])
    outsider = _client(other_tenant.owner)
    outsider.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32
    assert [outsider.get(pages["dashboard"]).status_code for _ in range(2)] == [404, 404]
    assert served == []


@pytest.mark.parametrize("change", ["logout", "password", "deactivated", "session deleted"])
def test_a_session_that_no_longer_holds_is_never_answered_from_the_cache(tenant, pages, served, change):
    client = _client(tenant.owner)
    _warm(client, pages["dashboard"])
    owner = User.objects.get(pk=tenant.owner.pk)
    if change == "logout":
        client.post("/deconnexion/")
    elif change == "password":
        owner.set_password("un-autre-mot-de-passe-long")
        owner.save()
    elif change == "deactivated":
        User.objects.filter(pk=owner.pk).update(is_active=False)
    else:
        client.session.delete()
    response = client.get(pages["dashboard"])
    assert (response.status_code, response["Location"].split("?")[0], served) == (302, "/connexion/", [])


def test_an_idle_session_ends_instead_of_being_answered(tenant, pages, served):
    client = _client(tenant.owner)
    _warm(client, pages["dashboard"])
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_IDLE_SECONDS + 5)):
        response = client.get(pages["dashboard"])
    assert (response.status_code, response["Location"].split("?")[0], served) == (302, "/connexion/", [])


def test_the_last_seen_stamp_due_goes_the_whole_way_and_writes_it(tenant, pages, served):
    from hds_platform.accounts import sessions

    client = _client(tenant.owner)
    _warm(client, pages["dashboard"])
    seen = client.session[sessions.SEEN_AT]
    with time_machine.travel(timezone.now() + timedelta(seconds=sessions.SEEN_RESOLUTION_SECONDS + 1)):
        written = client.get(pages["dashboard"])
        assert (written.status_code, served) == (200, [])
        assert client.session[sessions.SEEN_AT] > seen
        client.get(pages["dashboard"])
    assert served == [pages["dashboard"]]


def test_a_removed_second_factor_sends_to_enrolment_where_the_organisation_requires_one(tenant, pages, served):
    Organisation.objects.filter(pk=tenant.organisation.pk).update(require_mfa=True)
    client = Client()
    device = login_with_second_factor(client, tenant.owner)
    _warm(client, pages["dashboard"])
    client.get(pages["dashboard"])
    assert served == [pages["dashboard"]]
    device.delete()
    response = client.get(pages["dashboard"])
    assert (response.status_code, response["Location"].split("?")[0], served) == (
        302, "/compte/double-authentification/activer/", [pages["dashboard"]])


def test_a_person_without_their_second_factor_never_gets_the_page_of_one_who_entered_it(tenant, pages, served):
    Organisation.objects.filter(pk=tenant.organisation.pk).update(require_mfa=True)
    verified = Client()
    login_with_second_factor(verified, tenant.owner)
    _warm(verified, pages["dashboard"])
    plain = _client(tenant.owner)
    plain.cookies[settings.CSRF_COOKIE_NAME] = verified.cookies[settings.CSRF_COOKIE_NAME].value
    response = plain.get(pages["dashboard"])
    assert (response.status_code, served) == (302, [])


def test_a_waiting_message_is_shown_once_and_never_from_the_cache(tenant, pages, served):
    client = _client(tenant.owner)
    _warm(client, pages["suppliers"])
    created = client.post(f"/o/{tenant.organisation.slug}/fournisseurs/nouveau/", {"name": "Nuage Neuf",
                                                                                    "country": "FR"})
    assert created.status_code == 302
    shown = client.get(pages["suppliers"]).content.decode()
    after = client.get(pages["suppliers"]).content.decode()
    assert ("Fournisseur « Nuage Neuf » créé." in shown, "créé." in after, served) == (True, False, [])


def test_the_person_and_their_other_organisations_are_read_each_time(tenant, other_tenant, pages, served):
    client = _client(tenant.owner)
    _warm(client, pages["dashboard"])
    with other_tenant.context():
        Membership.objects.create(organisation=other_tenant.organisation, user=tenant.owner, role=Role.VIEWER)
    assert "Laboratoire Voisin" in client.get(pages["dashboard"]).content.decode()
    Organisation.objects.filter(pk=other_tenant.organisation.pk).update(name="Laboratoire Renommé")
    assert "Laboratoire Renommé" in client.get(pages["dashboard"]).content.decode()
    User.objects.filter(pk=tenant.owner.pk).update(email="nouvelle@tilleuls.example")
    assert "nouvelle@tilleuls.example" in client.get(pages["dashboard"]).content.decode()
    assert served == []


def test_each_language_has_its_own_page(tenant, pages, served):
    client = _client(tenant.owner)
    french = _warm(client, pages["dashboard"]).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(pages["dashboard"]).content.decode()
    assert "<title>Tableau de bord · Maillon</title>" in french
    assert "<title>Dashboard · Maillon</title>" in english
    assert served == []
    assert "<title>Dashboard · Maillon</title>" in client.get(pages["dashboard"]).content.decode()
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert "<title>Tableau de bord · Maillon</title>" in client.get(pages["dashboard"]).content.decode()
    assert served == [pages["dashboard"]] * 2


def test_fragments_pages_not_kept_and_the_setting_off_go_the_whole_way(tenant, pages, served, settings):
    client = _client(tenant.owner)
    _warm(client, pages["suppliers"])
    assert client.get(pages["suppliers"], HTTP_HX_REQUEST="true").status_code == 200
    processings = f"/o/{tenant.organisation.slug}/traitements/"
    _warm(client, processings)
    client.get(processings)
    settings.RESPONSE_CACHE = False
    client.get(pages["suppliers"])
    assert served == []


def test_without_a_csrf_cookie_the_whole_way_gives_one(tenant, pages, served):
    client = _client(tenant.owner)
    _warm(client, pages["dashboard"])
    del client.cookies[settings.CSRF_COOKIE_NAME]
    response = client.get(pages["dashboard"])
    assert (response.status_code, served) == (200, [])
    assert len(response.cookies[settings.CSRF_COOKIE_NAME].value) == 32


def test_plain_http_is_redirected_to_https_even_with_a_page_in_the_cache(tenant, pages, served, settings):
    client = _client(tenant.owner)
    _warm(client, pages["dashboard"])
    settings.SECURE_SSL_REDIRECT = True
    plain = Client()  # a new handler: SecurityMiddleware reads the setting when it is built
    plain.cookies = client.cookies
    response = plain.get(pages["dashboard"])
    assert (response.status_code, response["Location"], served) == (
        301, f"https://testserver{pages['dashboard']}", [])
