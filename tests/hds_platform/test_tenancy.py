import pytest

from hds_platform.models import ApiToken, Membership
from hds_platform.tenancy import NoOrganisationContext, current_organisation, organisation_context


def test_scoped_manager_raises_without_context(tenant):
    with pytest.raises(NoOrganisationContext):
        list(Membership.objects.all())
    with pytest.raises(NoOrganisationContext):
        ApiToken.objects.count()


def test_scoped_manager_sees_only_current_organisation(tenant, other_tenant):
    with tenant.context():
        assert Membership.objects.count() == 5
        assert set(Membership.objects.values_list("organisation_id", flat=True)) == {tenant.organisation.pk}
    with other_tenant.context():
        assert list(Membership.objects.values_list("user__email", flat=True)) == ["owner@voisin.example"]


def test_reading_across_organisations_is_explicit(tenant, other_tenant):
    assert Membership.all_organisations.count() == 6


def test_context_is_reset_after_the_block_even_on_error(tenant):
    with pytest.raises(ZeroDivisionError), tenant.context():
        assert current_organisation() == tenant.organisation
        raise ZeroDivisionError
    assert current_organisation() is None
    with pytest.raises(NoOrganisationContext):
        Membership.objects.count()


def test_context_refuses_switching_organisation_inside_a_block(tenant, other_tenant):
    with tenant.context():
        with tenant.context():
            assert current_organisation() == tenant.organisation
        with pytest.raises(NoOrganisationContext), other_tenant.context():
            pass
        assert current_organisation() == tenant.organisation


def test_new_tenant_row_takes_the_current_organisation(tenant, other_tenant):
    from tests.factories import UserFactory

    user = UserFactory()
    with other_tenant.context():
        membership = Membership.objects.create(user=user, role="viewer")
    assert membership.organisation_id == other_tenant.organisation.pk


def test_context_needs_a_saved_organisation(db):
    from hds_platform.models import Organisation

    with pytest.raises(NoOrganisationContext), organisation_context(Organisation(name="x")):
        pass
