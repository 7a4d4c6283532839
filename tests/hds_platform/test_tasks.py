import pytest

from hds_platform import outbox
from hds_platform.models import Membership
from hds_platform.tasks import tenant_task
from hds_platform.tenancy import NoOrganisationContext, current_organisation


@tenant_task(name="tests.count_members")
def count_members(organisation, role):
    assert current_organisation() == organisation
    return Membership.objects.filter(role=role).count()


def test_tenant_task_runs_inside_its_organisation(tenant, other_tenant):
    assert count_members.delay(tenant.organisation.pk, "viewer").get() == 1
    assert count_members(other_tenant.organisation.pk, "viewer") == 0
    assert current_organisation() is None
    with pytest.raises(NoOrganisationContext):
        Membership.objects.count()


def test_tenant_task_for_a_deleted_organisation_is_a_no_op(db):
    assert count_members(987654, "viewer") is None


def test_dispatch_waits_for_commit(tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        outbox.enqueue("tests.count_members", tenant.organisation.pk, "owner")
    assert len(callbacks) == 1
