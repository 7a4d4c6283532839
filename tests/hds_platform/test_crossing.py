"""Reads across organisations: only the named ones, and the admin only reads."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from hds_platform import crossing
from hds_platform.models import ApiToken, Membership, Organisation, User
from tests.second_factor import login_with_second_factor


def test_only_named_readers_get_the_cross_tenant_alias():
    assert crossing.cross_tenant_alias("admin") == "default"
    with pytest.raises(ImproperlyConfigured, match="'report_export' is not a named cross-tenant reader"):
        crossing.cross_tenant_alias("report_export")
    # The expiry scan lists organisations (a shared table) and reads each in its own context.
    with pytest.raises(ImproperlyConfigured, match="'expiry_scan' is not a named cross-tenant reader"):
        crossing.cross_tenant_alias("expiry_scan")


def test_the_alias_is_the_reader_connection_when_configured(monkeypatch):
    monkeypatch.setitem(django_settings.DATABASES, "cross_tenant", dict(django_settings.DATABASES["default"]))
    assert crossing.cross_tenant_alias("registry_recheck") == "cross_tenant"


def test_token_lookup_returns_every_organisations_token_of_that_prefix(tenant, other_tenant):
    tenant.token(name="a")
    other_tenant.token(name="b")
    token = ApiToken.all_organisations.get(name="b")
    found = crossing.find_api_tokens(token.prefix)
    assert [(t.pk, t.model().organisation.slug, t.digest) for t in found] == [(token.pk, "voisin", token.digest)]
    assert crossing.find_api_tokens("zzzzzzzzzz") == []


def test_a_found_token_reads_as_the_orm_reads_it(other_tenant):
    other_tenant.token(name="b", scope="conformity:read reports:read", expires_at=timezone.now() + timedelta(days=3))
    stored = ApiToken.all_organisations.select_related("organisation").get(name="b")
    ApiToken.all_organisations.filter(pk=stored.pk).update(last_used_at=timezone.now() - timedelta(hours=1))
    stored.refresh_from_db()
    [found] = crossing.find_api_tokens(stored.prefix)
    checked = ("digest", "expires_at", "last_used_at", "revoked_at", "scope", "pk", "organisation_id")
    assert [getattr(found, name) for name in checked] == [getattr(stored, name) for name in checked]
    assert found.plan == stored.organisation.plan == "standard"
    model = found.model()
    assert model is found.model()  # built once
    fields = [f.attname for f in ApiToken._meta.concrete_fields]
    assert [getattr(model, name) for name in fields] == [getattr(stored, name) for name in fields]
    organisation_fields = [f.attname for f in Organisation._meta.concrete_fields]
    assert ([getattr(model.organisation, name) for name in organisation_fields]
            == [getattr(stored.organisation, name) for name in organisation_fields])
    assert model._state.adding is False and model.organisation._state.adding is False


def test_staff_read_tenant_rows_in_the_admin_and_change_none(tenant, other_tenant, client):
    staff = User.objects.create_superuser("staff@maillon.example", "a-long-staff-password")
    login_with_second_factor(client, staff)
    listing = client.get("/admin/hds_platform/membership/")
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 6
    membership = Membership.all_organisations.get(user=tenant.owner)
    change_url = f"/admin/hds_platform/membership/{membership.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"role": "viewer"}).status_code == 403
    assert client.post(f"/admin/hds_platform/membership/{membership.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/hds_platform/membership/add/").status_code == 403
    assert Membership.all_organisations.get(pk=membership.pk).role == "owner"
