"""The factories (tests/factories.py) build the rows the services would: valid, and alike where it matters."""

import hashlib
from datetime import date

import pytest

from compliance import services
from compliance.demo_data import minimal_pdf
from compliance.models import Certificate
from tests.compliance.builders import ACTOR
from tests.factories import (
    CertificateFactory,
    CertifiedHostFactory,
    ChainLinkFactory,
    EvidenceFactory,
    HostCertificateFactory,
    ProcessingFactory,
    SupplierFactory,
)


@pytest.mark.parametrize("factory_class", [
    CertifiedHostFactory, HostCertificateFactory, SupplierFactory, CertificateFactory, ProcessingFactory,
    ChainLinkFactory, EvidenceFactory,
])
def test_each_factory_row_passes_the_validation_of_its_service(tenant, media, factory_class):
    with tenant.context():
        row = factory_class()
        row.full_clean()
        assert type(row)._base_manager.filter(pk=row.pk).count() == 1
        if hasattr(row, "organisation_id"):
            assert row.organisation_id == tenant.organisation.pk


def test_a_confirmed_supplier_has_the_registry_copies_the_confirmation_service_makes(tenant):
    with tenant.context():
        published = HostCertificateFactory(certificate_number="HDS-777")
        by_factory = SupplierFactory(name="Usine", confirmed_host=published.host)
        by_service = services.supplier_create(actor=ACTOR, name="Service")
        services.supplier_registry_match_confirm(supplier=by_service, actor=ACTOR, host=published.host)

        def copies(supplier):
            return list(Certificate.objects.filter(supplier=supplier).values_list(
                "source", "certificate_number", "activities", "expires_on", "registry_certificate"))

        assert copies(by_factory) == copies(by_service) == [
            ("registry", "HDS-777", frozenset(range(1, 7)), date(2027, 6, 13), published.pk)]
        assert (by_factory.registry_match_status, by_factory.registry_host_id, by_factory.registry_match_method) == (
            by_service.registry_match_status, by_service.registry_host_id, by_service.registry_match_method)


def test_evidence_from_the_factory_is_a_stored_pdf_with_its_digest(tenant, media):
    with tenant.context():
        evidence = EvidenceFactory(title="Contrat")
    stored = (media / evidence.file.name).read_bytes()
    assert stored == minimal_pdf("Contrat")
    assert (evidence.sha256, evidence.size, evidence.content_type) == (
        hashlib.sha256(stored).hexdigest(), len(stored), "application/pdf")
    assert evidence.file.name.startswith(f"evidence/{tenant.organisation.pk}/")
    assert evidence.file.name.endswith(".pdf")
