"""The OpenAPI document is generated once per process, not on every request (and not per language)."""

from unittest import mock

import pytest

from hds_platform.api.schema import SchemaGenerator
from hds_platform.api.schema_view import CachedSpectacularAPIView


@pytest.fixture
def empty_cache():
    saved = dict(CachedSpectacularAPIView._documents)
    CachedSpectacularAPIView._documents.clear()
    yield
    CachedSpectacularAPIView._documents.clear()
    CachedSpectacularAPIView._documents.update(saved)


def test_schema_is_generated_once_whatever_the_language(tenant, client_for, empty_cache):
    client = client_for(user=tenant.owner)
    with mock.patch.object(SchemaGenerator, "get_schema", autospec=True,
                           side_effect=SchemaGenerator.get_schema) as generate:
        first = client.get("/api/schema/?format=json")
        second = client.get("/api/schema/?format=json")
        yaml = client.get("/api/schema/")
        english = client.get("/api/schema/?format=json&lang=en")
        english_again = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
        french = client.get("/api/schema/?format=json&lang=fr", HTTP_ACCEPT_LANGUAGE="fr")
    assert [r.status_code for r in (first, second, yaml, english, english_again, french)] == [200] * 6
    assert generate.call_count == 1  # one English document for every language
    assert first.content == second.content == english.content == english_again.content == french.content
    assert first.json()["info"]["title"] == "Maillon API"
    assert yaml.content.startswith(b"openapi: 3")


def test_docs_page_points_at_the_cached_schema(tenant, client_for, empty_cache):
    client = client_for(user=tenant.owner)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    # Swagger UI's set-up is a script file of its own (no inline script under the CSP).
    assert b'<script src="/api/docs/?script="></script>' in page.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert b"/api/schema/" in script.content
    with mock.patch.object(SchemaGenerator, "get_schema", autospec=True,
                           side_effect=SchemaGenerator.get_schema) as generate:
        for _ in range(3):
            assert client.get("/api/schema/").status_code == 200
    assert generate.call_count == 1
