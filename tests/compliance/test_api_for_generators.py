"""What the schema for client generators promises, checked on the API itself: JSON bodies (multipart
only for files), absent choices answered null (never ""), and the browsable API still usable."""

import pytest

from compliance.models import Supplier
from tests.compliance import builders

pytestmark = pytest.mark.django_db


def _base(tenant):
    return f"/api/v1/orgs/{tenant.organisation.slug}"


def test_a_form_encoded_or_multipart_write_is_refused_with_415_and_writes_nothing(tenant, client_for):
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/suppliers/"
    form = client.post(url, "name=Nuage&country=DE", content_type="application/x-www-form-urlencoded")
    multipart = client.post(url, {"name": "Nuage", "country": "DE"}, format="multipart")
    assert (form.status_code, form.json()["code"]) == (415, "unsupported_media_type")
    assert (multipart.status_code, multipart.json()["code"]) == (415, "unsupported_media_type")
    with tenant.context():
        assert Supplier.objects.count() == 0
    created = client.post(url, {"name": "Nuage", "country": "DE"}, format="json")
    assert (created.status_code, created.json()["country"]) == (201, "DE")


def test_evidence_is_uploaded_as_multipart_and_described_as_json(tenant, client_for, media):
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/evidence/"
    uploaded = client.post(url, {"kind": "dpa", "title": "DPA", "file": builders.pdf_upload()}, format="multipart")
    assert uploaded.status_code == 201, uploaded.json()
    as_json = client.post(url, {"kind": "dpa", "title": "DPA"}, format="json")
    assert (as_json.status_code, as_json.json()["code"]) == (415, "unsupported_media_type")
    described = client.patch(f"{url}{uploaded.json()['id']}/", {"title": "DPA 2026"}, format="json")
    assert (described.status_code, described.json()["title"]) == (200, "DPA 2026")
    by_form = client.patch(f"{url}{uploaded.json()['id']}/", {"title": "x"}, format="multipart")
    assert (by_form.status_code, by_form.json()["code"]) == (415, "unsupported_media_type")


def test_absent_choices_are_null_and_null_or_empty_clears_them(tenant, client_for):
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/processings/"
    created = client.post(url, {"name": "Agenda", "health_data": True}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["hosting_mode"], body["exemption_reason"]) == (None, None)
    detail = f"{url}{body['id']}/"
    set_mode = client.patch(detail, {"hosting_mode": "outsourced"}, format="json")
    cleared = client.patch(detail, {"hosting_mode": None}, format="json")
    set_again = client.patch(detail, {"hosting_mode": "self_hosted"}, format="json")
    cleared_the_old_way = client.patch(detail, {"hosting_mode": ""}, format="json")
    assert [r.json()["hosting_mode"] for r in (set_mode, cleared, set_again, cleared_the_old_way)] == [
        "outsourced", None, "self_hosted", None]
    listed = client.get(url)
    assert [row["hosting_mode"] for row in listed.json()["results"]] == [None]
    refused = client.patch(detail, {"hosting_mode": "cloud"}, format="json")
    assert (refused.status_code, refused.json()["errors"]["hosting_mode"][0]["code"]) == (400, "invalid_choice")


def test_the_first_status_change_of_a_processing_comes_from_null(tenant, client_for):
    with tenant.context():
        processing = builders.processing()
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/processings/{processing.pk}/conformity/"
    assert client.post(url).status_code == 200
    history = client.get(f"{url}history/")
    assert history.status_code == 200
    assert [(row["from_status"], row["to_status"]) for row in history.json()] == [(None, "incomplete")]


def test_the_browsable_api_still_renders_and_offers_a_json_form(tenant, client_for):
    client = client_for(user=tenant.owner)
    page = client.get(f"{_base(tenant)}/suppliers/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"application/json" in page.content
    assert b"multipart/form-data" not in page.content
