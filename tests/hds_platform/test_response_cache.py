"""Hot reads answered from the cache, and never after their data changed.

These tests commit for real (``transaction=True``): the data generations move at commit, which the
rest of the suite, inside transactions that never commit, cannot see. PostgreSQL only: the
generations are kept by its triggers, and there is no cache without them.
"""

import json
from datetime import date, datetime, timedelta
from urllib.parse import unquote_to_bytes, urlsplit

import psycopg
import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.core.signals import request_started
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from compliance import evaluation
from compliance.models import ChainLink, ClientLink, Supplier
from hds_platform import generations
from hds_platform.checks import check_generation_triggers
from hds_platform.models import ApiToken, Organisation
from hds_platform.response_cache import FrontDoorHandler
from hds_platform.wsgi import application
from registry.models import CertifiedHost
from tests.compliance.test_scenarios_db import compliant_chain
from tests.factories import HostCertificateFactory, SupplierFactory
from tests.rls_support import assert_subject_to_rls, connect_as, require_roles

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="data generations are kept by PostgreSQL triggers; without them nothing is cached"),
    pytest.mark.django_db(transaction=True),
]

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.get_fixed_timezone(60))
TODAY = date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.RESPONSE_CACHE = True


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rows(tenant, frozen, media):
    """Two suppliers, one matched to the ANS list; a compliant processing (everything on file),
    evaluated."""
    host = HostCertificateFactory(host__name="Nuage Santé", certificate_number="HDS-N-1",
                                  activities=frozenset({1, 2, 3, 4, 5, 6}), expires_on=date(2027, 6, 1)).host
    with tenant.context():
        matched = SupplierFactory(name="Nuage Santé", confirmed_host=host)
        SupplierFactory(name="Archives Sûres")
        processing = compliant_chain(tenant)
        evaluation.evaluate_all(on=TODAY)
    return {"processing": processing, "matched": matched, "host": host}


def _paths(tenant, rows):
    slug = tenant.organisation.slug
    return {
        "suppliers": f"/api/v1/orgs/{slug}/suppliers/?page_size=25",
        "processings": f"/api/v1/orgs/{slug}/processings/?page_size=25",
        "summary": f"/api/v1/orgs/{slug}/conformity/",
        "answer": f"/api/v1/orgs/{slug}/processings/{rows['processing'].pk}/conformity/",
        "registry": "/api/v1/registry/hosts/?q=nuage&page_size=25",
    }


def _generations(organisation) -> generations.Generations:
    return generations.current(organisation.pk)


def _count(client, path, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, len(queries)


@pytest.mark.parametrize("name", ["suppliers", "processings", "summary", "answer", "registry"])
def test_a_second_read_is_the_same_answer_from_one_query(tenant, client_for, rows, name):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)[name]
    first, first_queries = _count(client, path)
    second, second_queries = _count(client, path)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"
    assert second.get("ETag") == first.get("ETag")
    assert second["Cache-Control"] == first["Cache-Control"]
    assert first_queries > 1
    assert second_queries == 1  # the token, with the generations: no transaction, no data read


def test_the_conformity_answer_from_the_cache_still_answers_304(tenant, client_for, rows):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["answer"]
    tag = client.get(path)["ETag"]
    response, queries = _count(client, path, HTTP_IF_NONE_MATCH=tag)
    assert (response.status_code, response["ETag"], response.content, queries) == (304, tag, b"", 1)
    response, queries = _count(client, path, HTTP_IF_NONE_MATCH='"another"')
    assert (response.status_code, response["ETag"], queries) == (200, tag, 1)


def test_a_write_through_the_api_is_read_at_once(tenant, client_for, rows):
    reader = client_for(token=tenant.token(scope="read"))
    writer = client_for(token=tenant.token(scope="read-write", name="writer"))
    path = _paths(tenant, rows)["suppliers"]
    before = reader.get(path).json()
    assert [s["name"] for s in before["results"]] == ["Archives Sûres", "Nuage Santé", "Nuage Souverain"]
    created = writer.post(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/",
                          {"name": "Bloc Opératoire Cloud", "country": "FR"}, format="json")
    assert created.status_code == 201
    after = reader.get(path).json()
    assert [s["name"] for s in after["results"]] == ["Archives Sûres", "Bloc Opératoire Cloud", "Nuage Santé",
                                                     "Nuage Souverain"]
    renamed = writer.patch(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/{created.json()['id']}/",
                           {"name": "Bloc Cloud"}, format="json")
    assert renamed.status_code == 200
    assert [s["name"] for s in reader.get(path).json()["results"]] == ["Archives Sûres", "Bloc Cloud", "Nuage Santé",
                                                                       "Nuage Souverain"]


def test_a_chain_broken_outside_any_request_is_not_answered_compliant(tenant, client_for, rows):
    """The first rule: a cached "compliant" must not outlive the data that proved it. Here the
    chain loses its only link from a shell (no request, no signal: a plain queryset delete)."""
    client = client_for(token=tenant.token(scope="read"))
    paths = _paths(tenant, rows)
    assert client.get(paths["answer"]).json()["status"] == "compliant"
    assert client.get(paths["summary"]).json()["by_status"]["compliant"] == 1
    with tenant.context():
        ChainLink.objects.filter(processing=rows["processing"]).delete()
        evaluation.evaluate_all(on=TODAY)
    answer = client.get(paths["answer"]).json()
    assert answer["status"] != "compliant"
    assert client.get(paths["summary"]).json()["by_status"]["compliant"] == 0


def test_raw_sql_moves_the_generation_too(tenant, client_for, rows):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["suppliers"]
    assert "Archives Sûres" in client.get(path).content.decode()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE compliance_supplier SET name = 'Archives Nouvelles' WHERE name = 'Archives Sûres'")
    body = client.get(path).content.decode()
    assert "Archives Nouvelles" in body
    assert "Archives Sûres" not in body


def test_a_registry_change_is_read_at_once(tenant, client_for, rows):
    client = client_for(token=tenant.token(scope="read"))
    paths = _paths(tenant, rows)
    assert [h["name"] for h in client.get(paths["registry"]).json()["results"]] == ["Nuage Santé"]
    supplier_before = client.get(paths["suppliers"]).json()["results"][1]["registry_match"]["host"]
    assert supplier_before["name"] == "Nuage Santé"
    CertifiedHost.objects.filter(pk=rows["host"].pk).update(name="Nuage Santé Plus")
    assert [h["name"] for h in client.get(paths["registry"]).json()["results"]] == ["Nuage Santé Plus"]
    assert client.get(paths["suppliers"]).json()["results"][1]["registry_match"]["host"]["name"] == "Nuage Santé Plus"


def test_the_next_day_is_built_again(tenant, client_for, rows, frozen):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["summary"]
    first = client.get(path)
    frozen.move_to(NOW + timedelta(days=1))
    response, queries = _count(client, path)
    assert response.status_code == 200
    assert queries > 1
    days_left = first.json()["expiring_certificates"]
    assert response.json()["expiring_certificates"] == days_left  # nothing expires within the horizon


def test_each_language_has_its_own_answer(tenant, client_for, rows):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["answer"]
    with tenant.context():
        ChainLink.objects.filter(processing=rows["processing"], supplier=None).update(activities=[5])
        evaluation.evaluate_all(on=TODAY)
    french = client.get(path, HTTP_ACCEPT_LANGUAGE="fr").json()
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en").json()
    assert french["findings"] and english["findings"]
    assert [f["code"] for f in french["findings"]] == [f["code"] for f in english["findings"]]
    assert french["findings"][0]["message"] != english["findings"][0]["message"]
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="fr").json() == french
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="en").json() == english


def test_a_revoked_token_is_refused_even_with_an_answer_in_the_cache(tenant, client_for, rows):
    raw = tenant.token(scope="read")
    client = client_for(token=raw)
    path = _paths(tenant, rows)["answer"]
    assert client.get(path).status_code == 200
    ApiToken.all_organisations.filter(organisation=tenant.organisation).update(revoked_at=timezone.now())
    response = client.get(path)
    assert (response.status_code, response.json()["code"]) == (401, "token_revoked")


def test_another_organisation_and_a_narrower_scope_get_nothing_from_the_cache(tenant, other_tenant, client_for,
                                                                              rows):
    paths = _paths(tenant, rows)
    reader = client_for(token=tenant.token(scope="read"))
    assert reader.get(paths["answer"]).status_code == 200
    assert reader.get(paths["suppliers"]).status_code == 200
    outsider = client_for(token=other_tenant.token(scope="read"))
    assert outsider.get(paths["answer"]).status_code == 404
    assert outsider.get(paths["suppliers"]).status_code == 404
    register_only = client_for(token=tenant.token(scope="register:read", name="register"))
    response = register_only.get(paths["answer"])
    assert (response.status_code, response.json()["code"]) == (403, "insufficient_scope")


def test_answers_from_the_cache_are_still_counted_against_the_rate_limit(tenant, client_for, rows, settings):
    settings.RATE_LIMIT_PLANS = {"standard": 3, "large": 3}
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["answer"]
    statuses = [client.get(path) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert [r.get("RateLimit-Remaining") for r in statuses[:3]] == ["2", "1", "0"]


def test_the_token_use_is_recorded_when_answered_from_the_cache(tenant, client_for, rows, frozen):
    raw = tenant.token(scope="read")
    client = client_for(token=raw)
    path = _paths(tenant, rows)["suppliers"]
    client.get(path)
    ApiToken.all_organisations.filter(organisation=tenant.organisation).update(last_used_at=None)
    response, queries = _count(client, path)
    # The token; then BEGIN, the organisation setting, its use recorded, COMMIT.
    assert (response.status_code, queries) == (200, 5)
    assert ApiToken.all_organisations.get(organisation=tenant.organisation).last_used_at == NOW


def test_generations_move_at_commit_for_the_organisations_a_row_names(tenant, other_tenant, frozen):
    own, other = _generations(tenant.organisation), _generations(other_tenant.organisation)
    with tenant.context():
        supplier = SupplierFactory(name="Un")
        Supplier.objects.filter(pk=supplier.pk).update(name="Deux")
    moved = _generations(tenant.organisation)
    assert moved.organisation > own.organisation
    assert _generations(other_tenant.organisation) == other
    assert moved.registry == own.registry
    with pytest.raises(RuntimeError), tenant.context():
        Supplier.objects.filter(pk=supplier.pk).update(name="Trois")
        raise RuntimeError("rolled back")
    assert _generations(tenant.organisation) == moved
    link = ClientLink.all_organisations.create(organisation=tenant.organisation,
                                               client_organisation=other_tenant.organisation)
    assert _generations(tenant.organisation).organisation > moved.organisation
    assert _generations(other_tenant.organisation).organisation > other.organisation
    assert link.pk is not None


def test_organisation_and_registry_rows_move_their_generations(tenant, frozen):
    before = _generations(tenant.organisation)
    Organisation.objects.filter(pk=tenant.organisation.pk).update(name="Clinique des Tilleuls (Lyon)")
    renamed = _generations(tenant.organisation)
    assert renamed.organisation > before.organisation
    HostCertificateFactory(host__name="Nouvel Hébergeur")
    listed = _generations(tenant.organisation)
    assert (listed.organisation, listed.registry > renamed.registry) == (renamed.organisation, True)


def test_the_token_use_does_not_move_the_generation(tenant, frozen):
    tenant.token(scope="read")
    before = _generations(tenant.organisation)
    with tenant.context():
        ApiToken.objects.update(last_used_at=timezone.now())
    assert _generations(tenant.organisation) == before


def test_a_table_without_its_trigger_is_reported_and_migrate_puts_it_back(db):
    from django.core.management import call_command

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER maillon_generation ON compliance_supplier")
    assert [(m.id, m.obj) for m in check_generation_triggers(connection)] == [
        ("maillon.E005", "compliance_supplier")]
    call_command("migrate", verbosity=0)
    assert check_generation_triggers(connection) == []


def test_the_runtime_role_moves_the_counters_by_writing_and_cannot_set_them(tenant, frozen):
    require_roles()
    with tenant.context():
        SupplierFactory(name="Un")
    before = _generations(tenant.organisation)
    with connect_as(settings.DATABASE_RUNTIME_ROLE, "DATABASE_RUNTIME_PASSWORD") as session, \
            session.cursor() as cursor:
        assert_subject_to_rls(cursor, settings.DATABASE_RUNTIME_ROLE)
        cursor.execute("SELECT set_config('app.organisation_id', %s, true)", [str(tenant.organisation.pk)])
        cursor.execute("UPDATE compliance_supplier SET name = 'Deux'")
        cursor.execute("INSERT INTO registry_change (kind, snapshot_id, host_id, before, after) "
                       "SELECT 'renamed', s.id, NULL, '{}', '{}' FROM registry_snapshot s LIMIT 0")
        session.commit()
        after = _generations(tenant.organisation)
        assert after.organisation > before.organisation
        assert after.registry > before.registry
        cursor.execute("SELECT count(*) FROM hds_platform_datageneration WHERE scope = %s", [tenant.organisation.pk])
        assert cursor.fetchone() == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("UPDATE hds_platform_datageneration SET value = 1")
        session.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("SELECT maillon_generation_bump(%s)", [tenant.organisation.pk])


def test_nothing_is_cached_when_the_setting_is_off(tenant, client_for, rows, settings):
    settings.RESPONSE_CACHE = False
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["suppliers"]
    client.get(path)
    _response, queries = _count(client, path)
    assert queries > 1


def test_reads_that_are_not_cached_read_the_data_each_time(tenant, client_for, rows):
    client = client_for(token=tenant.token(scope="read"))
    path = f"/api/v1/orgs/{tenant.organisation.slug}/certificates/"
    client.get(path)  # the token's first use is recorded
    first, first_queries = _count(client, path)
    second, second_queries = _count(client, path)
    assert first.status_code == second.status_code == 200
    assert first_queries == second_queries > 1


# The front door (FrontDoorMiddleware): an API token's read already answered is served before the
# rest of the middleware and the view run.

#: Headers of one request, set afresh on every answer.
_PER_REQUEST = {"X-Request-ID", "RateLimit-Remaining", "RateLimit-Reset"}


@pytest.fixture
def views_reached(monkeypatch):
    """How many requests reached a DRF view (the front door answers before any)."""
    reached = []
    dispatch = APIView.dispatch

    def counted(self, request, *args, **kwargs):
        reached.append(request.path)
        return dispatch(self, request, *args, **kwargs)

    monkeypatch.setattr(APIView, "dispatch", counted)
    return reached


def _headers(response) -> dict[str, str]:
    return {name: value for name, value in response.items() if name not in _PER_REQUEST}


@pytest.mark.parametrize("name", ["suppliers", "processings", "summary", "answer", "registry"])
def test_the_front_door_answers_what_the_whole_stack_answered(tenant, client_for, rows, views_reached, name):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)[name]
    first = client.get(path, HTTP_X_REQUEST_ID="first-call")
    second, queries = _count(client, path, HTTP_X_REQUEST_ID="second-call")
    assert (first.status_code, second.status_code, views_reached, queries) == (200, 200, [path.split("?")[0]], 1)
    assert second.content == first.content
    assert _headers(second) == _headers(first)
    assert "Content-Security-Policy" in second and "X-Content-Type-Options" in second
    assert (first["X-Request-ID"], second["X-Request-ID"]) == ("first-call", "second-call")
    assert (first["RateLimit-Remaining"], second["RateLimit-Remaining"]) == ("599", "598")


def test_the_front_door_304_is_the_one_the_view_gives(tenant, client_for, rows, settings, views_reached):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["answer"]
    settings.RESPONSE_CACHE = False
    tag = client.get(path)["ETag"]
    from_view = client.get(path, HTTP_IF_NONE_MATCH=tag)
    settings.RESPONSE_CACHE = True
    client.get(path)
    reached_before = len(views_reached)
    from_front, queries = _count(client, path, HTTP_IF_NONE_MATCH=tag)
    assert (from_view.status_code, from_front.status_code, from_front.content, queries) == (304, 304, b"", 1)
    assert len(views_reached) == reached_before
    assert _headers(from_front) == _headers(from_view)
    assert "Content-Type" not in from_front


def test_an_expired_token_is_refused_even_with_an_answer_in_the_cache(tenant, client_for, rows, frozen):
    client = client_for(token=tenant.token(scope="read", expires_at=NOW + timedelta(hours=1)))
    path = _paths(tenant, rows)["summary"]
    assert client.get(path).status_code == 200
    frozen.move_to(NOW + timedelta(hours=2))
    response = client.get(path)
    assert (response.status_code, response.json()["code"]) == (401, "token_expired")


def test_a_request_with_cookies_goes_the_whole_way(tenant, client_for, rows, views_reached):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["summary"]
    client.get(path)
    client.cookies["preference"] = "1"
    response, queries = _count(client, path)
    # Through the view; the view's own cache still answers (the token, no transaction).
    assert (response.status_code, len(views_reached), queries) == (200, 2, 1)


def test_a_miss_looks_the_token_up_once_and_counts_the_request_once(tenant, client_for, rows):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["answer"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    lookups = [q["sql"] for q in queries.captured_queries if "maillon_find_api_tokens" in q["sql"]]
    assert (response.status_code, len(lookups), response["RateLimit-Remaining"]) == (200, 1, "599")


def test_the_token_lookup_is_prepared_once_per_connection(tenant, client_for, rows):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["suppliers"]
    client.get(path)
    client.get(path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%maillon_find_api_tokens%"])
        assert cursor.fetchone()[0] == 1


def test_a_connection_the_server_dropped_is_replaced_before_the_token_is_looked_up(tenant, client_for, rows):
    """The lookup stands in for Django's health check: a broken persistent connection is closed and
    the lookup made again on a new one; the caller sees nothing."""
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["summary"]
    expected = client.get(path).content
    connection.ensure_connection()
    old_pid = connection.connection.info.backend_pid
    connection.health_check_enabled, connection.health_check_done = True, False
    admin = psycopg.connect(host=connection.settings_dict["HOST"], port=connection.settings_dict["PORT"] or 5432,
                            user="postgres", dbname=connection.settings_dict["NAME"], autocommit=True)
    with admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    response = client.get(path)
    assert (response.status_code, response.content) == (200, expected)
    assert connection.connection.info.backend_pid != old_pid


def test_a_registry_read_records_the_token_use_then_the_front_door_answers(tenant, client_for, rows, views_reached):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["registry"]
    assert ApiToken.all_organisations.get(organisation=tenant.organisation).last_used_at is None
    first = client.get(path)
    assert ApiToken.all_organisations.get(organisation=tenant.organisation).last_used_at == NOW
    second, queries = _count(client, path)
    assert (first.status_code, second.status_code, len(views_reached), queries) == (200, 200, 1, 1)
    assert second.content == first.content


def test_plain_http_is_redirected_to_https_even_with_an_answer_in_the_cache(tenant, client_for, rows, settings,
                                                                            views_reached):
    client = client_for(token=tenant.token(scope="read"))
    path = _paths(tenant, rows)["summary"]
    assert client.get(path).status_code == 200
    settings.SECURE_SSL_REDIRECT = True
    # A new handler: SecurityMiddleware reads the setting when it is built.
    response = client_for(token=tenant.token(scope="read", name="second")).get(path)
    assert (response.status_code, response["Location"], views_reached) == (301, f"https://testserver{path}", [path])


# The front door ahead of Django's request handling (FrontDoorHandler, the WSGI application that
# gunicorn serves): an answer found is written to the server without the stack.


def _wsgi(path, **headers):
    """(status line, headers, body) of ``path`` served by a new WSGI application."""
    handler = FrontDoorHandler()
    environ = dict(RequestFactory().get(path, **headers).environ)
    # As a server gives it (PEP 3333): the path's bytes as ISO-8859-1 text. The factory's request
    # has written its decoded path back.
    environ["PATH_INFO"] = unquote_to_bytes(urlsplit(path).path).decode("iso-8859-1")
    seen = []
    body = handler(environ, lambda status, response_headers, exc_info=None: seen.append((status, response_headers)))
    try:
        content = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    [(status, response_headers)] = seen
    return status, dict(response_headers), content


def _wsgi_counted(path, **headers):
    with CaptureQueriesContext(connection) as queries:
        answer = _wsgi(path, **headers)
    return answer, len(queries)


def _without_per_request(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in _PER_REQUEST}


@pytest.fixture
def handled():
    """How many requests Django's request handling saw (``request_started``)."""
    seen = []

    def started(**kwargs):
        seen.append(kwargs["environ"]["PATH_INFO"])

    request_started.connect(started)
    yield seen
    request_started.disconnect(started)


def test_gunicorn_serves_the_application_with_the_front_door_ahead():
    assert isinstance(application, FrontDoorHandler)


@pytest.mark.parametrize("name", ["suppliers", "processings", "summary", "answer", "registry"])
def test_the_wsgi_front_door_answers_what_the_whole_stack_answered(tenant, rows, views_reached, handled, name):
    raw = tenant.token(scope="read")
    path = _paths(tenant, rows)[name]
    auth = f"Bearer {raw}"
    (status, headers, content), first_queries = _wsgi_counted(path, HTTP_AUTHORIZATION=auth,
                                                              HTTP_X_REQUEST_ID="first-call")
    (status_2, headers_2, content_2), queries = _wsgi_counted(path, HTTP_AUTHORIZATION=auth,
                                                              HTTP_X_REQUEST_ID="second-call")
    assert (status, status_2, views_reached, queries) == ("200 OK", "200 OK", [path.split("?")[0]], 1)
    assert handled == [path.split("?")[0]]  # the second one never reached Django's handling
    assert first_queries > 1
    assert content_2 == content
    assert _without_per_request(headers_2) == _without_per_request(headers)
    assert headers_2["Content-Type"] == "application/json"
    assert headers_2["Content-Length"] == str(len(content))
    assert "Content-Security-Policy" in headers_2 and "X-Content-Type-Options" in headers_2
    assert (headers["X-Request-ID"], headers_2["X-Request-ID"]) == ("first-call", "second-call")
    assert (headers["RateLimit-Remaining"], headers_2["RateLimit-Remaining"]) == ("599", "598")
    assert headers_2["RateLimit-Limit"] == headers["RateLimit-Limit"] == "600"
    # The same answer as the test client's (the middleware's door) gets.
    via_middleware = APIClient(HTTP_AUTHORIZATION=auth).get(path)
    assert (via_middleware.status_code, via_middleware.content, len(views_reached)) == (200, content, 1)


def test_the_wsgi_front_door_304_is_the_one_the_view_gives(tenant, rows, settings, views_reached):
    auth = f"Bearer {tenant.token(scope='read')}"
    path = _paths(tenant, rows)["answer"]
    settings.RESPONSE_CACHE = False
    tag = _wsgi(path, HTTP_AUTHORIZATION=auth)[1]["ETag"]
    from_view = _wsgi(path, HTTP_AUTHORIZATION=auth, HTTP_IF_NONE_MATCH=tag)
    settings.RESPONSE_CACHE = True
    _wsgi(path, HTTP_AUTHORIZATION=auth)
    reached_before = len(views_reached)
    from_front, queries = _wsgi_counted(path, HTTP_AUTHORIZATION=auth, HTTP_IF_NONE_MATCH=tag)
    assert (from_view[0], from_front[0], from_front[2], queries) == ("304 Not Modified", "304 Not Modified", b"", 1)
    assert len(views_reached) == reached_before
    assert _without_per_request(from_front[1]) == _without_per_request(from_view[1])
    assert "Content-Type" not in from_front[1]


def test_a_wsgi_miss_looks_the_token_up_once_and_counts_the_request_once(tenant, rows, views_reached):
    auth = f"Bearer {tenant.token(scope='read')}"
    path = _paths(tenant, rows)["answer"]
    with CaptureQueriesContext(connection) as queries:
        status, headers, _content = _wsgi(path, HTTP_AUTHORIZATION=auth)
    lookups = [q["sql"] for q in queries.captured_queries if "maillon_find_api_tokens" in q["sql"]]
    assert (status, len(lookups), headers["RateLimit-Remaining"], len(views_reached)) == ("200 OK", 1, "599", 1)


def test_a_token_revoked_after_its_answer_was_kept_is_refused_at_the_wsgi_door(tenant, rows):
    auth = f"Bearer {tenant.token(scope='read')}"
    path = _paths(tenant, rows)["summary"]
    assert _wsgi(path, HTTP_AUTHORIZATION=auth)[0] == "200 OK"
    ApiToken.all_organisations.filter(organisation=tenant.organisation).update(revoked_at=NOW)
    status, _headers, content = _wsgi(path, HTTP_AUTHORIZATION=auth)
    assert (status, json.loads(content)["code"]) == ("401 Unauthorized", "token_revoked")


def test_after_a_wsgi_answer_the_connection_is_checked_again_before_the_next_lookup(tenant, rows, settings):
    """No ``request_finished`` is sent for an answer found: the door does its part for the
    database connection (checked again before the next request's first statement), so that a
    connection the server dropped in between is replaced; the caller sees nothing."""
    auth = f"Bearer {tenant.token(scope='read')}"
    path = _paths(tenant, rows)["summary"]
    expected = _wsgi(path, HTTP_AUTHORIZATION=auth)[2]
    connection.health_check_enabled = True
    assert _wsgi(path, HTTP_AUTHORIZATION=auth)[2] == expected
    assert connection.health_check_done is False
    old_pid = connection.connection.info.backend_pid
    admin = psycopg.connect(host=connection.settings_dict["HOST"], port=connection.settings_dict["PORT"] or 5432,
                            user="postgres", dbname=connection.settings_dict["NAME"], autocommit=True)
    with admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    status, _headers, content = _wsgi(path, HTTP_AUTHORIZATION=auth)
    assert (status, content) == ("200 OK", expected)
    assert connection.connection.info.backend_pid != old_pid


def test_a_failure_in_the_wsgi_door_is_logged_and_the_request_goes_the_whole_way(tenant, rows, monkeypatch, caplog,
                                                                                views_reached):
    auth = f"Bearer {tenant.token(scope='read')}"
    path = _paths(tenant, rows)["summary"]
    expected = _wsgi(path, HTTP_AUTHORIZATION=auth)[2]

    def broken(*args, **kwargs):
        raise RuntimeError("the cache client broke")

    monkeypatch.setattr(type(caches["default"]), "hit_and_get", broken)
    status, _headers, content = _wsgi(path, HTTP_AUTHORIZATION=auth)
    assert (status, content, len(views_reached)) == ("200 OK", expected, 2)
    assert [(r.name, r.getMessage()) for r in caplog.records if r.levelname == "ERROR"] == [
        ("hds_platform.response_cache", "front door: the request goes the whole way")]


def test_a_path_beyond_ascii_is_decoded_once_through_the_wsgi_door(tenant, rows):
    """The door's request must leave the WSGI environment as the server gave it (the path as
    ISO-8859-1 text), or the handler's request decodes the path twice."""
    auth = f"Bearer {tenant.token(scope='read')}"
    path = f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/%C4%80/"
    status, headers, content = _wsgi(path, HTTP_AUTHORIZATION=auth)
    via_client = APIClient(HTTP_AUTHORIZATION=auth).get(path)
    assert (status, headers["Content-Type"]) == ("404 Not Found", "application/json")
    assert json.loads(content) == via_client.json()
