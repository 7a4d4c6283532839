"""One error envelope under /api/: unknown routes and methods, crashes, non-field and list-item
errors, the caller's language; the JSON index of /api/ and /api/v1/; the browsable API."""

from datetime import date

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from hds_platform.api import views as api_views
from hds_platform.api.exceptions import exception_handler
from hds_platform.api.strict import StrictSerializer
from tests.compliance import builders


def _base(tenant):
    return f"/api/v1/orgs/{tenant.organisation.slug}"


# Routes no API view answers ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v1/orgs/tilleuls/supplier/", "/api/v2/",
                                  "/api/v1/orgs/tilleuls/suppliers/not-a-number/"])
def test_an_unknown_api_route_answers_a_json_404(tenant, client_for, path):
    response = client_for(token=tenant.token()).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert (response["X-Frame-Options"], response["Content-Language"]) == ("DENY", "en")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response.json() == {"code": "not_found", "message": "Not found: no API resource at this address."}


def test_an_anonymous_unknown_route_answers_json_in_french_by_default():
    response = APIClient().post("/api/v1/nothing-here/", {"a": 1}, format="json")

    assert (response.status_code, response.json()) == (404, {
        "code": "not_found", "message": "Introuvable : aucune ressource de l'API à cette adresse."})


def test_a_missing_trailing_slash_is_still_redirected(tenant, client_for):
    response = client_for(user=tenant.owner).get("/api/v1/me")

    assert (response.status_code, response["Location"]) == (301, "/api/v1/me/")


def test_a_method_a_route_does_not_take_answers_a_json_405(tenant, client_for):
    response = client_for(token=tenant.token()).post("/api/v1/me/", {}, format="json")

    assert (response.status_code, response.json()) == (405, {
        "code": "method_not_allowed", "message": 'Method "POST" not allowed.'})
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_a_crash_answers_a_json_500_without_the_debug_page(tenant, client_for, monkeypatch, settings):
    settings.DEBUG = True

    def crash(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(api_views.MeView, "get", crash)
    client = client_for(token=tenant.token())
    client.raise_request_exception = False

    response = client.get("/api/v1/me/")

    assert (response.status_code, response["Content-Type"], response.json()) == (500, "application/json", {
        "code": "server_error", "message": "Internal error: the request did not complete and nothing was saved."})


# Errors about the values sent --------------------------------------------------------------------


def test_a_request_level_error_of_a_model_is_under_non_field_errors_with_its_code_on_top(tenant, client_for):
    with tenant.context():
        builders.processing("Dossier patient")

    response = client_for(user=tenant.owner).post(f"{_base(tenant)}/processings/", {"name": "Dossier patient"},
                                                  format="json")

    assert (response.status_code, response.json()) == (400, {
        "code": "duplicate_name", "message": "Un traitement porte déjà ce nom.",
        "errors": {"non_field_errors": [{"code": "duplicate_name", "message": "Un traitement porte déjà ce nom."}]}})


def test_a_request_level_error_of_a_serializer_has_the_same_shape():
    class Period(StrictSerializer):
        start = serializers.DateField()
        end = serializers.DateField()

        def validate(self, attrs):
            if attrs["end"] < attrs["start"]:
                raise serializers.ValidationError("La fin précède le début.", code="period_reversed")
            return attrs

    serializer = Period(data={"start": "2026-02-01", "end": "2026-01-01"})
    with pytest.raises(serializers.ValidationError) as excinfo:
        serializer.is_valid(raise_exception=True)

    assert exception_handler(excinfo.value, {}).data == {
        "code": "period_reversed", "message": "La fin précède le début.",
        "errors": {"non_field_errors": [{"code": "period_reversed", "message": "La fin précède le début."}]}}


def test_field_errors_keep_invalid_on_top_and_their_own_codes_below(tenant, client_for):
    response = client_for(user=tenant.owner).post(f"{_base(tenant)}/suppliers/",
                                                  {"name": "Mauvais", "siren": "123456789", "country": "ZZ"},
                                                  format="json")

    body = response.json()
    assert (response.status_code, body["code"], body["message"]) == (400, "invalid",
                                                                     "Les données envoyées ne sont pas valides.")
    assert {field: [error["code"] for error in errors] for field, errors in body["errors"].items()} == {
        "siren": ["invalid_siren"], "country": ["invalid_country"]}


def test_list_item_errors_are_keyed_by_the_item_index_whatever_the_list_holds(tenant, client_for, media):
    with tenant.context():
        processing = builders.processing("Dossier patient")
    client = client_for(user=tenant.owner)

    objects = client.patch(f"{_base(tenant)}/processings/{processing.pk}/",
                           {"transfers": [{"country": "CH"}, {"country": "CHE"}]}, format="json")
    codes = client.post(f"{_base(tenant)}/processings/{processing.pk}/chain/",
                        {"actor": "self", "activities": [5], "remote_access_countries": ["IN", "ZZ"]}, format="json")

    assert objects.status_code == codes.status_code == 400
    assert list(objects.json()["errors"]["transfers"]) == ["1"]
    assert [error["code"] for error in objects.json()["errors"]["transfers"]["1"]["country"]] == ["max_length"]
    assert codes.json()["errors"] == {"remote_access_countries": {"1": [
        {"code": "invalid_country", "message": "« ZZ » n'est pas un code pays ISO 3166 alpha-2."}]}}


# Language ---------------------------------------------------------------------------------------


def test_a_token_gets_english_unless_it_asks_for_french(tenant, client_for):
    client = client_for(token=tenant.token())
    url = f"{_base(tenant)}/suppliers/"
    client.post(url, {"name": "Nuage"}, format="json")

    english = client.post(url, {"name": "Nuage"}, format="json")
    french = client.post(url, {"name": "Nuage"}, format="json", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert (english.json()["message"], english["Content-Language"]) == ("A supplier already has this name.", "en")
    assert (french.json()["message"], french["Content-Language"]) == ("Un fournisseur porte déjà ce nom.", "fr")


def test_a_person_gets_the_language_of_their_browser(tenant, client_for):
    client = client_for(user=tenant.owner)

    default = client.get("/api/v1/nothing-here/")
    english = client.get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="en")

    assert default.json()["message"] == "Introuvable : aucune ressource de l'API à cette adresse."
    assert (english.json()["message"], english["Content-Language"]) == (
        "Not found: no API resource at this address.", "en")


# The index --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/", "/api/v1/"])
def test_the_api_roots_answer_a_json_index(db, path):
    response = APIClient().get(path)

    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert response.json() == {
        "name": "Maillon API", "version": "v1",
        "links": {"v1": "http://testserver/api/v1/", "docs": "http://testserver/api/docs/",
                  "schema": "http://testserver/api/schema/", "me": "http://testserver/api/v1/me/",
                  "registry_hosts": "http://testserver/api/v1/registry/hosts/",
                  "registry_snapshots": "http://testserver/api/v1/registry/snapshots/",
                  "orgs": "http://testserver/api/v1/orgs/{org}/"},
        "authentication": "Authorization: Bearer <token> (an organisation's API token), or the web session.",
    }


# The browsable API ------------------------------------------------------------------------------


@pytest.fixture
def world(tenant, media):
    with tenant.context():
        supplier = builders.supplier("Nuage Souverain")
        builders.certificate(supplier, activities=[1, 2, 3, 4])
        processing = builders.processing("Dossier patient")
        link = builders.link(processing, supplier, activities=[1, 2, 3, 4])
        evidence = builders.evidence("hosting_contract", supplier=supplier, valid_until=date(2029, 1, 14))
    return {"supplier": supplier, "processing": processing, "link": link, "evidence": evidence}


BROWSABLE = [
    "suppliers/", "suppliers/{supplier}/", "suppliers/{supplier}/certificates/", "certificates/", "processings/",
    "processings/{processing}/", "processings/{processing}/chain/", "processings/{processing}/chain/{link}/",
    "evidence/", "evidence/{evidence}/", "conformity/", "alerts/", "webhooks/", "members/", "invitations/",
    "tokens/", "audit-events/", "reports/", "notifications/preference/",
]


def test_the_browsable_api_works_for_a_logged_in_member(tenant, client_for, world):
    """Opened in a browser (HTML), every tenant list and detail renders, forms included."""
    client = client_for(user=tenant.owner)
    ids = {name: row.pk for name, row in world.items()}
    answers = {}
    for path in BROWSABLE:
        response = client.get(f"{_base(tenant)}/{path.format(**ids)}", HTTP_ACCEPT="text/html")
        answers[path] = (response.status_code, response["Content-Type"])

    assert answers == {path: (200, "text/html; charset=utf-8") for path in BROWSABLE}
    page = client.get(f"{_base(tenant)}/suppliers/", HTTP_ACCEPT="text/html").content.decode()
    assert "Nuage Souverain" in page
    assert 'name="external_id"' in page
