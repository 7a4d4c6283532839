"""An audit trail the app cannot rewrite (hardening, point 7): signed anchors of the chain heads.

The owner role may rewrite an event and re-hash every later one: the chain alone then says
"intact". The anchors, signed with a key the database never holds, still say "tampered"; the
exported anchors say it even after the owner deleted the anchor rows. On PostgreSQL the rewrite
is done in a real session of the owner role, and the runtime role may neither change nor delete
an anchor.
"""

import os
from contextlib import contextmanager

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from psycopg import errors

from hds_platform import audit_anchor
from hds_platform.audit import Actor, record, verify_chain
from hds_platform.models import AuditAnchor, AuditEvent, Organisation
from hds_platform.tasks import anchor_audit_chains
from tests.rls_support import connect_as, require_roles

KEY = "k" * 40


@pytest.fixture(autouse=True)
def anchor_key(settings):
    settings.AUDIT_ANCHOR_KEY = KEY


def _write(tenant, count):
    with tenant.context():
        for number in range(count):
            record(organisation=tenant.organisation, actor=Actor.system(), action="test.write",
                   changes={"n": number})


def _head(tenant):
    return Organisation.objects.filter(pk=tenant.organisation.pk).values_list("audit_head_seq", flat=True).get()


@contextmanager
def _owner_cursor(organisation_id):
    """A cursor of the owner role (a real login on PostgreSQL; the test connection on SQLite)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    require_roles()
    with connect_as(os.environ["MAILLON_TEST_DB_OWNER"], "OWNER_DB_PASSWORD") as session:
        with session.cursor() as cursor:
            cursor.execute("SELECT set_config('app.organisation_id', %s, true)", [str(organisation_id)])
            yield cursor
        session.commit()


def _rewrite_and_rehash(tenant, seq):
    """What the owner can do: change event ``seq`` and recompute its hash and every later one."""
    organisation_id = tenant.organisation.pk
    with _owner_cursor(organisation_id) as cursor:
        cursor.execute("UPDATE hds_platform_auditevent SET changes = %s WHERE organisation_id = %s AND seq = %s",
                       ['{"n": "forged"}', organisation_id, seq])
    with tenant.context():
        events = list(AuditEvent.objects.order_by("seq"))
    prev_hash = events[seq - 2].hash if seq > 1 else "0" * 64
    with _owner_cursor(organisation_id) as cursor:
        for event in events[seq - 1:]:
            event.prev_hash = prev_hash
            prev_hash = event.compute_hash()
            cursor.execute("UPDATE hds_platform_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                           [event.prev_hash, prev_hash, event.pk])
        cursor.execute("UPDATE hds_platform_organisation SET audit_head_hash = %s WHERE id = %s",
                       [prev_hash, organisation_id])


def test_the_periodic_task_signs_the_heads_that_grew_and_only_those(tenant, other_tenant):
    _write(tenant, 3)
    assert anchor_audit_chains() == 2  # both organisations have events (their creation)
    assert anchor_audit_chains() == 0
    _write(tenant, 1)
    assert anchor_audit_chains() == 1
    anchors = AuditAnchor.objects.filter(organisation_id=tenant.organisation.pk).order_by("seq")
    assert [anchor.seq for anchor in anchors] == [_head(tenant) - 1, _head(tenant)]
    assert all(audit_anchor.Anchor.of(anchor).signed_by_our_key() for anchor in anchors)


def test_a_rewrite_re_hashed_by_the_owner_is_intact_for_the_chain_and_tampered_for_the_anchors(
    transactional_db, tenant, other_tenant, capsys,
):
    _write(tenant, 4)
    anchor_audit_chains()
    call_command("verify_audit")
    assert f"tilleuls: {_head(tenant)} events, chain intact, 1 anchor(s) verified" in capsys.readouterr().out

    _rewrite_and_rehash(tenant, 3)

    assert verify_chain(tenant.organisation) == []  # the chain alone is fooled
    with pytest.raises(CommandError, match="1 organisation"):
        call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"tilleuls: event {_head(tenant)}: the event differs from its anchor of " in out
    assert "(rewritten and re-hashed: tampered)" in out
    assert "voisin: " in out and "chain intact, 1 anchor(s) verified" in out


def test_the_exported_anchors_still_detect_it_when_the_owner_deletes_the_anchor_rows(
    transactional_db, tenant, tmp_path, capsys,
):
    _write(tenant, 2)
    anchor_audit_chains()
    exported = tmp_path / "anchors.jsonl"
    call_command("export_audit_anchors", output=str(exported))
    assert len(exported.read_text().splitlines()) == 1

    with _owner_cursor(tenant.organisation.pk) as cursor:
        cursor.execute("DELETE FROM hds_platform_auditanchor")
    _rewrite_and_rehash(tenant, 1)

    call_command("verify_audit")  # nothing left in the database to compare with
    capsys.readouterr()
    with pytest.raises(CommandError):
        call_command("verify_audit", anchors=[exported])
    assert "(rewritten and re-hashed: tampered)" in capsys.readouterr().out


def test_an_anchor_signed_with_another_key_is_reported(tenant, capsys):
    _write(tenant, 1)
    head = Organisation.objects.get(pk=tenant.organisation.pk)
    moment = timezone.now()
    AuditAnchor.objects.create(
        organisation_id=head.pk, seq=head.audit_head_seq, hash=head.audit_head_hash, signed_at=moment,
        key_id=audit_anchor.key_id(), signature=audit_anchor.signature(
            head.pk, head.audit_head_seq, head.audit_head_hash, moment, key=b"x" * 40))
    with pytest.raises(CommandError):
        call_command("verify_audit", organisation="tilleuls")
    assert "does not carry a valid signature (forged, or signed with another key)" in capsys.readouterr().out


def test_without_a_key_nothing_is_signed_and_verify_says_so(tenant, settings, capsys):
    settings.AUDIT_ANCHOR_KEY = ""
    assert anchor_audit_chains() == 0
    call_command("verify_audit", organisation="tilleuls")
    assert capsys.readouterr().out.splitlines()[0] == "anchors not checked: AUDIT_ANCHOR_KEY is not set"


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are a PostgreSQL feature")
def test_the_runtime_role_can_add_anchors_but_never_change_or_delete_them(transactional_db, tenant):
    require_roles()
    _write(tenant, 1)
    anchor_audit_chains()
    with connect_as(django_settings.DATABASE_RUNTIME_ROLE, "DATABASE_RUNTIME_PASSWORD") as session:
        for statement in ("UPDATE hds_platform_auditanchor SET hash = 'forged'", "DELETE FROM hds_platform_auditanchor",
                          "TRUNCATE hds_platform_auditanchor", "UPDATE hds_platform_auditevent SET action = 'x'",
                          "DELETE FROM hds_platform_auditevent"):
            with session.cursor() as cursor, pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
                cursor.execute(statement)
            session.rollback()
    assert AuditAnchor.objects.count() == 1
