"""Idempotency-Key: a retried write answers the first response again and writes nothing more."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from compliance import services
from compliance.models import ChainLink, Evidence, Supplier
from hds_platform import tasks
from hds_platform.models import AuditEvent, IdempotencyKey
from hds_platform.tenancy import organisation_context
from tests.compliance import builders


def _base(tenant):
    return f"/api/v1/orgs/{tenant.organisation.slug}"


def _count(tenant, model):
    with tenant.context():
        return model.objects.count()


def _same_response(first, second):
    assert second.status_code == first.status_code
    assert second.content == first.content
    assert second.get("Content-Type") == first.get("Content-Type")
    assert second.get("Location") == first.get("Location")
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")


def test_a_retried_supplier_create_answers_the_first_response_and_creates_one_row(tenant, client_for):
    client = client_for(token=tenant.token())
    body = {"name": "Hébergeur Régional", "country": "FR"}
    first = client.post(f"{_base(tenant)}/suppliers/", body, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
    # The same JSON value, written with other spacing and key order, is the same request.
    second = client.generic("POST", f"{_base(tenant)}/suppliers/", '{"country":"FR",  "name":"Hébergeur Régional"}',
                            content_type="application/json", HTTP_IDEMPOTENCY_KEY="create-1")

    assert first.status_code == 201
    _same_response(first, second)
    assert _count(tenant, Supplier) == 1
    with tenant.context():
        assert AuditEvent.objects.filter(action="supplier.created").count() == 1
        stored = IdempotencyKey.objects.get()
    assert (stored.key, stored.method, stored.status_code, stored.path) == (
        "create-1", "POST", 201, f"{_base(tenant)}/suppliers/")
    assert stored.expires_at - stored.created_at == timedelta(hours=24)


def test_the_same_key_with_another_body_answers_422_and_writes_nothing(tenant, client_for):
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/suppliers/"
    client.post(url, {"name": "Hébergeur Régional"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    reused = client.post(url, {"name": "Autre Hébergeur"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    elsewhere = client.post(f"{_base(tenant)}/processings/", {"name": "Hébergeur Régional"}, format="json",
                            HTTP_IDEMPOTENCY_KEY="k")

    assert (reused.status_code, reused.json()) == (422, {
        "code": "idempotency_key_reused",
        "message": "This idempotency key was already used for another request: use a new key."})
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "idempotency_key_reused")
    with tenant.context():
        assert list(Supplier.objects.values_list("name", flat=True)) == ["Hébergeur Régional"]


def test_a_retried_chain_link_create_creates_one_link(tenant, client_for, media):
    with tenant.context():
        processing = builders.processing("Dossier patient")
        supplier = builders.supplier("Nuage Souverain")
    client = client_for(user=tenant.owner)
    url = f"{_base(tenant)}/processings/{processing.pk}/chain/"
    body = {"actor": supplier.pk, "activities": [1, 2, 3, 4], "storage_countries": ["FR"]}

    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="link-7f3a")
    second = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="link-7f3a")

    assert first.status_code == 201
    _same_response(first, second)
    assert _count(tenant, ChainLink) == 1


def test_a_retried_multipart_upload_stores_one_document_and_one_file(tenant, client_for, media):
    with tenant.context():
        supplier = builders.supplier("Nuage Souverain")
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/evidence/"

    def upload(text="Contrat signé"):
        # A new boundary each time, as HTTP clients do: the fingerprint reads the fields and file bytes.
        return client.post(url, {"file": builders.pdf_upload("contrat.pdf", text), "kind": "hosting_contract",
                                 "supplier": supplier.pk}, format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")

    first = upload()
    second = upload()
    other_bytes = upload("Un autre contrat")

    assert first.status_code == 201
    _same_response(first, second)
    assert (other_bytes.status_code, other_bytes.json()["code"]) == (422, "idempotency_key_reused")
    assert _count(tenant, Evidence) == 1
    assert len([path for path in media.rglob("*") if path.is_file()]) == 1


def test_a_retried_delete_answers_204_again_instead_of_404(tenant, client_for):
    with tenant.context():
        supplier = builders.supplier("Nuage Souverain")
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/suppliers/{supplier.pk}/"

    first = client.delete(url, HTTP_IDEMPOTENCY_KEY="delete-1")
    second = client.delete(url, HTTP_IDEMPOTENCY_KEY="delete-1")
    without_key = client.delete(url)

    assert (first.status_code, first.content) == (204, b"")
    _same_response(first, second)
    assert without_key.status_code == 404
    with tenant.context():
        assert AuditEvent.objects.filter(action="supplier.deleted").count() == 1


def test_a_refused_write_keeps_no_key_and_may_be_sent_again_fixed(tenant, client_for):
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/suppliers/"

    refused = client.post(url, {"name": "Mauvais", "siren": "123456789"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    fixed = client.post(url, {"name": "Mauvais"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert (refused.status_code, fixed.status_code) == (400, 201)
    with tenant.context():
        assert list(IdempotencyKey.objects.values_list("key", "status_code")) == [("k1", 201)]


def test_reads_and_writes_without_a_key_are_untouched(tenant, client_for):
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/suppliers/"
    client.post(url, {"name": "A"}, format="json")
    client.get(url, HTTP_IDEMPOTENCY_KEY="read")

    assert _count(tenant, IdempotencyKey) == 0


@pytest.mark.parametrize("key", ["", "a" * 256, "clé-accentuée", "two words"])
def test_a_malformed_key_answers_400_and_writes_nothing(tenant, client_for, key):
    client = client_for(token=tenant.token())

    response = client.post(f"{_base(tenant)}/suppliers/", {"name": "A"}, format="json",
                           HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"))

    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key_invalid")
    assert _count(tenant, Supplier) == 0


def test_keys_belong_to_an_organisation(tenant, other_tenant, client_for):
    body = {"name": "Hébergeur Régional"}
    mine = client_for(token=tenant.token()).post(f"{_base(tenant)}/suppliers/", body, format="json",
                                                 HTTP_IDEMPOTENCY_KEY="shared")
    theirs = client_for(token=other_tenant.token()).post(f"{_base(other_tenant)}/suppliers/", body, format="json",
                                                         HTTP_IDEMPOTENCY_KEY="shared")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert not theirs.has_header("Idempotent-Replayed")
    assert (_count(tenant, Supplier), _count(other_tenant, Supplier)) == (1, 1)


def test_after_24_hours_the_key_is_forgotten_and_the_purge_deletes_it(tenant, client_for):
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/suppliers/"
    client.post(url, {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    client.post(url, {"name": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="recent")
    with tenant.context():
        IdempotencyKey.objects.filter(key="old").update(expires_at=timezone.now() - timedelta(seconds=1))

    assert tasks.purge_idempotency_keys(tenant.organisation.pk) == 1
    assert tasks.purge_idempotency_keys(tenant.organisation.pk) == 0
    with tenant.context():
        assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        again = client.post(url, {"name": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="recent")
    assert (again.status_code, again.json()["code"]) == (400, "duplicate_name")


def test_the_purge_is_dispatched_per_organisation_from_a_daily_beat_entry(tenant, other_tenant, monkeypatch):
    from hds_platform.schedules import SCHEDULES

    sent = []
    monkeypatch.setattr(tasks.purge_idempotency_keys, "delay", sent.append)

    assert tasks.purge_idempotency_keys_dispatch() == 2
    assert sorted(sent) == sorted([tenant.organisation.pk, other_tenant.organisation.pk])
    assert [entry[1:] for entry in SCHEDULES if entry[1] == "hds_platform.purge_idempotency_keys_dispatch"] == [
        ("hds_platform.purge_idempotency_keys_dispatch", ("45", "3"), "default", 3600)]


def test_while_the_first_request_runs_a_second_with_the_key_answers_409(tenant, client_for, monkeypatch):
    """On the embedded default (one process): the key is held by the process until the first ends."""
    if connection.vendor == "postgresql":
        pytest.skip("the PostgreSQL lock is proved by the two-connection race below")
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/suppliers/"
    original = services.supplier_create
    answers = {}

    def create_while_retried(**kwargs):
        # The client gives up waiting and retries while the first request is still writing.
        answers["retry"] = client.post(url, {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="busy")
        return original(**kwargs)

    monkeypatch.setattr(services, "supplier_create", create_while_retried)
    first = client.post(url, {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    monkeypatch.setattr(services, "supplier_create", original)
    after = client.post(url, {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="busy")

    assert (answers["retry"].status_code, answers["retry"].json()["code"]) == (409, "idempotency_key_in_use")
    assert first.status_code == 201
    _same_response(first, after)
    assert _count(tenant, Supplier) == 1


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: two connections racing in one database "
                    "(SQLite serialises whole transactions and the test database is in memory)")
def test_two_requests_racing_with_one_key_write_once(transactional_db, tenant, client_for, monkeypatch):
    token = tenant.token()
    url = f"{_base(tenant)}/suppliers/"
    # The token's first use records it (a row update the second request would queue behind).
    assert client_for(token=token).get(url).status_code == 200
    original = services.supplier_create
    inside, release = threading.Event(), threading.Event()

    def slow_create(**kwargs):
        supplier = original(**kwargs)
        inside.set()
        release.wait(timeout=10)
        return supplier

    monkeypatch.setattr(services, "supplier_create", slow_create)
    answers, errors = {}, []

    def first():
        try:
            answers["first"] = client_for(token=token).post(url, {"name": "A"}, format="json",
                                                            HTTP_IDEMPOTENCY_KEY="race")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(timeout=10)
    try:
        answers["second"] = client_for(token=token).post(url, {"name": "A"}, format="json",
                                                         HTTP_IDEMPOTENCY_KEY="race")
    finally:
        release.set()
        thread.join(timeout=30)
    answers["third"] = client_for(token=token).post(url, {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="race")

    assert errors == []
    assert (answers["second"].status_code, answers["second"].json()["code"]) == (409, "idempotency_key_in_use")
    assert answers["first"].status_code == 201
    _same_response(answers["first"], answers["third"])
    with organisation_context(tenant.organisation):
        assert Supplier.objects.count() == 1
        assert IdempotencyKey.objects.count() == 1


def test_the_schema_offers_the_header_on_every_tenant_write_and_no_read(tenant, client_for):
    schema = client_for(user=tenant.owner).get("/api/schema/", {"format": "json"}).json()
    with_header = {"read": set(), "write": set()}
    writes = 0
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/orgs/{org}/"):
            continue
        for method, operation in operations.items():
            kind = "write" if method in ("post", "put", "patch", "delete") else "read"
            writes += kind == "write"
            if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
                with_header[kind].add((method, path))
    assert writes > 30
    assert (len(with_header["write"]), with_header["read"]) == (writes, set())
