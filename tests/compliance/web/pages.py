"""What the web page tests share: a private media root, registry hosts, a chain evaluated at once."""

from datetime import date

from compliance import evaluation
from registry.matching import normalise_certificate_number, normalise_name
from registry.models import CertifiedHost, HostCertificate, Snapshot
from tests.compliance import builders


def registry_host(name, number, activities=(1, 2, 3, 4, 5, 6), expires_on=date(2028, 6, 13), listed=True):
    """A host of the ANS list with one current certificate (reference data, no organisation)."""
    snapshot = Snapshot.objects.first() or Snapshot.objects.create(
        source="test.csv", sha256="0" * 64, status="imported", raw_file="registry/test.csv")
    host = CertifiedHost.objects.create(name=name, normalised_name=normalise_name(name), listed=listed,
                                        first_seen=snapshot, last_seen=snapshot)
    HostCertificate.objects.create(
        host=host, certificate_number=number, normalised_number=normalise_certificate_number(number),
        activities=frozenset(activities), certifier="LNE", referential_version="v2", issued_on=date(2025, 6, 14),
        expires_on=expires_on, first_seen=snapshot, last_seen=snapshot,
    )
    return host


def evaluate(*processings):
    """Store the results at once (in these tests nothing commits, so no task runs)."""
    evaluation.evaluate_processings([p.pk for p in processings])


def covered_chain(name="Dossier patient", supplier_name="Nuage Souverain"):
    """A processing hosted and operated by one supplier (activities 1 to 5) with a valid certificate,
    contract and DPA: compliant."""
    supplier = builders.supplier(supplier_name)
    # Issued for three years, as an HDS certificate is, and far from expiring.
    builders.certificate(supplier, activities=(1, 2, 3, 4, 5), issued_on=date(2026, 11, 2),
                         expires_on=date(2029, 11, 1),
                         evidence=builders.evidence("hds_certificate", supplier=supplier))
    builders.evidence("hosting_contract", supplier=supplier)
    builders.evidence("dpa", supplier=supplier)
    processing = builders.processing(name)
    link = builders.link(processing, supplier, activities=(1, 2, 3, 4, 5))
    evaluate(processing)
    return processing, supplier, link
