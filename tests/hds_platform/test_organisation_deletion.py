"""Deleting an organisation: every row and file of it goes, another organisation keeps every one of
its own, the people who belonged to it only are erased, and every audit chain still verifies."""

import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from compliance.reports.models import Report
from hds_platform import rls
from hds_platform.audit import Actor, verify_chain
from hds_platform.errors import ServiceError
from hds_platform.models import AuditEvent, Membership, Organisation, PersonRecord, User
from hds_platform.organisation_deletion import organisation_delete
from hds_platform.roles import Role
from tests import tenant_objects
from tests.factories import PASSWORD, UserFactory
from tests.rls_support import app_connection_as_runtime_role, require_roles
from tests.second_factor import login_with_second_factor

TENANT_MODELS = rls.tenant_models()


def _counts(organisation) -> dict[str, int]:
    return {model._meta.label: model.all_organisations.filter(organisation=organisation).count()
            for model in TENANT_MODELS}


def _files(organisation) -> list[str]:
    from compliance.models import Evidence

    names = list(Evidence.all_organisations.filter(organisation=organisation).values_list("file", flat=True))
    names += [n for n in Report.all_organisations.filter(organisation=organisation).values_list("file", flat=True) if n]
    return sorted(names)


@pytest.fixture
def populated(tenant, other_tenant, media, settings):
    """Both organisations hold a row in every tenant table, evidence files and a report file."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    for each in (tenant, other_tenant):
        each.token(name="ci")
        for model in TENANT_MODELS:
            tenant_objects.FACTORIES[model._meta.label](each)
        with each.context():
            report = Report.objects.order_by("pk").first()
            if not report.file:
                name = default_storage.save(f"reports/{each.organisation.pk}/r.csv", ContentFile(b"a;b\n"))
                Report.objects.filter(pk=report.pk).update(file=name)
    counts = {each.organisation.pk: _counts(each.organisation) for each in (tenant, other_tenant)}
    assert all(n > 0 for per_org in counts.values() for n in per_org.values()), counts
    return counts


def _delete(tenant, actor=None, confirm=None):
    return organisation_delete(organisation=tenant.organisation, actor=actor or Actor.for_user(tenant.owner),
                               confirm_slug=tenant.organisation.slug if confirm is None else confirm)


def test_deleting_an_organisation_removes_all_of_it_and_nothing_else(tenant, other_tenant, populated,
                                                                     django_capture_on_commit_callbacks):
    organisation, other = tenant.organisation, other_tenant.organisation
    files, other_files = _files(organisation), _files(other)
    assert len(files) >= 2 and all(default_storage.exists(name) for name in files + other_files)
    people = sorted(Membership.all_organisations.filter(organisation=organisation).values_list("user_id", flat=True))
    other_people = set(Membership.all_organisations.filter(organisation=other).values_list("user_id", flat=True))
    organisation.refresh_from_db()
    head = organisation.audit_head_seq

    with django_capture_on_commit_callbacks(execute=True):
        summary = _delete(tenant)

    before = populated[organisation.pk]
    assert summary.rows == {label: n for label, n in before.items() if label != "hds_platform.AuditEvent"}
    assert _counts(organisation) == {**{label: 0 for label in before},
                                     "hds_platform.AuditEvent": before["hds_platform.AuditEvent"] + 1}
    assert _counts(other) == populated[other.pk]
    assert summary.tokens_revoked == 2  # the fixture's "ci" token and the probe factory's
    assert summary.apps_revoked == 1  # the probe factory's connected app
    assert summary.files == files
    assert [name for name in files if default_storage.exists(name)] == []
    assert all(default_storage.exists(name) for name in other_files)
    # People who belonged to it only are erased; nobody of the other organisation is touched.
    assert (summary.people_erased, summary.people_kept) == (people, [])
    assert not User.objects.filter(pk__in=people).exists()
    assert set(PersonRecord.objects.filter(user_id__in=people).values_list("email", "full_name")) <= {("", "")}
    assert User.objects.filter(pk__in=other_people).count() == len(other_people)
    # The chain is kept, ends with the deletion, and still verifies; so does the other one.
    organisation.refresh_from_db()
    assert (organisation.slug, organisation.siren, organisation.deleted_at is not None) == (
        f"deleted-{organisation.pk}", "", True)
    assert organisation.audit_head_seq == head + 1
    last = AuditEvent.all_organisations.filter(organisation=organisation).order_by("-seq").first()
    assert (last.action, last.changes) == ("organisation.deleted", {
        "rows": summary.rows, "tokens_revoked": 2, "apps_revoked": 1, "files": len(files), "members": people})
    assert verify_chain(organisation) == [] and verify_chain(other) == []
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert f"deleted-{organisation.pk}: {head + 1} events, chain intact" in out.getvalue()
    other.refresh_from_db()
    assert f"{other.slug}: {other.audit_head_seq} events, chain intact" in out.getvalue()


def test_someone_who_belongs_elsewhere_keeps_their_account(tenant, other_tenant):
    both = UserFactory(email="both@example.org")
    for each in (tenant, other_tenant):
        with each.context():
            Membership.objects.create(user=both, role=Role.EDITOR)
    staff = UserFactory(email="staff-member@example.org", is_staff=True)
    with tenant.context():
        Membership.objects.create(user=staff, role=Role.VIEWER)
    summary = _delete(tenant)
    assert summary.people_kept == [both.pk, staff.pk]
    assert User.objects.filter(pk__in=[both.pk, staff.pk]).count() == 2
    assert list(Membership.all_organisations.filter(user=both).values_list("organisation_id", flat=True)) == [
        other_tenant.organisation.pk]


@pytest.mark.parametrize(("who", "confirm", "code"), [
    ("owner", "tilleul", "confirmation_mismatch"),
    ("owner", "", "confirmation_mismatch"),
    ("admin", None, "not_owner"),
    ("viewer", None, "not_owner"),
])
def test_refusals_have_stable_codes_and_change_nothing(tenant, who, confirm, code):
    before = _counts(tenant.organisation)
    with pytest.raises(ServiceError) as caught:
        _delete(tenant, actor=Actor.for_user(tenant.members[who]), confirm=confirm)
    assert caught.value.code == code
    assert _counts(tenant.organisation) == before
    assert Organisation.objects.get(pk=tenant.organisation.pk).deleted_at is None


def test_an_outsider_and_a_token_may_not_delete_it_and_it_is_deleted_once(tenant, other_tenant):
    for actor in (Actor.for_user(other_tenant.owner), Actor(token_id=1, label="token:1")):
        with pytest.raises(ServiceError) as caught:
            _delete(tenant, actor=actor)
        assert caught.value.code == "not_owner"
    _delete(tenant)
    tenant.organisation.refresh_from_db()
    with pytest.raises(ServiceError) as caught:
        _delete(tenant, actor=Actor.system("test"))
    assert caught.value.code == "organisation_deleted"


def test_the_command_wants_the_slug_twice(tenant, other_tenant):
    with pytest.raises(CommandError, match="confirmation_mismatch"):
        call_command("delete_organisation", "tilleuls", "--confirm", "autre")
    with pytest.raises(CommandError, match="No organisation 'nope'"):
        call_command("delete_organisation", "nope", "--confirm", "nope")
    out = io.StringIO()
    call_command("delete_organisation", "tilleuls", "--confirm", "tilleuls", stdout=out)
    body = json.loads(out.getvalue())
    assert (body["organisation"], body["rows"]["hds_platform.Membership"], body["people_kept"]) == (
        tenant.organisation.pk, 5, [])
    assert len(body["people_erased"]) == 5
    assert Organisation.objects.get(pk=tenant.organisation.pk).deleted_at is not None
    assert verify_chain(tenant.organisation) == [] and verify_chain(other_tenant.organisation) == []


def _staff_client():
    staff = User.objects.create_superuser("staff@maillon.example", "a-long-staff-password")
    client = Client()
    login_with_second_factor(client, staff)
    return client


def test_the_admin_deletes_an_organisation_through_the_service(tenant, other_tenant, populated):
    client = _staff_client()
    url = f"/admin/hds_platform/organisation/{tenant.organisation.pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Clinique des Tilleuls" in page.content.decode()
    response = client.post(url, {"post": "yes"})
    assert (response.status_code, response["Location"]) == (302, "/admin/hds_platform/organisation/")
    deleted = _counts(tenant.organisation)
    assert {label: n for label, n in deleted.items() if n} == {
        "hds_platform.AuditEvent": populated[tenant.organisation.pk]["hds_platform.AuditEvent"] + 1}
    assert _counts(other_tenant.organisation) == populated[other_tenant.organisation.pk]
    assert verify_chain(tenant.organisation) == [] and verify_chain(other_tenant.organisation) == []
    # Deleted already: the page says so instead of failing, and a second post changes nothing.
    assert client.get(url).status_code == 403
    listing = client.get("/admin/hds_platform/organisation/")
    assert listing.status_code == 200


def test_the_admin_bulk_action_goes_through_the_service(tenant, other_tenant):
    client = _staff_client()
    ids = [tenant.organisation.pk, other_tenant.organisation.pk]
    confirm = client.post("/admin/hds_platform/organisation/", {"action": "delete_selected", "_selected_action": ids})
    assert confirm.status_code == 200
    done = client.post("/admin/hds_platform/organisation/",
                       {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert done.status_code == 302
    assert Organisation.objects.filter(pk__in=ids, deleted_at__isnull=False).count() == 2
    assert all(verify_chain(organisation) == [] for organisation in Organisation.objects.filter(pk__in=ids))


@pytest.mark.postgres
def test_deletion_works_as_the_runtime_role(tenant, other_tenant, populated):
    """The runtime role may not delete audit rows: the deletion never needs to, and row-level
    security lets it reach every other row of the organisation."""
    require_roles()
    assert connection.vendor == "postgresql"
    with app_connection_as_runtime_role():
        summary = _delete(tenant)
        assert verify_chain(tenant.organisation) == [] and verify_chain(other_tenant.organisation) == []
    before = populated[tenant.organisation.pk]
    assert summary.rows == {label: n for label, n in before.items() if label != "hds_platform.AuditEvent"}
    assert _counts(tenant.organisation) == {**{label: 0 for label in before},
                                            "hds_platform.AuditEvent": before["hds_platform.AuditEvent"] + 1}
    assert _counts(other_tenant.organisation) == populated[other_tenant.organisation.pk]


@pytest.mark.postgres
def test_the_admin_deletes_an_organisation_as_the_runtime_role(tenant, other_tenant):
    require_roles()
    client = _staff_client()
    with app_connection_as_runtime_role():
        response = client.post(f"/admin/hds_platform/organisation/{tenant.organisation.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
    assert Organisation.objects.get(pk=tenant.organisation.pk).deleted_at is not None
    assert verify_chain(tenant.organisation) == []


def test_no_task_runs_for_a_deleted_organisation(tenant, other_tenant, monkeypatch):
    from compliance import tasks as compliance_tasks
    from compliance.monitoring import tasks as monitoring_tasks

    _delete(tenant)
    sent = []
    monkeypatch.setattr(compliance_tasks.reevaluate_organisation, "delay", sent.append)
    assert compliance_tasks.reevaluate_dispatch() == 1
    assert sent == [other_tenant.organisation.pk]
    assert monitoring_tasks._organisation_ids() == [other_tenant.organisation.pk]
    assert compliance_tasks.reevaluate_organisation(tenant.organisation.pk) is None


def test_an_owner_deletes_it_from_the_settings_after_typing_the_slug_and_a_recent_password(tenant, other_tenant,
                                                                                            client_for):
    url = f"/o/{tenant.organisation.slug}/parametres/supprimer/"
    for who, status in (("admin", 403), ("viewer", 403)):
        assert client_for(user=tenant.members[who]).get(url).status_code == status
    assert client_for(user=other_tenant.owner).get(url).status_code == 404
    client = client_for(user=tenant.owner)
    page = client.get(url)
    assert page.status_code == 200 and "Supprimer définitivement" in page.content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        stale = client.post(url, {"confirm_slug": "tilleuls"}, format="multipart", HTTP_REFERER=f"http://testserver{url}")
        assert (stale.status_code, stale["Location"]) == (
            302, "/compte/confirmer/?next=http%3A//testserver/o/tilleuls/parametres/supprimer/")
        assert Organisation.objects.get(pk=tenant.organisation.pk).deleted_at is None
        assert client.post("/api/v1/me/reauthenticate/", {"password": PASSWORD}).status_code == 204
        wrong = client.post(url, {"confirm_slug": "tilleul"}, format="multipart")
        assert wrong.status_code == 400
        assert wrong.context["form"].errors.as_data()["confirm_slug"][0].code == "confirmation_mismatch"
        assert ("Pour confirmer, saisissez l&#x27;identifiant de l&#x27;organisation : tilleuls."
                in wrong.content.decode())
        assert Organisation.objects.get(pk=tenant.organisation.pk).deleted_at is None
        done = client.post(url, {"confirm_slug": "tilleuls"}, format="multipart")
        assert (done.status_code, done["Location"]) == (302, "/")
    assert Organisation.objects.get(pk=tenant.organisation.pk).deleted_at is not None
    assert not User.objects.filter(pk=tenant.owner.pk).exists()  # their only organisation: erased with it
    assert client.get(url).status_code == 302  # logged out: to the login page
    assert client_for(user=other_tenant.owner).get(url).status_code == 404
    assert verify_chain(tenant.organisation) == [] and verify_chain(other_tenant.organisation) == []


def test_the_settings_page_keeps_the_organisations_second_factor_rule(tenant, client_for):
    Organisation.objects.filter(pk=tenant.organisation.pk).update(require_mfa=True)
    response = client_for(user=tenant.owner).post(f"/o/{tenant.organisation.slug}/parametres/supprimer/",
                                                  {"confirm_slug": "tilleuls"}, format="multipart")
    assert (response.status_code, response["Location"]) == (302, "/o/tilleuls/parametres/securite/")
    assert Organisation.objects.get(pk=tenant.organisation.pk).deleted_at is None


@pytest.mark.postgres
def test_the_settings_page_deletes_as_the_runtime_role(tenant, other_tenant, client_for):
    require_roles()
    client = client_for(user=tenant.owner)
    with app_connection_as_runtime_role():
        done = client.post(f"/o/{tenant.organisation.slug}/parametres/supprimer/", {"confirm_slug": "tilleuls"},
                           format="multipart")
        assert (done.status_code, done["Location"]) == (302, "/")
    assert Organisation.objects.get(pk=tenant.organisation.pk).deleted_at is not None
    assert verify_chain(tenant.organisation) == [] and verify_chain(other_tenant.organisation) == []
