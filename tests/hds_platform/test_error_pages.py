"""Errors in the shell; Django's debug pages (settings, traceback, URL patterns) for staff only."""

import pytest
from django.test import Client
from django.urls import path

from hds_platform import urls as project_urls
from hds_platform.error_pages import StaffOnlyDebugPagesMiddleware
from tests.factories import UserFactory


def broken(request):
    raise RuntimeError("SECRET_KEY and friends")


urlpatterns = [path("casse/", broken), *project_urls.urlpatterns]
handler500 = project_urls.handler500


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__


def test_a_member_gets_the_500_page_in_the_shell_not_the_traceback(debug_on, client, tenant, caplog):
    client.raise_request_exception = False
    client.force_login(tenant.owner)
    response = client.get("/casse/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Une erreur est survenue</h1>" in page and 'class="topbar"' in page
    assert "SECRET_KEY" not in page and "Traceback" not in page and "DATABASES" not in page
    assert [record.exc_info[1].args for record in caplog.records if record.exc_info] == [("SECRET_KEY and friends",)]


def test_an_unknown_address_shows_the_404_page_not_the_url_patterns(debug_on, client, tenant):
    client.force_login(tenant.owner)
    response = client.get("/nulle-part/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page introuvable</h1>" in page
    assert "URLconf" not in page and "connexion/" not in page.split("<main")[1]
    anonymous = Client().get("/o/tilleuls/nulle-part/")
    assert anonymous.status_code == 404 and "URLconf" not in anonymous.content.decode()


def test_staff_still_get_the_debug_pages(debug_on, rf, db):
    # (Staff must set up two-factor authentication before any page: the middleware is called directly.)
    request = rf.get("/casse/")
    request.user = UserFactory(is_staff=True)
    middleware = StaffOnlyDebugPagesMiddleware(lambda request: None)
    assert middleware.process_exception(request, RuntimeError("boom")) is None  # Django's debug page follows
    request.user = UserFactory()
    assert middleware.process_exception(request, RuntimeError("boom")).status_code == 500


def test_without_debug_the_500_page_is_ours(settings, client, tenant):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    client.force_login(tenant.owner)
    response = client.get("/casse/")
    assert response.status_code == 500
    assert "<h1>Une erreur est survenue</h1>" in response.content.decode()


def test_pages_name_the_favicon(client, tenant):
    client.force_login(tenant.owner)
    page = client.get("/o/tilleuls/").content.decode()
    assert '<link rel="icon" href="/static/hds_platform/favicon.svg" type="image/svg+xml">' in page
