"""The OpenAPI document is one a client generator can build on: English whatever the language, JSON
bodies (multipart only for files), every enum named and without "", a summary and a tag on every
operation, stable operation ids, and the error responses declared with the one error envelope."""

import json

import pytest
from django.utils import translation

from hds_platform.api.schema import SchemaGenerator

UPLOADS = {
    ("/api/v1/orgs/{org}/evidence/", "post"),
    ("/api/v1/orgs/{org}/evidence/{id}/supersede/", "post"),
    ("/api/v1/registry/snapshots/", "post"),
    ("/api/v1/orgs/{org}/suppliers/import/", "post"),
}
#: Bodies that name a row (JSON) or carry a new file (multipart): a linked provider's answer.
JSON_OR_UPLOADS = {("/api/v1/orgs/{org}/incoming-evidence-requests/{id}/answer/", "post")}
METHODS = ("get", "post", "put", "patch", "delete")


def _generate(language: str) -> dict:
    with translation.override(language):
        return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


@pytest.fixture(scope="module")
def schema():
    return _generate("fr")


def _operations(schema):
    return [(path, method, item[method]) for path, item in schema["paths"].items() for method in METHODS
            if method in item]


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, child in node.items():
            yield from _walk(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _walk(child, f"{path}[{index}]")


def test_the_schema_is_the_same_english_document_in_french_and_in_english(schema):
    english = _generate("en")
    assert schema == english
    assert schema["paths"]["/api/v1/orgs/{org}/processings/"]["get"]["summary"] == (
        "The GDPR art. 30 register, with each processing's conformity status")
    assert schema["components"]["schemas"]["Supplier"]["properties"]["name"]["title"] == "Legal name"


def test_the_schema_view_answers_the_same_bytes_under_accept_language_fr_and_en(tenant, client_for):
    client = client_for(user=tenant.owner)
    french = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="fr")
    english = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    query = client.get("/api/schema/?format=json&lang=fr")
    assert (french.status_code, english.status_code, query.status_code) == (200, 200, 200)
    assert french.content == english.content == query.content
    assert b"\\u00c9tat" not in french.content and "État".encode() not in french.content


def test_no_enum_holds_an_empty_string_and_every_enum_is_a_named_component(schema):
    components = schema["components"]["schemas"]
    empty = [path for path, node in _walk(schema) if "" in node.get("enum", [])]
    inline = [path for path, node in _walk(schema) if "enum" in node
              and not (path.startswith("/components/schemas/") and path.count("/") == 3)]
    assert empty == []
    assert inline == []
    assert "BlankEnum" not in components
    assert components["HostingModeEnum"]["enum"] == ["self_hosted", "outsourced"]
    assert components["RemoteAccessBasisEnum"]["enum"] == ["adequacy", "safeguards"]
    # A choice that may be absent is null, not "".
    assert components["Processing"]["properties"]["hosting_mode"]["oneOf"] == [
        {"$ref": "#/components/schemas/HostingModeEnum"}, {"$ref": "#/components/schemas/NullEnum"}]
    assert components["ConformityStatusChange"]["properties"]["from_status"]["nullable"] is True
    assert components["Alert"]["properties"]["resolution"]["nullable"] is True


def test_every_operation_has_a_summary_a_resource_tag_and_no_internal_docstring(schema):
    operations = _operations(schema)
    assert len(operations) == 125
    assert [(path, method) for path, method, op in operations if not op.get("summary")] == []
    assert [(path, method) for path, method, op in operations if len(op.get("tags", [])) != 1] == []
    declared = {tag["name"] for tag in schema["tags"]}
    assert {op["tags"][0] for _path, _method, op in operations} == declared
    assert "orgs" not in declared
    descriptions = " ".join(op.get("description", "") for _path, _method, op in operations)
    assert "Answer a write with the row as the list shows it" not in descriptions
    assert "Third parties of the organisation" not in descriptions
    tags = {(path, method): op["tags"][0] for path, method, op in operations}
    assert tags[("/api/v1/orgs/{org}/suppliers/{supplier_pk}/certificates/", "post")] == "certificates"
    assert tags[("/api/v1/orgs/{org}/processings/{processing_pk}/chain/", "post")] == "chain"
    assert tags[("/api/v1/orgs/{org}/processings/{id}/conformity/", "get")] == "conformity"


def test_request_bodies_are_json_only_except_file_uploads(schema):
    bodies = {(path, method): sorted(op["requestBody"]["content"]) for path, method, op in _operations(schema)
              if "requestBody" in op}
    assert {key: types for key, types in bodies.items() if key not in UPLOADS | JSON_OR_UPLOADS
            and types != ["application/json"]} == {}
    assert {key: bodies[key] for key in JSON_OR_UPLOADS} == {
        key: ["application/json", "multipart/form-data"] for key in JSON_OR_UPLOADS}
    assert {key: bodies[key] for key in UPLOADS} == {key: ["multipart/form-data"] for key in UPLOADS}


def test_operation_ids_are_stable_and_readable(schema):
    ids = {op["operationId"] for _path, _method, op in _operations(schema)}
    assert len(ids) == 125
    # Client code is written against these names: adding is fine, renaming breaks integrations.
    assert {
        "me_retrieve", "suppliers_list", "suppliers_create", "suppliers_retrieve", "suppliers_partial_update",
        "suppliers_destroy", "suppliers_certificates_create", "certificates_list", "processings_create",
        "processings_retrieve", "processings_chain_list", "processings_chain_create",
        "processings_conformity_retrieve", "processings_conformity_create", "processings_conformity_history_list",
        "conformity_retrieve", "evidence_create", "evidence_supersede_create", "evidence_download_retrieve",
        "alerts_list", "alerts_resolve_create", "webhooks_create", "webhooks_deliveries_list",
        "registry_hosts_list", "reports_create", "tokens_create", "events_list",
        "webhooks_deliveries_redeliver_create", "apps_list", "apps_create", "connected_apps_list",
        "connected_apps_revoke_create",
    } <= ids
    assert [i for i in ids if i.startswith("orgs_")] == []


def test_error_responses_are_declared_with_the_error_envelope(schema):
    error = {"$ref": "#/components/schemas/Error"}
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"code", "message", "errors"}
    operations = {(path, method): op for path, method, op in _operations(schema)}

    def statuses(path, method):
        return sorted(code for code in operations[(path, method)]["responses"] if code.startswith("4"))

    # A tenant write may also answer 422 when its Idempotency-Key was used for another request;
    # every authenticated operation 429 past the caller's rate limit.
    assert statuses("/api/v1/orgs/{org}/suppliers/", "post") == [
        "400", "401", "403", "404", "409", "413", "415", "422", "429"]
    assert statuses("/api/v1/orgs/{org}/suppliers/{id}/", "get") == ["401", "403", "404", "429"]
    assert statuses("/api/v1/orgs/{org}/processings/", "get") == ["400", "401", "403", "404", "429"]
    assert statuses("/api/v1/me/", "get") == ["401", "429"]
    assert statuses("/api/v1/me/reauthenticate/", "post") == ["400", "401", "403", "409", "413", "415", "429"]
    assert statuses("/api/v1/orgs/{org}/webhooks/{id}/test/", "post") == [
        "400", "401", "403", "404", "409", "422", "429"]
    assert statuses("/api/v1/registry/snapshots/", "post") == [
        "400", "401", "403", "409", "413", "415", "422", "429"]
    assert statuses("/api/v1/registry/hosts/", "get") == ["400", "401", "404", "429"]
    for (path, method), op in operations.items():
        for code, response in op["responses"].items():
            if code.startswith("4") and not (path, method, code) == ("/api/v1/registry/snapshots/", "post", "422"):
                assert response["content"]["application/json"]["schema"] == error, (path, method, code)


def test_names_and_titles_a_generator_turns_into_code_are_english(schema):
    components = schema["components"]["schemas"]
    titles = {prop["title"] for component in components.values()
              for prop in component.get("properties", {}).values() if "title" in prop}
    assert [name for name in components if not name.isascii()] == []
    assert [title for title in titles if not title.isascii()] == []
    assert {"Legal name", "Certifying body", "Retention period"} <= titles
    assert [op["operationId"] for _path, _method, op in _operations(schema) if not op["operationId"].isascii()] == []


def test_each_operation_names_the_scopes_a_connected_app_needs(schema):
    from hds_platform.scopes import SCOPES

    operations = {(path, method): op for path, method, op in _operations(schema)}

    def app_scopes(path, method):
        return [req["oauth2"] for req in operations[(path, method)]["security"] if "oauth2" in req]

    assert app_scopes("/api/v1/orgs/{org}/suppliers/", "get") == [["register:read"]]
    assert app_scopes("/api/v1/orgs/{org}/suppliers/", "post") == [["register:write"]]
    assert app_scopes("/api/v1/orgs/{org}/processings/{id}/conformity/", "get") == [["conformity:read"]]
    assert app_scopes("/api/v1/orgs/{org}/evidence/", "post") == [["evidence:write"]]
    assert app_scopes("/api/v1/orgs/{org}/webhooks/", "post") == [["webhooks:manage"]]
    tenant = [(path, method) for path, method in operations if "{org}" in path]
    # Every tenant operation either names known scopes or is reserved to people (session only).
    for path, method in tenant:
        requirements = app_scopes(path, method)
        assert requirements == [] or (len(requirements) == 1 and requirements[0]
                                      and set(requirements[0]) <= set(SCOPES)), (path, method, requirements)
    reserved = [(path, method) for path, method in tenant if not app_scopes(path, method)]
    assert all(operations[op]["security"] == [{"cookieAuth": []}] for op in reserved)
    assert ("/api/v1/orgs/{org}/tokens/", "post") in reserved
