import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from hds_platform.audit import GENESIS_HASH, Actor, record, verify_chain
from hds_platform.models import AuditEvent


def _events(tenant):
    with tenant.context():
        return list(AuditEvent.objects.order_by("seq"))


def test_services_write_a_chained_event_with_request_metadata(tenant, client_for):
    client = client_for(user=tenant.owner)
    response = client.post(f"/api/v1/orgs/{tenant.organisation.slug}/tokens/", {"name": "ci", "scope": "read"},
                           HTTP_X_REQUEST_ID="req-42", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 201
    events = _events(tenant)
    last = events[-1]
    assert (last.action, last.actor_label, last.ip, last.request_id) == (
        "api_token.created", f"user:{tenant.owner.pk}", "203.0.113.9", "req-42")
    assert last.changes["name"] == "ci"
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert verify_chain(tenant.organisation) == []


def test_failed_write_leaves_no_event(tenant, client_for):
    before = len(_events(tenant))
    client = client_for(user=tenant.owner)
    response = client.post(f"/api/v1/orgs/{tenant.organisation.slug}/tokens/", {"name": "", "scope": "read"})
    assert response.status_code == 400
    assert len(_events(tenant)) == before


def test_changes_are_stored_as_plain_json_and_read_back_as_hashed(tenant):
    with tenant.context():
        event = record(organisation=tenant.organisation, actor=Actor.system(), action="test.recorded",
                       target=tenant.organisation, changes={
                           "period": [date(2025, 1, 10), datetime(2026, 2, 1, 9, 0, tzinfo=UTC)],
                           "members": frozenset({tenant.members["viewer"], tenant.owner}),
                           "amount": Decimal("12.50"),
                           "request": UUID("12345678-1234-5678-1234-567812345678"),
                           "nested": {"activities": [frozenset({4, 1})], 7: (date(2027, 3, 31),)},
                       })
        stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.changes == {
        "period": ["2025-01-10", "2026-02-01T09:00:00+00:00"],
        "members": sorted([tenant.owner.pk, tenant.members["viewer"].pk]),
        "amount": "12.50",
        "request": "12345678-1234-5678-1234-567812345678",
        "nested": {"activities": [[1, 4]], "7": ["2027-03-31"]},
    }
    assert stored.compute_hash() == stored.hash
    assert verify_chain(tenant.organisation) == []


def test_events_cannot_be_changed_through_the_orm(tenant):
    event = _events(tenant)[0]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_verify_audit_detects_a_modified_event(tenant, other_tenant, capsys):
    call_command("verify_audit")
    event = _events(tenant)[1]
    AuditEvent.all_organisations.filter(pk=event.pk).update(changes={"role": "viewer"})
    with pytest.raises(CommandError, match="1 organisation"):
        call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"tilleuls: event {event.seq}: content does not match its hash (modified)" in out
    assert "voisin: 2 events, chain intact" in out


def test_verify_audit_detects_a_deleted_event(tenant, capsys):
    events = _events(tenant)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [events[0].pk])
    with pytest.raises(CommandError):
        call_command("verify_audit", organisation="tilleuls")
    assert "tilleuls: event 1: events 1–1 are missing" in capsys.readouterr().out


def test_verify_audit_detects_deleted_latest_events(tenant, capsys):
    events = _events(tenant)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [events[-1].pk])
    with pytest.raises(CommandError):
        call_command("verify_audit", organisation="tilleuls")
    assert "latest events deleted" in capsys.readouterr().out


def test_audit_log_is_listed_newest_first(tenant, client_for):
    response = client_for(user=tenant.members["auditor"]).get(
        f"/api/v1/orgs/{tenant.organisation.slug}/audit-events/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [e["action"] for e in body["results"]] == ["membership.created", "organisation.created"]
