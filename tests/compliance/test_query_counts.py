"""Lists and the evaluation loader cost a constant number of queries whatever the row count."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance import evaluation, services
from compliance.loader import load_inputs
from tests.compliance.builders import ACTOR
from tests.factories import (
    CertificateFactory,
    ChainLinkFactory,
    EvidenceFactory,
    HostCertificateFactory,
    ProcessingFactory,
    SupplierFactory,
)

ON = date(2026, 11, 28)


def _fill(tenant, rows: int) -> dict:
    """``rows`` rows of every listed resource, each with its related rows, and their evaluation."""
    with tenant.context():
        processing = ProcessingFactory(name="Traitement 0")
        first_link = None
        for n in range(rows):
            host = HostCertificateFactory(host__name=f"Hébergeur {tenant.organisation.slug} {n}",
                                          certificate_number=f"HDS-{n}").host
            supplier = SupplierFactory(name=f"Fournisseur {n}", confirmed_host=host)
            CertificateFactory(supplier=supplier, certificate_number=f"C-{n}")
            if n:
                ProcessingFactory(name=f"Traitement {n}")
            link = ChainLinkFactory(processing=processing, supplier=supplier, parent=first_link)
            first_link = first_link or link
            EvidenceFactory(kind="dpa", supplier=supplier)
        evaluation.evaluate_all(on=ON)
        return {"supplier": supplier.pk, "processing": processing.pk}


LISTS = [
    "suppliers/", "certificates/", "suppliers/{supplier}/certificates/", "processings/",
    "processings/{processing}/chain/", "evidence/", "conformity/", "processings/{processing}/conformity/history/",
]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _statements(client, url) -> int:
    """Queries other than the savepoints the test's own transaction adds around the request."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return sum(1 for query in queries.captured_queries if not query["sql"].startswith(("SAVEPOINT", "RELEASE")))


@pytest.mark.parametrize("path", LISTS)
def test_list_endpoints_cost_the_same_for_1_and_25_rows(tenant, other_tenant, client_for, media, path,
                                                        django_assert_num_queries):
    small = _fill(other_tenant, 1)
    large = _fill(tenant, 25)
    small_client = client_for(token=other_tenant.token(scope="read"))
    large_client = client_for(token=tenant.token(scope="read"))
    small_url = f"/api/v1/orgs/{other_tenant.organisation.slug}/" + path.format(**small)
    large_url = f"/api/v1/orgs/{tenant.organisation.slug}/" + path.format(**large)
    _count(small_client, small_url)  # the token's first use records its last-used time
    _count(large_client, large_url)
    expected = _count(small_client, small_url)
    with django_assert_num_queries(expected):
        response = large_client.get(large_url)
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    if path == "suppliers/{supplier}/certificates/":
        assert len(rows) == 2  # the recorded certificate and the copy from the ANS list
    elif path not in ("conformity/", "processings/{processing}/conformity/history/"):
        assert len(rows) == 25
    # Budget (DESIGN.md, at most 6): token lookup, organisation setting (PostgreSQL), count, rows
    # and at most one prefetch.
    assert _statements(large_client, large_url) <= 5


@pytest.mark.parametrize("links", [1, 10, 100])
def test_loader_costs_six_queries_whatever_the_chain_size(tenant, media, links, django_assert_num_queries):
    with tenant.context():
        processing = ProcessingFactory()
        own_certificate = CertificateFactory(supplier=None, activities=frozenset({5}), certificate_number="OWN")
        host = HostCertificateFactory(host__name="Hébergeur confirmé", certificate_number="HDS-CONF").host
        suppliers = [SupplierFactory(name=f"Fournisseur {n}", confirmed_host=None if n else host)
                     for n in range(min(links, 10))]
        EvidenceFactory(kind="hosting_contract", supplier=suppliers[0])
        parent = None
        for n in range(links):
            own = n % 5 == 4  # the organisation itself now and then
            link = ChainLinkFactory(processing=processing, supplier=None if own else suppliers[n % len(suppliers)],
                                    activities=frozenset({5} if own else {1, 2}),
                                    parent=parent if n % 3 == 2 else None)
            parent = link
        with django_assert_num_queries(6):
            inputs = load_inputs([processing.pk], ON)
        data = inputs[processing.pk]
        assert len(data.links) == links
        # The organisation's own certificate is handed over when the organisation is in the chain.
        assert (own_certificate.pk in {c.id for c in data.certificates}) == any(lk.is_self for lk in data.links)
        assert data.actors[suppliers[0].pk].registry.activities == frozenset(range(1, 7))
        assert data.links[0].has_hosting_contract
        assert not any(link.has_hosting_contract for link in data.links if link.actor != suppliers[0].pk)


def test_loader_skips_the_queries_it_has_no_ids_for(tenant, django_assert_num_queries):
    """Thirty processings sharing a supplier with no confirmed host: the published
    certificates are not queried (an empty id list sends no query)."""
    with tenant.context():
        supplier = SupplierFactory()
        processings = [ProcessingFactory(name=f"T{n}") for n in range(30)]
        for processing in processings:
            ChainLinkFactory(processing=processing, supplier=supplier)
        with django_assert_num_queries(5):
            inputs = load_inputs([p.pk for p in processings], ON)
        assert sorted(inputs) == sorted(p.pk for p in processings)


def test_evaluating_a_batch_costs_a_constant_number_of_queries(tenant, django_assert_num_queries):
    with tenant.context():
        supplier = SupplierFactory()
        processings = [ProcessingFactory(name=f"T{n}") for n in range(40)]
        for processing in processings:
            ChainLinkFactory(processing=processing, supplier=supplier)
        ids = [p.pk for p in processings]
        # load (5) + read the stored results (1) + insert results (1) + insert history (1)
        with django_assert_num_queries(8):
            evaluation.evaluate_processings(ids, on=ON)
        # Nothing changed: load and read, nothing written.
        with django_assert_num_queries(6):
            evaluation.evaluate_processings(ids, on=ON)
        # The next day, nothing changed: load, read, and one UPDATE moving the 40 answers' date.
        with django_assert_num_queries(7):
            evaluation.evaluate_processings(ids, on=date(2026, 11, 29))


def test_the_certificates_a_link_names_cost_no_query_more(tenant, django_assert_num_queries):
    with tenant.context():
        processing = ProcessingFactory()
        supplier = SupplierFactory(name="Hébergeur à deux offres")
        public = CertificateFactory(supplier=supplier, certificate_number="HDS-PUBLIC", perimeter="Cloud public")
        health = CertificateFactory(supplier=supplier, certificate_number="HDS-SANTE", perimeter="Cloud santé")
        both = services.chain_link_create(actor=ACTOR, processing=processing, supplier=supplier,
                                          activities=[1, 2], certificates=[public, health])
        one = services.chain_link_create(actor=ACTOR, processing=processing, supplier=supplier,
                                         activities=[3], certificates=[health])
        none = services.chain_link_create(actor=ACTOR, processing=processing, supplier=supplier, activities=[4])
        # Five, as without named certificates: no confirmed host, so no published certificates to read.
        with django_assert_num_queries(5):
            inputs = load_inputs([processing.pk], ON)
        data = inputs[processing.pk]
        assert [(link.id, link.certificates) for link in data.links] == [
            (both.pk, frozenset({public.pk, health.pk})), (one.pk, frozenset({health.pk})), (none.pk, frozenset())]
        assert sorted((c.number, c.perimeter) for c in data.certificates) == [
            ("HDS-PUBLIC", "Cloud public"), ("HDS-SANTE", "Cloud santé")]
