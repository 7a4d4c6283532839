"""The write helper: one refusal for unknown fields, one audited diff for every update."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from compliance.models import Certificate
from hds_platform import services, writes
from hds_platform.api.exceptions import exception_handler
from hds_platform.audit import Actor, verify_chain
from hds_platform.errors import ServiceError
from hds_platform.models import ApiToken, AuditEvent, Organisation, User

# Refusing unknown fields -------------------------------------------------------------------------


def test_known_fields_pass():
    assert writes.refuse_unknown_fields({"name": "x", "kind": "other"}, {"name", "kind", "siren"}) is None
    assert writes.refuse_unknown_fields({}, frozenset()) is None


def test_unknown_fields_are_named_in_alphabetical_order():
    with pytest.raises(ServiceError) as excinfo:
        writes.refuse_unknown_fields({"name": "x", "slug": "y", "organisation_id": 3}, {"name"})
    error = excinfo.value
    assert (type(error), error.code, error.message, error.field, error.status_code) == (
        ServiceError, "unknown_fields", "Champs inconnus : organisation_id, slug", None, 400)
    assert str(error) == "Champs inconnus : organisation_id, slug"


def test_the_refusal_is_translated():
    with translation.override("en"), pytest.raises(ServiceError) as excinfo:
        writes.refuse_unknown_fields({"iban": "FR76"}, {"name"})
    assert excinfo.value.message == "Unknown fields: iban"


def test_the_api_answers_the_refusal_with_its_code_and_message():
    with pytest.raises(ServiceError) as excinfo:
        writes.refuse_unknown_fields({"owner": 1, "iban": "FR76"}, {"name"})
    response = exception_handler(excinfo.value, {})
    assert (response.status_code, response.data) == (
        400, {"code": "unknown_fields", "message": "Champs inconnus : iban, owner"})


# Assigning and diffing ---------------------------------------------------------------------------


def test_unchanged_values_are_neither_set_nor_listed():
    organisation = Organisation(name="Clinique", kind="other", siren="")
    assert writes.assign_changes(organisation, {"name": "Clinique", "siren": ""}) == {}
    assert (organisation.name, organisation.siren) == ("Clinique", "")


def test_changed_values_are_set_and_listed_as_before_and_after_in_the_given_order():
    organisation = Organisation(name="Clinique", kind="other", siren="")
    changes = writes.assign_changes(organisation, {"siren": "732829320", "kind": "other", "name": "Clinique B"})
    assert changes == {"siren": ["", "732829320"], "name": ["Clinique", "Clinique B"]}
    assert list(changes) == ["siren", "name"]
    assert (organisation.name, organisation.kind, organisation.siren) == ("Clinique B", "other", "732829320")


def test_dates_and_times_are_listed_as_iso_strings():
    token = ApiToken(name="ci", expires_at=None)
    changes = writes.assign_changes(token, {"expires_at": datetime(2027, 3, 1, 8, 30, tzinfo=UTC)})
    assert changes == {"expires_at": [None, "2027-03-01T08:30:00+00:00"]}
    assert token.expires_at == datetime(2027, 3, 1, 8, 30, tzinfo=UTC)


def test_relations_are_compared_and_listed_by_id():
    alice, bob = User(pk=41, email="alice@example.org"), User(pk=42, email="bob@example.org")
    token = ApiToken(name="ci", created_by=alice)
    assert writes.assign_changes(token, {"created_by": User(pk=41, email="alice@example.org")}) == {}
    assert writes.assign_changes(token, {"created_by": bob}) == {"created_by": [41, 42]}
    assert token.created_by is bob
    assert writes.assign_changes(token, {"created_by": None}) == {"created_by": [42, None]}
    assert (token.created_by, token.created_by_id) == (None, None)


def test_activity_sets_are_compared_as_sets_and_listed_sorted():
    certificate = Certificate(activities=frozenset({1, 2}), expires_on=date(2027, 12, 1))
    assert writes.assign_changes(certificate, {"activities": [2, 1]}) == {}
    assert writes.assign_changes(certificate, {"activities": (4, 1)}) == {"activities": [[1, 2], [1, 4]]}
    assert certificate.activities == frozenset({1, 4})
    assert writes.assign_changes(certificate, {"activities": None}) == {"activities": [[1, 4], []]}
    assert certificate.activities == frozenset()
    assert writes.assign_changes(certificate, {"expires_on": date(2028, 1, 9)}) == {
        "expires_on": ["2027-12-01", "2028-01-09"]}


# Through a service -------------------------------------------------------------------------------


def _events(tenant) -> list[AuditEvent]:
    with tenant.context():
        return list(AuditEvent.objects.filter(action="organisation.updated").order_by("seq"))


def test_organisation_update_refuses_unknown_fields_and_changes_nothing(tenant):
    actor = Actor.for_user(tenant.owner)
    with pytest.raises(ServiceError) as excinfo:
        services.organisation_update(organisation=tenant.organisation, actor=actor, name="Autre", slug="autre")
    assert (excinfo.value.code, excinfo.value.message, excinfo.value.field) == (
        "unknown_fields", "Champs inconnus : slug", None)
    organisation = Organisation.objects.get(pk=tenant.organisation.pk)
    assert (organisation.name, organisation.slug) == ("Clinique des Tilleuls", "tilleuls")
    assert _events(tenant) == []


def test_organisation_update_audits_before_and_after_only_when_something_changed(tenant):
    actor = Actor.for_user(tenant.owner)
    services.organisation_update(organisation=tenant.organisation, actor=actor, name="Clinique des Tilleuls")
    assert _events(tenant) == []
    services.organisation_update(organisation=tenant.organisation, actor=actor, name="Clinique des Tilleuls",
                                 kind="health_establishment", siren="732829320")
    [event] = _events(tenant)
    assert (event.target_id, event.changes) == (str(tenant.organisation.pk), {
        "kind": ["software_editor", "health_establishment"], "siren": ["", "732829320"]})
    organisation = Organisation.objects.get(pk=tenant.organisation.pk)
    assert (organisation.kind, organisation.siren) == ("health_establishment", "732829320")
    assert verify_chain(organisation) == []


def test_organisation_update_validates_before_saving(tenant):
    actor = Actor.for_user(tenant.owner)
    with pytest.raises(ValidationError) as excinfo:
        services.organisation_update(organisation=tenant.organisation, actor=actor, siren="123456789")
    assert [error.code for error in excinfo.value.error_dict["siren"]] == ["invalid_siren"]
    assert Organisation.objects.get(pk=tenant.organisation.pk).siren == ""
    assert _events(tenant) == []
