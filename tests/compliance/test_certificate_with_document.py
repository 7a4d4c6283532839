"""A certificate recorded with its document: both rows, both audit events and the file, or nothing."""

import hashlib
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance import evidence_files, services
from compliance.demo_data import minimal_pdf
from compliance.models import Certificate, Evidence
from hds_platform import audit
from hds_platform.errors import ServiceError
from hds_platform.models import AuditEvent, OutboxMessage
from tests.compliance import builders
from tests.compliance.builders import ACTOR
from tests.compliance.conftest import stored_files

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
CERTIFICATE = {"kind": "hds", "activities": [1, 2], "certificate_number": "HDS-42", "certifier": "AFNOR",
               "referential_version": "v2", "issued_on": date(2025, 1, 10), "expires_on": date(2028, 1, 9),
               "status": "valid"}


def _events_after(seq: int) -> list[tuple[str, dict]]:
    return [(event.action, event.changes) for event in AuditEvent.objects.filter(seq__gt=seq).order_by("seq")]


def _head() -> int:
    return AuditEvent.objects.order_by("-seq").first().seq


def _nothing_left(media, seq: int, outbox: int) -> None:
    assert (Certificate.objects.count(), Evidence.objects.count()) == (0, 0)
    assert _events_after(seq) == []
    assert OutboxMessage.objects.count() == outbox
    assert stored_files(media) == []


def test_the_certificate_and_its_document_are_recorded_and_audited_together(tenant, media):
    content = minimal_pdf("HDS-42")
    with tenant.context():
        supplier = builders.supplier()
        processing = builders.processing()
        builders.link(processing, supplier)
        OutboxMessage.objects.all().delete()
        seq = _head()
        returned = services.certificate_create_with_document(
            actor=ACTOR, document=SimpleUploadedFile("certificat.pdf", content), supplier=supplier, **CERTIFICATE)
        certificate = Certificate.objects.get()
        assert returned == certificate
        evidence = Evidence.objects.get()
        assert (certificate.supplier, certificate.kind, certificate.activities, certificate.certificate_number,
                certificate.source, certificate.evidence) == (
            supplier, "hds", frozenset({1, 2}), "HDS-42", "document", evidence)
        assert (evidence.kind, evidence.title, evidence.supplier, evidence.processing, evidence.certificate,
                evidence.issued_on, evidence.valid_until, evidence.original_name, evidence.content_type,
                evidence.sha256, evidence.version) == (
            "hds_certificate", "Certificat HDS-42", supplier, None, None, date(2025, 1, 10), date(2028, 1, 9),
            "certificat.pdf", "application/pdf", hashlib.sha256(content).hexdigest(), 1)
        assert _events_after(seq) == [
            ("evidence.uploaded", {
                "kind": "hds_certificate", "title": "Certificat HDS-42", "sha256": hashlib.sha256(content).hexdigest(),
                "size": len(content), "content_type": "application/pdf", "supplier": supplier.pk, "processing": None,
                "certificate": None, "version": 1, "supersedes": None}),
            ("certificate.created", {
                "supplier": supplier.pk, "kind": "hds", "certificate_number": "HDS-42", "activities": [1, 2],
                "expires_on": "2028-01-09"}),
        ]
        assert [(event.target_type, event.target_id) for event in AuditEvent.objects.filter(seq__gt=seq)
                .order_by("seq")] == [("compliance.evidence", str(evidence.pk)),
                                      ("compliance.certificate", str(certificate.pk))]
        message = OutboxMessage.objects.get()
        assert (message.task_name, message.args) == (
            "compliance.tasks.evaluate_processings_task", [tenant.organisation.pk, [processing.pk]])
    assert stored_files(media) == [evidence.file.name]
    assert (media / evidence.file.name).read_bytes() == content


def test_an_own_certificate_without_number_files_its_document_under_the_file_name(tenant, media):
    with tenant.context():
        certificate = services.certificate_create_with_document(
            actor=ACTOR, document=builders.pdf_upload("iso-2025.pdf"), **{**CERTIFICATE, "kind": "iso27001",
                                                                          "certificate_number": ""})
        evidence = Evidence.objects.get()
        assert (certificate.supplier, certificate.kind, certificate.evidence, certificate.source) == (
            None, "iso27001", evidence, "document")
        assert (evidence.kind, evidence.title, evidence.supplier) == ("iso27001_certificate", "iso-2025.pdf", None)
    assert len(stored_files(media)) == 1


@pytest.mark.parametrize("name, content, code", [
    ("certificat.pdf", EXE, "evidence_type_not_allowed"),
    ("certificat.pdf", b"", "evidence_empty"),
    ("certificat.png", minimal_pdf("HDS-42"), "evidence_extension_mismatch"),
])
def test_a_refused_file_leaves_no_row_no_event_and_no_file(tenant, media, name, content, code):
    with tenant.context():
        supplier = builders.supplier()
        seq, outbox = _head(), OutboxMessage.objects.count()
        with pytest.raises(evidence_files.EvidenceFileError) as excinfo:
            services.certificate_create_with_document(
                actor=ACTOR, document=SimpleUploadedFile(name, content), supplier=supplier, **CERTIFICATE)
        assert (excinfo.value.code, excinfo.value.field) == (code, "document")
        _nothing_left(media, seq, outbox)


@pytest.mark.parametrize("fields, expected", [
    ({"activities": []}, {"activities": ["no_activity"]}),
    # The document's validity is the certificate's: its refusal names the certificate's field.
    ({"issued_on": date(2028, 2, 1)}, {"expires_on": ["valid_until_before_issued"]}),
])
def test_a_refused_certificate_takes_its_stored_document_with_it(tenant, media, fields, expected):
    with tenant.context():
        supplier = builders.supplier()
        seq, outbox = _head(), OutboxMessage.objects.count()
        with pytest.raises(ValidationError) as excinfo:
            services.certificate_create_with_document(
                actor=ACTOR, document=builders.pdf_upload(), supplier=supplier, **{**CERTIFICATE, **fields})
        assert {name: [error.code for error in errors] for name, errors in excinfo.value.error_dict.items()} == (
            expected)
        _nothing_left(media, seq, outbox)


def test_a_duplicate_certificate_leaves_the_first_one_and_only_its_document(tenant, media):
    with tenant.context():
        supplier = builders.supplier()
        first = services.certificate_create_with_document(
            actor=ACTOR, document=builders.pdf_upload(), supplier=supplier, **CERTIFICATE)
        seq = _head()
        with pytest.raises(ValidationError) as excinfo:
            services.certificate_create_with_document(
                actor=ACTOR, document=builders.pdf_upload("copie.pdf"), supplier=supplier, **CERTIFICATE)
        assert [error.code for error in excinfo.value.error_dict["__all__"]] == ["duplicate_certificate"]
        assert (list(Certificate.objects.all()), list(Evidence.objects.all())) == ([first], [first.evidence])
        assert _events_after(seq) == []
    assert stored_files(media) == [first.evidence.file.name]


def test_a_failure_in_the_certificate_audit_step_leaves_nothing(tenant, media, monkeypatch):
    record = audit.record

    def failing_for_certificates(**kwargs):
        if kwargs["action"] == "certificate.created":
            raise RuntimeError("audit store unavailable")
        return record(**kwargs)

    monkeypatch.setattr(audit, "record", failing_for_certificates)
    with tenant.context():
        supplier = builders.supplier()
        seq, outbox = _head(), OutboxMessage.objects.count()
        with pytest.raises(RuntimeError, match="audit store unavailable"):
            services.certificate_create_with_document(
                actor=ACTOR, document=builders.pdf_upload(), supplier=supplier, **CERTIFICATE)
        _nothing_left(media, seq, outbox)


def test_an_unknown_kind_is_refused_before_any_file_is_stored(tenant, media, monkeypatch):
    def no_storing(*args, **kwargs):
        raise AssertionError("nothing should be stored")

    monkeypatch.setattr(evidence_files, "store", no_storing)
    with tenant.context():
        seq, outbox = _head(), OutboxMessage.objects.count()
        with pytest.raises(ValidationError) as excinfo:
            services.certificate_create_with_document(
                actor=ACTOR, document=builders.pdf_upload(), **{**CERTIFICATE, "kind": "hds_certificate"})
        assert [error.code for error in excinfo.value.error_dict["kind"]] == ["invalid_choice"]
        assert list(excinfo.value.error_dict) == ["kind"]
        _nothing_left(media, seq, outbox)


@pytest.mark.parametrize("decided", ["evidence", "source"])
def test_the_document_and_the_source_are_decided_by_the_service(tenant, media, decided):
    with tenant.context():
        seq, outbox = _head(), OutboxMessage.objects.count()
        with pytest.raises(ServiceError) as excinfo:
            services.certificate_create_with_document(
                actor=ACTOR, document=builders.pdf_upload(), **CERTIFICATE, **{decided: None})
        assert (excinfo.value.code, excinfo.value.message, excinfo.value.field) == (
            "unknown_fields", f"Champs inconnus : {decided}", None)
        _nothing_left(media, seq, outbox)
