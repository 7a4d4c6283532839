"""Bounded requests: every request gets its designed answer, never a 500 (issue: hardening, point 4).

The requests of the probe that answered 500 (``?expires_within_days=3000000``, very large ids,
a NUL byte, lists opened in a browser, ``host=abc``) and the uploads that were written whole
before their size was checked."""

import io

import pytest
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client

from compliance.demo_data import minimal_pdf
from compliance.models import Evidence, Supplier
from hds_platform.api.schema import SchemaGenerator
from hds_platform.params import MAX_ID, parse_id
from registry.models import Snapshot
from tests.compliance import builders
from tests.factories import UserFactory

HUGE = "99999999999999999999999"


@pytest.fixture
def browser(tenant):
    client = Client(raise_request_exception=False)
    client.force_login(tenant.owner)
    return client


@pytest.fixture
def written_to_disk(monkeypatch, settings):
    """Counts the bytes any upload hands to the temporary-file handler (every file goes there)."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    written = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        written.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    return written


def _list_paths(slug: str, supplier_id: int, processing_id: int) -> list[str]:
    """Every GET route of the API schema whose path holds no id but the ones given here."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        filled = (path.replace("{org}", slug).replace("{supplier_pk}", str(supplier_id))
                  .replace("{processing_pk}", str(processing_id)))
        if "{" not in filled:
            paths.append(filled)
    return paths


def test_every_list_opened_in_a_browser_while_logged_in_answers_html(tenant, browser):
    with tenant.context():
        supplier = builders.supplier("Nuage")
        processing = builders.processing("Dossier patient")
    paths = _list_paths(tenant.organisation.slug, supplier.pk, processing.pk)
    assert len(paths) >= 15
    answers = {path: browser.get(path, HTTP_ACCEPT="text/html").status_code for path in paths}
    assert {path: status for path, status in answers.items() if status != 200} == {}
    html = browser.get(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/", HTTP_ACCEPT="text/html")
    assert html["Content-Type"] == "text/html; charset=utf-8"
    assert b"Nuage" in html.content


@pytest.mark.parametrize(("query", "field", "code"), [
    ("evidence/?expires_within_days=3000000", "expires_within_days", "max_value"),
    ("evidence/?expires_within_days=-1", "expires_within_days", "min_value"),
    ("evidence/?expires_within_days=1.5", "expires_within_days", "invalid"),
    (f"evidence/?supplier={HUGE}", "supplier", "max_value"),
    (f"evidence/?processing={HUGE}", "processing", "max_value"),
    (f"evidence/?certificate={HUGE}", "certificate", "max_value"),
    (f"processings/?supplier={HUGE}", "supplier", "max_value"),
    (f"certificates/?supplier={HUGE}", "supplier", "max_value"),
    ("certificates/?supplier=0", "supplier", "min_value"),
    ("certificates/?supplier=abc", "supplier", "invalid"),
])
def test_a_numeric_filter_out_of_range_is_a_400_with_its_field_code(tenant, client_for, query, field, code):
    response = client_for(user=tenant.owner).get(f"/api/v1/orgs/{tenant.organisation.slug}/{query}")
    body = response.json()
    assert (response.status_code, body["code"], list(body["errors"]), body["errors"][field][0]["code"]) == (
        400, "invalid", [field], code)


def test_the_largest_id_is_accepted_and_finds_nothing(tenant, client_for):
    response = client_for(user=tenant.owner).get(
        f"/api/v1/orgs/{tenant.organisation.slug}/evidence/?supplier={MAX_ID}&expires_within_days=3660")
    assert (response.status_code, response.json()["count"]) == (200, 0)


def test_parse_id_reads_ascii_digits_within_a_bigint_only():
    assert [parse_id(value) for value in ("1", str(MAX_ID), str(MAX_ID + 1), "0", "-1", "abc", "١٢", "", None)] == [
        1, MAX_ID, None, None, None, None, None, None, None]


@pytest.mark.parametrize("host", ["abc", HUGE, "-3"])
def test_confirming_a_match_with_a_malformed_host_is_a_404_and_changes_nothing(tenant, browser, host):
    with tenant.context():
        supplier = builders.supplier("Nuage")
    response = browser.post(
        f"/o/{tenant.organisation.slug}/fournisseurs/{supplier.pk}/correspondance/confirmer/", {"host": host})
    assert response.status_code == 404
    with tenant.context():
        assert Supplier.objects.get().registry_match_status == supplier.registry_match_status


@pytest.mark.parametrize("path", [
    "/api/v1/registry/hosts/?q=clinique%00",
    "/api/v1/registry/hosts/?certifier=a%00b",
    "/api/v1/orgs/tilleuls/suppliers/?name=%00",
    "/api/v1/orgs/tilleuls/suppliers/?na%00me=x",
])
def test_a_nul_byte_in_a_query_string_is_refused_with_its_code(tenant, client_for, path):
    response = client_for(user=tenant.owner).get(path)
    assert (response.status_code, response.json()["code"]) == (400, "nul_byte")


def test_a_nul_byte_in_the_web_registry_search_is_refused(tenant, browser):
    response = browser.get(f"/o/{tenant.organisation.slug}/registre/?q=clinique%00")
    assert (response.status_code, response["Content-Type"]) == (400, "text/plain; charset=utf-8")


def test_an_anonymous_oversized_body_is_refused_from_its_length_before_it_is_read(db, written_to_disk, settings):
    settings.REQUEST_MAX_BYTES = 10_000
    body = b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n" + b"x" * 20_000 + \
        b"\r\n--B--\r\n"
    response = Client().generic("POST", "/api/v1/orgs/tilleuls/evidence/", body,
                                content_type="multipart/form-data; boundary=B")
    assert (response.status_code, response.json()["code"], written_to_disk) == (413, "request_too_large", [])
    web = Client().generic("POST", "/connexion/", body, content_type="multipart/form-data; boundary=B")
    assert (web.status_code, written_to_disk) == (413, [])


def test_a_json_body_over_the_memory_limit_is_refused(tenant, client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = client_for(user=tenant.owner).post(
        f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/", {"name": "x" * 4000, "country": "FR"}, format="json")
    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")
    with tenant.context():
        assert Supplier.objects.count() == 0


def test_the_web_evidence_form_stops_a_file_past_the_limit_before_writing_it(
    tenant, browser, media, settings, written_to_disk,
):
    settings.EVIDENCE_MAX_BYTES = settings.UPLOAD_MAX_FILE_BYTES = 200_000
    big = io.BytesIO(minimal_pdf("Preuve") + b"%" * 1_000_000)
    big.name = "gros.pdf"
    response = browser.post(f"/o/{tenant.organisation.slug}/preuves/", {"file": big, "kind": "dpa", "title": "DPA"})
    assert (response.status_code, response["Content-Type"]) == (413, "text/plain; charset=utf-8")
    assert sum(written_to_disk) <= 200_000
    with tenant.context():
        assert Evidence.objects.count() == 0
    assert list(media.rglob("*.pdf")) == []


def test_the_api_evidence_upload_still_names_its_own_code(tenant, client_for, media, settings, written_to_disk):
    settings.EVIDENCE_MAX_BYTES = settings.UPLOAD_MAX_FILE_BYTES = 200_000
    big = io.BytesIO(minimal_pdf("Preuve") + b"%" * 1_000_000)
    big.name = "gros.pdf"
    response = client_for(user=tenant.owner).post(
        f"/api/v1/orgs/{tenant.organisation.slug}/evidence/", {"file": big, "kind": "dpa", "title": "DPA"},
        format="multipart")
    assert (response.status_code, response.json()["code"]) == (400, "evidence_too_large")
    assert sum(written_to_disk) <= 200_000


def test_a_registry_file_may_be_larger_than_evidence_but_is_stopped_past_its_own_limit(
    db, client_for, settings, written_to_disk,
):
    staff = UserFactory(email="staff@maillon.example", is_staff=True)
    settings.UPLOAD_MAX_FILE_BYTES = 1000
    settings.REGISTRY_MAX_FILE_BYTES = 300_000
    data = io.BytesIO(b"x" * 600_000)
    data.name = "liste.csv"
    response = client_for(user=staff, second_factor=True).post("/api/v1/registry/snapshots/", {"file": data},
                                                               format="multipart")
    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")
    assert 1000 < sum(written_to_disk) <= 300_000
    assert Snapshot.objects.count() == 0


def test_the_bearer_scheme_is_read_case_insensitively(tenant, api):
    token = tenant.token(scope="read")
    api.credentials(HTTP_AUTHORIZATION=f"bearer {token}")
    assert api.get(f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/").status_code == 200
