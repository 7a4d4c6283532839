"""external_id: the integrator's own id on suppliers, processings, chain links and evidence —
writable, read back, a list filter, unique per organisation and resource."""

import pytest

from compliance.models import ChainLink, Evidence, Processing, Supplier
from compliance.models.external_ids import EXTERNAL_ID_MAX_LENGTH
from hds_platform.models import AuditEvent
from tests.compliance import builders


def _base(tenant):
    return f"/api/v1/orgs/{tenant.organisation.slug}"


@pytest.fixture
def processing(tenant, media):
    with tenant.context():
        return builders.processing("Dossier patient")


def _create(client, tenant, resource, processing, external_id, n=1):
    base = _base(tenant)
    if resource == "suppliers":
        return client.post(f"{base}/suppliers/", {"name": f"Fournisseur {n}", "external_id": external_id},
                           format="json")
    if resource == "processings":
        return client.post(f"{base}/processings/", {"name": f"Traitement {n}", "external_id": external_id},
                           format="json")
    if resource == "chain":
        return client.post(f"{base}/processings/{processing.pk}/chain/",
                           {"actor": "self", "activities": [n], "external_id": external_id}, format="json")
    body = {"file": builders.pdf_upload(f"d{n}.pdf", f"Document {n}"), "kind": "dpa"}
    if external_id is not None:
        body["external_id"] = external_id
    return client.post(f"{base}/evidence/", body, format="multipart")


def _list_url(tenant, resource, processing):
    if resource == "chain":
        return f"{_base(tenant)}/processings/{processing.pk}/chain/"
    return f"{_base(tenant)}/{resource}/"


def _rows(body):
    return body["results"] if isinstance(body, dict) else body


RESOURCES = {"suppliers": Supplier, "processings": Processing, "chain": ChainLink, "evidence": Evidence}


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_an_external_id_is_written_read_back_and_filters_the_list(tenant, client_for, processing, resource):
    client = client_for(token=tenant.token())
    created = _create(client, tenant, resource, processing, "ERP-0042", n=1)
    _create(client, tenant, resource, processing, None, n=2)

    found = client.get(_list_url(tenant, resource, processing), {"external_id": "ERP-0042"})
    missing = client.get(_list_url(tenant, resource, processing), {"external_id": "ERP-9999"})

    assert (created.status_code, created.json()["external_id"]) == (201, "ERP-0042")
    assert [row["id"] for row in _rows(found.json())] == [created.json()["id"]]
    assert _rows(missing.json()) == []
    with tenant.context():
        rows = RESOURCES[resource].objects
        # Processings: the fixture's own processing has no external id either.
        assert (rows.filter(external_id="ERP-0042").count(), rows.filter(external_id__isnull=True).count()) == (
            1, 2 if resource == "processings" else 1)


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_a_duplicate_external_id_answers_400_and_writes_nothing(tenant, client_for, processing, resource):
    client = client_for(token=tenant.token())
    _create(client, tenant, resource, processing, "ERP-1", n=1)
    with tenant.context():
        before = RESOURCES[resource].objects.count()

    duplicate = _create(client, tenant, resource, processing, "ERP-1", n=2)

    message = "This external identifier is already used by another row of this kind."
    assert (duplicate.status_code, duplicate.json()) == (400, {
        "code": "duplicate_external_id", "message": message,
        "errors": {"non_field_errors": [{"code": "duplicate_external_id", "message": message}]}})
    with tenant.context():
        assert RESOURCES[resource].objects.count() == before


def test_external_ids_are_unique_per_organisation_and_per_resource(tenant, other_tenant, client_for, processing):
    mine, theirs = client_for(token=tenant.token()), client_for(token=other_tenant.token())

    answers = [
        mine.post(f"{_base(tenant)}/suppliers/", {"name": "A", "external_id": "X-1"}, format="json"),
        mine.post(f"{_base(tenant)}/processings/", {"name": "B", "external_id": "X-1"}, format="json"),
        theirs.post(f"{_base(other_tenant)}/suppliers/", {"name": "A", "external_id": "X-1"}, format="json"),
    ]

    assert [answer.status_code for answer in answers] == [201, 201, 201]


def test_an_external_id_is_changed_cleared_and_audited(tenant, client_for):
    client = client_for(token=tenant.token())
    supplier = client.post(f"{_base(tenant)}/suppliers/", {"name": "A", "external_id": "X-1"}, format="json").json()
    url = f"{_base(tenant)}/suppliers/{supplier['id']}/"

    changed = client.patch(url, {"external_id": "X-2"}, format="json")
    blank = client.patch(url, {"external_id": ""}, format="json")
    too_long = client.patch(url, {"external_id": "x" * (EXTERNAL_ID_MAX_LENGTH + 1)}, format="json")
    cleared = client.patch(url, {"external_id": None}, format="json")

    assert changed.json()["external_id"] == "X-2"
    assert (blank.status_code, blank.json()["errors"]["external_id"][0]["code"]) == (400, "blank")
    assert (too_long.status_code, too_long.json()["errors"]["external_id"][0]["code"]) == (400, "max_length")
    assert (cleared.status_code, cleared.json()["external_id"]) == (200, None)
    with tenant.context():
        assert [event.changes for event in AuditEvent.objects.filter(action="supplier.updated").order_by("seq")] == [
            {"external_id": ["X-1", "X-2"]}, {"external_id": ["X-2", None]}]


def test_a_new_version_of_a_document_takes_over_its_external_id(tenant, client_for, media):
    client = client_for(token=tenant.token())
    first = client.post(f"{_base(tenant)}/evidence/", {"file": builders.pdf_upload("v1.pdf", "v1"), "kind": "dpa",
                                                       "external_id": "GED-7"}, format="multipart").json()

    second = client.post(f"{_base(tenant)}/evidence/{first['id']}/supersede/",
                         {"file": builders.pdf_upload("v2.pdf", "v2")}, format="multipart")
    found = client.get(f"{_base(tenant)}/evidence/", {"external_id": "GED-7"}).json()

    assert (second.status_code, second.json()["external_id"]) == (201, "GED-7")
    assert [row["id"] for row in found["results"]] == [second.json()["id"]]
    with tenant.context():
        assert Evidence.objects.get(pk=first["id"]).external_id is None
