"""Strict writes: an unknown field answers 400 unknown_fields and nothing is written; read-only
fields sent back are ignored."""

import importlib
import inspect

import pytest
from rest_framework import serializers

from compliance.models import ChainLink, Processing, Supplier
from hds_platform.api.strict import StrictFieldsMixin
from tests.compliance import builders

#: Every module that defines serializers of the API.
SERIALIZER_MODULES = [
    "compliance.api.serializers", "compliance.monitoring.api.alerts", "compliance.monitoring.api.webhooks",
    "compliance.reports.api.serializers", "hds_platform.api.serializers", "registry.api.serializers",
]


def _base(tenant):
    return f"/api/v1/orgs/{tenant.organisation.slug}"


def test_every_serializer_of_the_api_is_strict():
    defined = [
        (module_name, name, cls)
        for module_name in SERIALIZER_MODULES
        for name, cls in inspect.getmembers(importlib.import_module(module_name), inspect.isclass)
        if issubclass(cls, serializers.BaseSerializer) and cls.__module__ == module_name
    ]
    assert len(defined) > 40
    assert [f"{module}.{name}" for module, name, cls in defined if not issubclass(cls, StrictFieldsMixin)] == []


def test_a_misspelt_field_answers_400_naming_it_and_creates_nothing(tenant, client_for):
    client = client_for(token=tenant.token())

    response = client.post(f"{_base(tenant)}/suppliers/", {"name": "Nuage", "contry": "DE"}, format="json")

    assert (response.status_code, response.json()) == (400, {
        "code": "unknown_fields", "message": "Unknown fields: contry",
        "errors": {"contry": [{"code": "unknown_field", "message": "Unknown field."}]}})
    with tenant.context():
        assert Supplier.objects.count() == 0


def test_unknown_fields_are_named_in_french_for_a_person(tenant, client_for):
    with tenant.context():
        processing = builders.processing("Dossier patient")
    client = client_for(user=tenant.owner)

    response = client.patch(f"{_base(tenant)}/processings/{processing.pk}/", {"nom": "X", "finalites": []},
                            format="json")

    assert (response.status_code, response.json()) == (400, {
        "code": "unknown_fields", "message": "Champs inconnus : finalites, nom",
        "errors": {"finalites": [{"code": "unknown_field", "message": "Champ inconnu."}],
                   "nom": [{"code": "unknown_field", "message": "Champ inconnu."}]}})
    with tenant.context():
        assert Processing.objects.get().name == "Dossier patient"


def test_an_unknown_field_inside_a_list_item_is_named_with_its_path(tenant, client_for):
    with tenant.context():
        processing = builders.processing("Dossier patient")
    client = client_for(token=tenant.token())

    response = client.patch(f"{_base(tenant)}/processings/{processing.pk}/",
                            {"transfers": [{"country": "CH"}, {"country": "US", "safeguards": "CCT"}]}, format="json")

    assert (response.status_code, response.json()) == (400, {
        "code": "unknown_fields", "message": "Unknown fields: transfers.1.safeguards",
        "errors": {"transfers": {"1": {"safeguards": [{"code": "unknown_field", "message": "Unknown field."}]}}}})


def test_an_unknown_field_of_a_multipart_upload_is_refused_and_no_file_is_kept(tenant, client_for, media):
    client = client_for(token=tenant.token())

    response = client.post(f"{_base(tenant)}/evidence/", {"file": builders.pdf_upload(), "kind": "dpa",
                                                          "valid_to": "2030-01-01"}, format="multipart")

    assert (response.status_code, response.json()["code"], list(response.json()["errors"])) == (
        400, "unknown_fields", ["valid_to"])
    assert [path for path in media.rglob("*") if path.is_file()] == []


def test_read_only_fields_sent_back_are_accepted_and_ignored(tenant, client_for):
    """An integrator sends back what it read, with one change: only the change is made."""
    with tenant.context():
        processing = builders.processing("Dossier patient")
        supplier = builders.supplier("Nuage Souverain")
        link = builders.link(processing, supplier, activities=[1, 2])
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/processings/{processing.pk}/chain/{link.pk}/"
    read = client.get(url).json()

    response = client.put(url, {**read, "id": 999, "actor_name": "Autre", "created_at": "2000-01-01T00:00:00Z",
                                "activities": [1, 2, 3]}, format="json")

    assert response.status_code == 200
    assert {key: value for key, value in response.json().items() if key != "updated_at"} == {
        **{key: value for key, value in read.items() if key != "updated_at"}, "activities": [1, 2, 3]}
    with tenant.context():
        assert list(ChainLink.objects.values_list("id", "activities")) == [(link.pk, frozenset({1, 2, 3}))]


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/me/reauthenticate/", {"password": "x", "totp": "1"}),
    ("/api/v1/invitations/accept/", {"token": "x", "role": "owner"}),
])
def test_global_writes_are_strict_too(tenant, client_for, path, body):
    response = client_for(user=tenant.owner).post(path, body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "unknown_fields")


def test_a_form_from_the_browsable_api_is_not_refused_for_its_csrf_token(tenant, client_for, media):
    # Multipart bodies are taken by uploads only; the browsable API's upload form adds its CSRF token.
    client = client_for(user=tenant.owner)

    created = client.post(f"{_base(tenant)}/evidence/", {
        "kind": "dpa", "title": "DPA", "file": builders.pdf_upload(), "csrfmiddlewaretoken": "x"},
        format="multipart")
    misspelt = client.post(f"{_base(tenant)}/evidence/", {
        "kind": "dpa", "title": "DPA", "file": builders.pdf_upload(), "titel": "x", "csrfmiddlewaretoken": "x"},
        format="multipart")

    assert created.status_code == 201, created.json()
    assert (misspelt.status_code, list(misspelt.json()["errors"])) == (400, ["titel"])
