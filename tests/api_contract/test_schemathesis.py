"""CI gate: schemathesis over the OpenAPI schema, in-process, on the suite's database.

Every operation of ``/api/schema/`` is called with generated data (valid and invalid), as an
organisation's read-write token. The gate: no 5xx (``not_a_server_error``), no status the operation
does not declare (``status_code_conformance``: the error responses are declared with the error
envelope), and no answer that violates the schema (``response_schema_conformance``,
``content_type_conformance``).

Left out on purpose, with the reason: ``negative_data_rejection`` and ``positive_data_acceptance``
(the schema does not say every constraint the services enforce: e.g. a SIREN's checksum), and the
stateful checks (``use_after_free``, ``ensure_resource_availability``), which need links between
operations that the schema does not declare. A path parameter of the wrong type (``"\x84"`` for an
id) matches no route: Django's 404 page answers it, in HTML, until unknown ``/api/`` routes answer
with the error envelope; only those unrouted 404s are spared the content checks.

Bounded: the deterministic coverage phase plus ``SCHEMATHESIS_MAX_EXAMPLES`` random examples per
operation (default 5), derandomised, no Hypothesis deadline; the README (CI gates) gives the
measured time. Run with ``make api-contract`` (.ci/run runs it on both databases).
"""

import json
import os
from urllib.parse import urlsplit

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hds_platform.wsgi import application

pytestmark = pytest.mark.api_contract

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))


def _unrouted(response) -> bool:
    if response.status_code != 404 or not response.headers.get("content-type", [""])[0].startswith("text/html"):
        return False
    try:
        resolve(urlsplit(response.request.url).path)
    except Resolver404:
        return True
    return False


@schemathesis.check
def routed_content_type_conformance(ctx, response, case):
    return None if _unrouted(response) else content_type_conformance(ctx, response, case)


@schemathesis.check
def routed_response_schema_conformance(ctx, response, case):
    return None if _unrouted(response) else response_schema_conformance(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, routed_response_schema_conformance,
          routed_content_type_conformance]


def _load_schema():
    """The schema as ``/api/schema/`` serves it, generated in-process (no database needed)."""
    import django

    django.setup()
    from hds_platform.api.schema import SchemaGenerator

    loaded = schemathesis.openapi.from_dict(
        json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)))
    loaded.app = application
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Called through WSGI, Django closes old connections at each request's start and end; the test
    database's connection (inside the test's transaction) must stay open, as Django's test client
    arranges."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(tenant):
    return tenant.token(scope="read-write", name="schemathesis")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_answers_every_generated_request_within_its_schema(case, tenant, token):
    if "org" in (case.path_parameters or {}):
        case.path_parameters["org"] = tenant.organisation.slug
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
