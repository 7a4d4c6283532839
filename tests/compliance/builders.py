"""Builders of compliance rows for tests, through the services (call inside an organisation context)."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from compliance import services
from compliance.demo_data import minimal_pdf
from compliance.models import ContractClause
from hds_platform.audit import Actor
from tests.factories import COMPLETE_REGISTER

ACTOR = Actor.system("test")


def supplier(name="Nuage Souverain", **fields):
    return services.supplier_create(actor=ACTOR, name=name, **fields)


def certificate(supplier=None, activities=(1, 2, 3, 4), **fields):
    values = {"certificate_number": f"HDS-{'own' if supplier is None else supplier.pk}-{sorted(activities)}",
              "certifier": "LNE", "referential_version": "v2", "issued_on": date(2024, 12, 2),
              "expires_on": date(2027, 12, 1), "source": "document"}
    values.update(fields)
    return services.certificate_create(actor=ACTOR, supplier=supplier, activities=activities, **values)


def processing(name="Dossier patient", complete=True, **fields):
    values = {"health_data": True, "identifiability": "identified", "hosting_mode": "outsourced"}
    if complete:
        values.update(COMPLETE_REGISTER)
    values.update(fields)
    return services.processing_create(actor=ACTOR, name=name, **values)


def link(processing, supplier=None, activities=(1, 2, 3, 4), **fields):
    values = {"storage_countries": ["FR"]}
    values.update(fields)
    return services.chain_link_create(actor=ACTOR, processing=processing, supplier=supplier,
                                      activities=activities, **values)


def pdf_upload(name="document.pdf", text="Preuve"):
    return SimpleUploadedFile(name, minimal_pdf(text), content_type="application/pdf")


ALL_CLAUSES = list(ContractClause.values)


def evidence(kind, file=None, **fields):
    """A document on file; a hosting contract was checked to hold every R.1111-11 clause and names
    France as its hosting location, unless its clauses are given."""
    if kind == "hosting_contract" and "contract_clauses" not in fields:
        fields["contract_clauses"] = ALL_CLAUSES
        fields.setdefault("contract_locations", ["FR"])
    return services.evidence_upload(actor=ACTOR, file=file or pdf_upload(), kind=kind,
                                    title=fields.pop("title", kind), **fields)


def own_hosting_contract(**fields):
    """The organisation's own hosting contract with the controllers it serves (no supplier)."""
    return evidence("hosting_contract", title=fields.pop("title", "Contrat d'hébergement clients"), **fields)


def registry_host(name, number, activities=(1, 2, 3, 4, 5, 6), expires_on=date(2027, 6, 13), *, listed=True,
                  snapshot=None, **certificate_fields):
    """A host of the ANS list with one current certificate (reference data, no organisation)."""
    from registry.matching import normalise_certificate_number, normalise_name
    from registry.models import CertifiedHost, HostCertificate, Snapshot

    snapshot = snapshot or Snapshot.objects.first() or Snapshot.objects.create(
        source="test.csv", sha256="0" * 64, status="imported", raw_file="registry/test.csv")
    host = CertifiedHost.objects.create(name=name, normalised_name=normalise_name(name), listed=listed,
                                        first_seen=snapshot, last_seen=snapshot)
    values = {"certifier": "LNE", "referential_version": "V2", "issued_on": date(2024, 6, 14)}
    values.update(certificate_fields)
    HostCertificate.objects.create(host=host, certificate_number=number,
                                   normalised_number=normalise_certificate_number(number),
                                   activities=frozenset(activities), expires_on=expires_on, first_seen=snapshot,
                                   last_seen=snapshot, **values)
    return host
