"""Evidence upload and download: type by content, size limits, nothing left behind, private downloads."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance import evidence_files, services
from compliance.demo_data import minimal_pdf
from compliance.models import Certificate, ChainLink, Evidence
from hds_platform.models import AuditEvent
from tests.compliance import builders
from tests.compliance.builders import ACTOR
from tests.compliance.conftest import stored_files

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"


def _zip(names) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


DOCX = _zip(["[Content_Types].xml", "word/document.xml"])
XLSX = _zip(["[Content_Types].xml", "xl/workbook.xml"])
PLAIN_ZIP = _zip(["notes.txt"])


def _upload(client, tenant, name, content, **data):
    return client.post(f"/api/v1/orgs/{tenant.organisation.slug}/evidence/",
                       {"file": SimpleUploadedFile(name, content), "kind": "other", **data}, format="multipart")


@pytest.mark.parametrize("name, content, content_type", [
    ("contrat.pdf", minimal_pdf("Contrat"), "application/pdf"),
    ("scan.png", PNG, "image/png"),
    ("photo.JPG", JPEG, "image/jpeg"),
    ("photo.jpeg", JPEG, "image/jpeg"),
    ("pv.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("inventaire.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_allowed_types_are_recognised_by_content(tenant, client_for, media, name, content, content_type):
    response = _upload(client_for(user=tenant.members["editor"]), tenant, name, content)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["content_type"], body["size"], body["sha256"], body["original_name"]) == (
        content_type, len(content), hashlib.sha256(content).hexdigest(), name)
    files = stored_files(media)
    assert len(files) == 1
    assert name not in files[0]  # stored under a random name
    assert files[0].startswith(f"evidence/{tenant.organisation.pk}/")
    assert (media / files[0]).read_bytes() == content


@pytest.mark.parametrize("name, content, code", [
    ("facture.pdf", EXE, "evidence_type_not_allowed"),
    ("facture.exe", EXE, "evidence_type_not_allowed"),
    ("archive.docx", PLAIN_ZIP, "evidence_type_not_allowed"),
    ("notes.pdf", b"just some text, no magic at all", "evidence_type_not_allowed"),
    ("scan.pdf", PNG, "evidence_extension_mismatch"),
    ("contrat.docx", minimal_pdf("x"), "evidence_extension_mismatch"),
    ("tableur.docx", XLSX, "evidence_extension_mismatch"),
    ("sans-extension", minimal_pdf("x"), "evidence_extension_mismatch"),
    ("vide.pdf", b"", "evidence_empty"),
])
def test_refused_files_leave_nothing(tenant, client_for, media, name, content, code):
    with tenant.context():
        events = AuditEvent.objects.count()
    response = _upload(client_for(user=tenant.owner), tenant, name, content)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["errors"]["file"][0]["code"] == code
    assert stored_files(media) == []
    with tenant.context():
        assert (Evidence.objects.count(), AuditEvent.objects.count()) == (0, events)


def test_oversized_file_is_refused_without_being_stored(tenant, client_for, media, settings):
    settings.EVIDENCE_MAX_BYTES = 2048
    content = minimal_pdf("x") + b"%" + b"0" * 4096
    response = _upload(client_for(user=tenant.owner), tenant, "gros.pdf", content)
    assert (response.status_code, response.json()["code"]) == (400, "evidence_too_large")
    assert stored_files(media) == []
    with tenant.context():
        assert Evidence.objects.count() == 0
    exactly = minimal_pdf("x")
    settings.EVIDENCE_MAX_BYTES = len(exactly)
    assert _upload(client_for(user=tenant.owner), tenant, "juste.pdf", exactly).status_code == 201


def test_size_limit_also_holds_while_streaming(tenant, media, settings):
    """A file object that under-reports its size is still stopped while it is written."""
    content = minimal_pdf("x") + b"0" * 4096
    upload = SimpleUploadedFile("menteur.pdf", content)
    upload.size = 10
    settings.EVIDENCE_MAX_BYTES = 1024
    with tenant.context(), pytest.raises(evidence_files.EvidenceFileError) as excinfo:
        services.evidence_upload(actor=ACTOR, file=upload, kind="other")
    assert excinfo.value.code == "evidence_too_large"
    assert stored_files(media) == []


def test_failure_after_storing_leaves_no_row_and_no_file(tenant, media):
    """The file is written before the row is validated: a refused row takes its file with it."""
    with tenant.context():
        with pytest.raises(Exception) as excinfo:
            builders.evidence("dpa", issued_on="2027-01-02", valid_until="2027-01-01")
        assert excinfo.value.error_dict["valid_until"][0].code == "valid_until_before_issued"
        assert Evidence.objects.count() == 0
    assert stored_files(media) == []


def test_failure_in_the_audit_step_leaves_nothing(tenant, media, monkeypatch):
    from hds_platform import audit

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with tenant.context():
        with pytest.raises(RuntimeError):
            builders.evidence("dpa")
        assert Evidence.objects.count() == 0
    assert stored_files(media) == []


def test_download_streams_the_file_as_an_attachment(tenant, client_for, media):
    content = minimal_pdf("Contrat signé")
    upload = _upload(client_for(user=tenant.owner), tenant, "contrat signé.pdf", content).json()
    response = client_for(user=tenant.members["viewer"]).get(upload["file"], HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''contrat%20sign%C3%A9.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_download_of_another_organisation_answers_404(tenant, other_tenant, client_for, media):
    upload = _upload(client_for(user=tenant.owner), tenant, "contrat.pdf", minimal_pdf("x")).json()
    for client in (client_for(user=other_tenant.owner), client_for(token=other_tenant.token(scope="read"))):
        own_route = f"/api/v1/orgs/{other_tenant.organisation.slug}/evidence/{upload['id']}/download/"
        assert client.get(own_route).status_code == 404
        assert client.get(upload["file"]).status_code == 404
    assert client_for().get(upload["file"]).status_code in (401, 403)


def test_media_files_are_not_served_publicly(tenant, client_for, media):
    _upload(client_for(user=tenant.owner), tenant, "contrat.pdf", minimal_pdf("x"))
    name = stored_files(media)[0]
    assert client_for(user=tenant.owner).get(f"/media/{name}").status_code == 404


def test_new_version_supersedes_and_takes_over_citations(tenant, client_for, media, django_capture_on_commit_callbacks):
    client = client_for(user=tenant.owner)
    base = f"/api/v1/orgs/{tenant.organisation.slug}"
    with tenant.context():
        supplier = builders.supplier()
        certificate = builders.certificate(supplier)
        processing = builders.processing()
        parent = builders.link(processing, supplier)
        first = builders.evidence("hds_certificate", supplier=supplier, certificate=certificate)
        services.certificate_update(certificate=certificate, actor=ACTOR, evidence=first)
        exempt = builders.link(processing, builders.supplier("Filiale"), parent=parent, exempt_under_parent=True,
                               exemption_evidence=first)
    response = client.post(f"{base}/evidence/{first.pk}/supersede/",
                           {"file": SimpleUploadedFile("v2.pdf", minimal_pdf("v2"))}, format="multipart")
    assert response.status_code == 201
    second = response.json()
    assert (second["version"], second["supersedes"], second["kind"], second["supplier"], second["certificate"],
            second["is_current"]) == (2, first.pk, "hds_certificate", supplier.pk, certificate.pk, True)
    old = client.get(f"{base}/evidence/{first.pk}/").json()
    assert (old["superseded_by"], old["is_current"]) == (second["id"], False)
    with tenant.context():
        assert Certificate.objects.get(pk=certificate.pk).evidence_id == second["id"]
        assert ChainLink.objects.get(pk=exempt.pk).exemption_evidence_id == second["id"]
        assert AuditEvent.objects.order_by("-seq").first().action == "evidence.superseded"
    again = client.post(f"{base}/evidence/{first.pk}/supersede/",
                        {"file": SimpleUploadedFile("v3.pdf", minimal_pdf("v3"))}, format="multipart")
    assert (again.status_code, again.json()["code"]) == (409, "evidence_already_superseded")
    assert len(stored_files(media)) == 2
    # Deleting the current version brings the previous one back everywhere.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"{base}/evidence/{second['id']}/").status_code == 204
    with tenant.context():
        assert Evidence.objects.get(pk=first.pk).is_current
        assert Certificate.objects.get(pk=certificate.pk).evidence_id == first.pk
    assert len(stored_files(media)) == 1


def test_deleting_a_supplier_deletes_its_files_after_commit(tenant, media, django_capture_on_commit_callbacks):
    with tenant.context():
        supplier = builders.supplier()
        builders.evidence("dpa", supplier=supplier)
        assert len(stored_files(media)) == 1
        with django_capture_on_commit_callbacks(execute=True):
            services.supplier_delete(supplier=supplier, actor=ACTOR)
        assert Evidence.objects.count() == 0
    assert stored_files(media) == []


def test_a_failure_while_answering_the_upload_removes_row_and_file(tenant, client_for, media, monkeypatch):
    from compliance.api import views

    def broken(self, instance):
        raise RuntimeError("serialisation failed")

    monkeypatch.setattr(views.EvidenceViewSet, "refetched", broken)
    client = client_for(user=tenant.owner)
    client.raise_request_exception = False
    response = _upload(client, tenant, "contrat.pdf", minimal_pdf("x"))
    assert response.status_code == 500
    assert stored_files(media) == []
    with tenant.context():
        assert Evidence.objects.count() == 0
