"""CI gate: the Python client that openapi-python-client generates from ``/api/schema/`` imports
cleanly and works against a live server (``make client-smoke``; .ci/run runs it on PostgreSQL).

The schema is fetched from the live server as a French-speaking integrator would (it is English
anyway), the client is generated into a temporary directory with the generator's own defaults (no
formatter hook), every generated module is imported, and the integration the README's guide walks
through runs on it: supplier, processing, a chain three levels deep, a document uploaded, today's
conformity answer and its history, the alerts. The generator's output is printed: it must hold no
warning (a warning means a part of the schema it could not turn into a model)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import httpx
import pytest

from compliance.demo_data import minimal_pdf

pytestmark = pytest.mark.client_smoke

PACKAGE = "maillon_client"


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory, live_server):
    tmp_path = tmp_path_factory.mktemp("generated")
    schema = httpx.get(f"{live_server.url}/api/schema/?format=json", headers={"Accept-Language": "fr"}, timeout=60)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)
    (tmp_path / "config.json").write_text(json.dumps({"post_hooks": []}))
    generated = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(tmp_path / "schema.json"),
         "--config", str(tmp_path / "config.json"), "--meta", "none", "--output-path", str(tmp_path / PACKAGE)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    output = (generated.stdout + generated.stderr).strip()
    print(f"openapi-python-client says:\n{output}")
    assert (generated.returncode, output) == (0, f"Generating {tmp_path / PACKAGE}")
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_every_generated_module_imports(generated_client, transactional_db):
    failures, imported = {}, 0
    for module in pkgutil.walk_packages(generated_client.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(module.name)
            imported += 1
        except Exception as error:  # a NameError or a syntax error in generated code: the gate fails
            failures[module.name] = repr(error)
    print(f"{imported} generated modules imported")
    assert failures == {}
    assert imported > 200


def test_an_integration_runs_on_the_generated_client(generated_client, transactional_db, tenant, live_server, media):
    from maillon_client import AuthenticatedClient
    from maillon_client.api.alerts import alerts_list
    from maillon_client.api.chain import processings_chain_create, processings_chain_list
    from maillon_client.api.conformity import processings_conformity_history_list, processings_conformity_retrieve
    from maillon_client.api.evidence import evidence_create
    from maillon_client.api.processings import processings_create, processings_retrieve
    from maillon_client.api.suppliers import suppliers_create
    from maillon_client.models import (
        ActorEnum,
        ChainLinkRequest,
        ConformityStatusEnum,
        EvidenceKindEnum,
        EvidenceUploadRequest,
        IdentifiabilityEnum,
        ProcessingRequest,
        SupplierRequest,
    )
    from maillon_client.types import File

    org = tenant.organisation.slug
    client = AuthenticatedClient(base_url=live_server.url, token=tenant.token(name="generated client"),
                                 raise_on_unexpected_status=True)

    supplier = suppliers_create.sync_detailed(org, client=client,
                                              body=SupplierRequest(name="Nuage Souverain", country="FR"))
    operator = suppliers_create.sync_detailed(org, client=client,
                                              body=SupplierRequest(name="Infogérance Ouest", country="FR"))
    assert (supplier.status_code, operator.status_code) == (201, 201)
    assert (supplier.parsed.name, supplier.parsed.country) == ("Nuage Souverain", "FR")

    processing = processings_create.sync_detailed(org, client=client, body=ProcessingRequest(
        name="Dossier patient", purposes=["Suivi des patients", "Facturation"], health_data=True,
        identifiability=IdentifiabilityEnum.IDENTIFIED))
    assert processing.status_code == 201
    assert (processing.parsed.purposes, processing.parsed.hosting_mode) == (["Suivi des patients", "Facturation"],
                                                                            None)
    processing_id = processing.parsed.id

    top = processings_chain_create.sync_detailed(org, processing_id, client=client, body=ChainLinkRequest(
        actor=ActorEnum.SELF, activities=[5], storage_countries=["FR"]))
    middle = processings_chain_create.sync_detailed(org, processing_id, client=client, body=ChainLinkRequest(
        actor=operator.parsed.id, parent=top.parsed.id, activities=[4, 5], storage_countries=["FR"]))
    bottom = processings_chain_create.sync_detailed(org, processing_id, client=client, body=ChainLinkRequest(
        actor=supplier.parsed.id, parent=middle.parsed.id, activities=[1, 2, 3], storage_countries=["FR"]))
    assert [r.status_code for r in (top, middle, bottom)] == [201, 201, 201]
    chain = processings_chain_list.sync(org, processing_id, client=client)
    assert [(link.actor, link.parent) for link in chain] == [
        ("self", None), (operator.parsed.id, top.parsed.id), (supplier.parsed.id, middle.parsed.id)]

    pdf = minimal_pdf("Contrat d'hébergement")
    evidence = evidence_create.sync_detailed(org, client=client, body=EvidenceUploadRequest(
        file=File(payload=pdf, file_name="contrat.pdf", mime_type="application/pdf"),
        kind=EvidenceKindEnum.HOSTING_CONTRACT, title="Contrat d'hébergement", supplier=supplier.parsed.id,
        processing=processing_id))
    assert evidence.status_code == 201
    assert (evidence.parsed.size, evidence.parsed.content_type, evidence.parsed.title) == (
        len(pdf), "application/pdf", "Contrat d'hébergement")

    conformity = processings_conformity_retrieve.sync_detailed(org, processing_id, client=client)
    assert conformity.status_code == 200
    assert conformity.parsed.status == ConformityStatusEnum.NON_COMPLIANT
    assert "coverage.activity_not_covered" in {finding.code for finding in conformity.parsed.findings}
    history = processings_conformity_history_list.sync(org, processing_id, client=client)
    # Newest first: incomplete while the chain was being built (first answer: from null), then non-compliant.
    assert [(change.from_status, change.to_status) for change in history] == [
        (ConformityStatusEnum.INCOMPLETE, ConformityStatusEnum.NON_COMPLIANT),
        (None, ConformityStatusEnum.INCOMPLETE)]
    again = processings_retrieve.sync(org, processing_id, client=client)
    assert again.conformity_status == ConformityStatusEnum.NON_COMPLIANT

    alerts = alerts_list.sync_detailed(org, client=client)
    assert alerts.status_code == 200
    assert alerts.parsed.count == len(alerts.parsed.results)
