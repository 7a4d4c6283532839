"""Evidence requests: asked by e-mail, answered through a single-use link without an account,
reviewed by the requester; reminders, expiry and the overdue alert from the daily follow-up."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from compliance import services
from compliance.demo_data import minimal_pdf
from compliance.models import (
    Alert,
    AlertKind,
    Certificate,
    Evidence,
    EvidenceRequest,
    EvidenceRequestStatus,
    Supplier,
    WebhookDelivery,
)
from compliance.monitoring import alerts
from compliance.monitoring.webhooks import catalogue
from compliance.services.evidence_requests import link_expiry
from hds_platform.audit import Actor
from hds_platform.models import AuditEvent
from tests.compliance.conftest import NOW, stored_files
from tests.compliance.monitoring.alerting import make_endpoint
from tests.factories import UserFactory
from tests.rls_support import (
    NO_POSTGRES,
    app_connection_as_runtime_role,
    clear_organisation_setting,
    require_roles,
)

LINK = re.compile(r"http://testserver/depot/([A-Za-z0-9_-]+)/")
PDF = minimal_pdf("Certificat HDS 2026")


@pytest.fixture(autouse=True)
def _site(settings, media):
    settings.SITE_URL = "http://testserver"
    return media


@pytest.fixture
def supplier(tenant):
    with tenant.context():
        return services.supplier_create(actor=Actor.system("test"), name="Hébergeur Azur", siren="552100554")


def _create(client, slug, supplier, capture, **extra):
    body = {"supplier": supplier.pk, "kinds": ["hds_certificate"], "message": "Merci d'avance.",
            "due_date": "2026-12-20", "contact_email": "Conformite@Azur.example", **extra}
    with capture(execute=True):
        return client.post(f"/api/v1/orgs/{slug}/evidence-requests/", body, format="json")


def _link_of(message) -> str:
    return LINK.search(message.body).group(1)


def _audit_actions(tenant) -> list[str]:
    with tenant.context():
        return list(AuditEvent.objects.filter(action__startswith="evidence").order_by("seq")
                    .values_list("action", flat=True))


@pytest.mark.usefixtures("frozen")
def test_request_upload_accept_then_the_link_refuses_a_second_use(
        tenant, client_for, supplier, media, django_capture_on_commit_callbacks):
    owner = client_for(user=tenant.owner)
    created = _create(owner, "tilleuls", supplier, django_capture_on_commit_callbacks)
    assert created.status_code == 201, created.content
    body = created.json()
    assert {key: body[key] for key in ("supplier", "kinds", "due_date", "contact_email", "status", "language",
                                       "submitted", "evidence")} == {
        "supplier": supplier.pk, "kinds": ["hds_certificate"], "due_date": "2026-12-20",
        "contact_email": "conformite@azur.example", "status": "requested", "language": "fr", "submitted": None,
        "evidence": None}
    # Due 20 December + 7 days of grace is earlier than 30 days from 28 November: 30 days win.
    assert body["link_expires_at"] == "2026-12-28T10:00:00+01:00"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["conformite@azur.example"]
    assert message.subject == "Clinique des Tilleuls vous demande des documents"
    assert "- Certificat HDS" in message.body and "Merci d'avance." in message.body
    raw = _link_of(message)
    with tenant.context():
        stored = EvidenceRequest.objects.get()
        assert stored.token_digest == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in str(EvidenceRequest.objects.values().get())

    anonymous = APIClient()
    page = anonymous.get(f"/depot/{raw}/")
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert "Hébergeur Azur" in page.content.decode() and "Certificat HDS" in page.content.decode()

    # A bad file: refused with its code, nothing stored, the link still usable.
    exe = SimpleUploadedFile("certificat.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    refused = anonymous.post(f"/depot/{raw}/", {"file": exe}, format="multipart", HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "evidence_type_not_allowed"
    assert stored_files(media) == []
    with tenant.context():
        assert EvidenceRequest.objects.get().status == "requested"

    good = anonymous.post(f"/depot/{raw}/", {"file": SimpleUploadedFile("certificat.pdf", PDF)},
                          format="multipart", HTTP_ACCEPT="application/json")
    assert good.status_code == 201, good.content
    sha256 = hashlib.sha256(PDF).hexdigest()
    assert good.json() == {"status": "submitted", "kind": "hds_certificate", "sha256": sha256, "size": len(PDF),
                           "content_type": "application/pdf"}
    assert len(stored_files(media)) == 1

    detail = owner.get(f"/api/v1/orgs/tilleuls/evidence-requests/{body['id']}/").json()
    assert detail["status"] == "submitted"
    assert {key: detail["submitted"][key] for key in ("kind", "name", "sha256", "size", "content_type")} == {
        "kind": "hds_certificate", "name": "certificat.pdf", "sha256": sha256, "size": len(PDF),
        "content_type": "application/pdf"}
    download = owner.get(detail["submitted"]["file"])
    assert (download.status_code, b"".join(download.streaming_content)) == (200, PDF)

    with django_capture_on_commit_callbacks(execute=True):
        accepted = owner.post(f"/api/v1/orgs/tilleuls/evidence-requests/{body['id']}/accept/",
                              {"title": "Certificat HDS Azur", "valid_until": "2029-06-30"}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    with tenant.context():
        evidence = Evidence.objects.get()
        assert (evidence.pk, evidence.kind, evidence.title, evidence.sha256, evidence.size, evidence.supplier_id,
                evidence.valid_until, evidence.file.name) == (
            accepted.json()["evidence"], "hds_certificate", "Certificat HDS Azur", sha256, len(PDF), supplier.pk,
            date(2029, 6, 30), stored.submitted_file or evidence.file.name)
    assert len(stored_files(media)) == 1  # the submitted file became the evidence, not a copy

    again = anonymous.post(f"/depot/{raw}/", {"file": SimpleUploadedFile("autre.pdf", PDF)}, format="multipart",
                           HTTP_ACCEPT="application/json")
    assert again.status_code == 410
    assert again.json()["code"] == "evidence_request_link_used"
    assert anonymous.get(f"/depot/{raw}/").status_code == 410
    assert len(stored_files(media)) == 1
    assert _audit_actions(tenant) == ["evidence_request.created", "evidence_request.submitted", "evidence.uploaded",
                                      "evidence_request.accepted"]


@pytest.mark.usefixtures("frozen")
def test_the_html_form_uploads_without_login_and_says_so(tenant, supplier, media, django_capture_on_commit_callbacks):
    with tenant.context(), django_capture_on_commit_callbacks(execute=True):
        _request, raw = services.evidence_request_create(actor=Actor.for_user(tenant.owner), supplier=supplier,
                                                         kinds=["dpa"], contact_email="c@azur.example")
    anonymous = APIClient(enforce_csrf_checks=True)
    response = anonymous.post(f"/depot/{raw}/", {"file": SimpleUploadedFile("dpa.pdf", PDF)}, format="multipart")
    assert response.status_code == 201
    assert "Document transmis" in response.content.decode()


def test_an_unknown_link_answers_404_like_any_missing_page(db):
    response = APIClient().get("/depot/not-a-real-link/", HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()["code"]) == (404, "evidence_request_link_invalid")


@pytest.mark.usefixtures("frozen")
def test_several_kinds_need_the_kind_of_the_file(tenant, supplier, media, django_capture_on_commit_callbacks):
    with tenant.context():
        _request, raw = services.evidence_request_create(
            actor=Actor.system("test"), supplier=supplier, kinds=["hosting_contract", "dpa"],
            contact_email="c@azur.example")
    anonymous = APIClient()
    missing = anonymous.post(f"/depot/{raw}/", {"file": SimpleUploadedFile("c.pdf", PDF)}, format="multipart",
                             HTTP_ACCEPT="application/json")
    assert (missing.status_code, missing.json()["code"]) == (400, "required")
    other = anonymous.post(f"/depot/{raw}/", {"file": SimpleUploadedFile("c.pdf", PDF), "kind": "dpia"},
                           format="multipart", HTTP_ACCEPT="application/json")
    assert (other.status_code, other.json()["code"]) == (400, "invalid_choice")
    assert stored_files(media) == []
    good = anonymous.post(f"/depot/{raw}/", {"file": SimpleUploadedFile("c.pdf", PDF), "kind": "dpa"},
                          format="multipart", HTTP_ACCEPT="application/json")
    assert (good.status_code, good.json()["kind"]) == (201, "dpa")


@pytest.mark.usefixtures("frozen")
def test_reject_tells_the_contact_why_with_a_fresh_link(tenant, client_for, supplier, media,
                                                         django_capture_on_commit_callbacks):
    owner = client_for(user=tenant.owner)
    created = _create(owner, "tilleuls", supplier, django_capture_on_commit_callbacks, language="en").json()
    first = _link_of(mail.outbox[0])
    assert mail.outbox[0].subject == "Clinique des Tilleuls is asking you for documents"
    APIClient().post(f"/depot/{first}/", {"file": SimpleUploadedFile("c.pdf", PDF)}, format="multipart")
    url = f"/api/v1/orgs/tilleuls/evidence-requests/{created['id']}/reject/"
    blank = owner.post(url, {"reason": " "}, format="json")
    assert (blank.status_code, blank.json()["code"]) == (400, "invalid")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = owner.post(url, {"reason": "Ce certificat a expiré."}, format="json")
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["submitted"], rejected.json()["rejection_reason"]) == (
        "rejected", None, "Ce certificat a expiré.")
    assert stored_files(media) == []
    assert len(mail.outbox) == 2
    notice = mail.outbox[1]
    assert (notice.to, notice.subject) == (["conformite@azur.example"],
                                           "Clinique des Tilleuls did not accept your document")
    assert "Ce certificat a expiré." in notice.body
    fresh = _link_of(notice)
    assert fresh != first
    assert APIClient().get(f"/depot/{first}/").status_code == 404
    again = APIClient().post(f"/depot/{fresh}/", {"file": SimpleUploadedFile("c2.pdf", PDF)}, format="multipart",
                             HTTP_ACCEPT="application/json")
    assert again.status_code == 201
    accept_twice = owner.post(f"/api/v1/orgs/tilleuls/evidence-requests/{created['id']}/reject/",
                              {"reason": "x"}, format="json")
    assert accept_twice.status_code == 200
    conflict = owner.post(f"/api/v1/orgs/tilleuls/evidence-requests/{created['id']}/accept/", {}, format="json")
    assert (conflict.status_code, conflict.json()["code"]) == (409, "evidence_request_not_submitted")


@pytest.mark.usefixtures("frozen")
def test_cancel_closes_the_link(tenant, client_for, supplier, django_capture_on_commit_callbacks):
    owner = client_for(user=tenant.owner)
    created = _create(owner, "tilleuls", supplier, django_capture_on_commit_callbacks).json()
    raw = _link_of(mail.outbox[0])
    cancelled = owner.post(f"/api/v1/orgs/tilleuls/evidence-requests/{created['id']}/cancel/")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    closed = APIClient().get(f"/depot/{raw}/", HTTP_ACCEPT="application/json")
    assert (closed.status_code, closed.json()["code"]) == (410, "evidence_request_closed")
    twice = owner.post(f"/api/v1/orgs/tilleuls/evidence-requests/{created['id']}/cancel/")
    assert (twice.status_code, twice.json()["code"]) == (409, "evidence_request_closed")


def test_link_lifetime_is_30_days_or_the_due_date_plus_grace(settings):
    now = NOW
    assert link_expiry(None, now) == now + timedelta(days=30)
    assert link_expiry(date(2026, 12, 1), now) == now + timedelta(days=30)
    late = link_expiry(date(2027, 2, 1), now)
    assert late.isoformat() == "2027-02-09T00:00:00+01:00"


@pytest.mark.usefixtures("frozen")
def test_create_refuses_what_a_person_can_fix(tenant, other_tenant, client_for, supplier):
    owner = client_for(user=tenant.owner)
    url = "/api/v1/orgs/tilleuls/evidence-requests/"
    base = {"supplier": supplier.pk, "kinds": ["dpa"], "contact_email": "c@azur.example"}
    past = owner.post(url, {**base, "due_date": "2026-11-01"}, format="json")
    assert (past.status_code, past.json()["code"]) == (400, "due_date_past")
    unknown_kind = owner.post(url, {**base, "kinds": ["passport"]}, format="json")
    assert unknown_kind.json()["errors"]["kinds"] == {
        "0": [{"code": "invalid_choice", "message": "«\xa0passport\xa0» n'est pas un choix valide."}]}
    with other_tenant.context():
        foreign = services.supplier_create(actor=Actor.system("test"), name="Autre")
    other = owner.post(url, {**base, "supplier": foreign.pk}, format="json")
    assert (other.status_code, other.json()["errors"]["supplier"][0]["code"]) == (400, "does_not_exist")
    with tenant.context():
        assert EvidenceRequest.objects.count() == 0


def test_a_viewer_reads_but_cannot_request(tenant, client_for, supplier):
    viewer = client_for(user=tenant.members["viewer"])
    assert viewer.get("/api/v1/orgs/tilleuls/evidence-requests/").json()["count"] == 0
    denied = viewer.post("/api/v1/orgs/tilleuls/evidence-requests/",
                         {"supplier": supplier.pk, "kinds": ["dpa"], "contact_email": "c@azur.example"}, format="json")
    assert denied.status_code == 403
    with tenant.context():
        assert EvidenceRequest.objects.count() == 0


@pytest.mark.usefixtures("frozen")
def test_the_answer_is_announced_by_webhook(tenant, supplier, media):
    with tenant.context():
        make_endpoint("https://hooks.example/maillon", subscribed=[catalogue.EVIDENCE_REQUEST_ANSWERED],
                      version=catalogue.VERSION)
        request, raw = services.evidence_request_create(actor=Actor.system("test"), supplier=supplier, kinds=["dpa"],
                                                        contact_email="c@azur.example", due_date=date(2026, 12, 10))
    services.evidence_request_submit(raw_token=raw, file=SimpleUploadedFile("dpa.pdf", PDF))
    with tenant.context():
        delivery = WebhookDelivery.objects.get()
    assert delivery.event == "evidence_request.answered"
    assert (delivery.payload["version"], delivery.payload["data"]) == ("2026-12-01", {
        "evidence_request": {
            "id": request.pk, "supplier": supplier.pk, "kinds": ["dpa"], "due_date": "2026-12-10",
            "status": "submitted", "requested_at": "2026-11-28T09:00:00Z", "answered_at": "2026-11-28T09:00:00Z",
            "submitted": {"kind": "dpa", "sha256": hashlib.sha256(PDF).hexdigest(), "size": len(PDF),
                          "content_type": "application/pdf"},
        },
    })


def test_accept_links_the_certificate_named_by_the_request(tenant, supplier, media):
    with tenant.context():
        certificate = services.certificate_create(actor=Actor.system("test"), supplier=supplier, activities=[1, 2],
                                                  certificate_number="HDS-42", expires_on=date(2029, 1, 1))
        request, raw = services.evidence_request_create(actor=Actor.system("test"), supplier=supplier,
                                                        kinds=["hds_certificate"], contact_email="c@azur.example",
                                                        certificate=certificate)
    services.evidence_request_submit(raw_token=raw, file=SimpleUploadedFile("hds.pdf", PDF))
    with tenant.context():
        accepted = services.evidence_request_accept(request=request, actor=Actor.for_user(tenant.owner))
        evidence = Evidence.objects.get()
        assert (accepted.evidence_id, evidence.certificate_id, Certificate.objects.get().evidence_id) == (
            evidence.pk, certificate.pk, evidence.pk)


# The daily follow-up -----------------------------------------------------------------------------


def _request_due(tenant, supplier, due: date, django_capture_on_commit_callbacks):
    with tenant.context(), django_capture_on_commit_callbacks(execute=True):
        request, _raw = services.evidence_request_create(
            actor=Actor.system("test"), supplier=supplier, kinds=["dpa"], contact_email="c@azur.example",
            due_date=due)
    return request


def _follow_up(tenant, day: date, capture):
    with time_machine.travel(f"{day.isoformat()} 06:30 +01:00", tick=False), tenant.context(), \
            capture(execute=True):
        return services.evidence_requests_follow_up(tenant.organisation)


def test_reminders_7_and_1_days_before_then_one_overdue_alert(tenant, supplier, media,
                                                               django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        request = _request_due(tenant, supplier, date(2026, 12, 20), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    capture = django_capture_on_commit_callbacks
    assert _follow_up(tenant, date(2026, 12, 12), capture) == {"expired": 0, "reminded": 0, "overdue": 0}
    assert _follow_up(tenant, date(2026, 12, 13), capture) == {"expired": 0, "reminded": 1, "overdue": 0}
    assert _follow_up(tenant, date(2026, 12, 13), capture) == {"expired": 0, "reminded": 0, "overdue": 0}
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "Rappel : Clinique des Tilleuls attend vos documents"
    assert "l'échéance est dans 7 jours" in mail.outbox[1].body
    newest = _link_of(mail.outbox[1])
    assert APIClient().get(f"/depot/{_link_of(mail.outbox[0])}/").status_code == 404
    assert _follow_up(tenant, date(2026, 12, 19), capture) == {"expired": 0, "reminded": 1, "overdue": 0}
    assert "l'échéance est dans 1 jour." in mail.outbox[2].body
    assert _follow_up(tenant, date(2026, 12, 21), capture) == {"expired": 0, "reminded": 0, "overdue": 1}
    assert _follow_up(tenant, date(2026, 12, 22), capture) == {"expired": 0, "reminded": 0, "overdue": 0}
    with tenant.context():
        alert = Alert.objects.get()
        assert (alert.kind, alert.supplier_id, alert.due_on, alert.dedupe_key) == (
            AlertKind.EVIDENCE_REQUEST_OVERDUE, supplier.pk, date(2026, 12, 20),
            f"evidence_request_overdue:{request.pk}")
        assert EvidenceRequest.objects.get().reminders_sent == [7, 1]
        assert alerts.render(alert, "fr") == (
            "Demande de pièces à Hébergeur Azur en retard depuis le 20 décembre 2026",
            "Hébergeur Azur n'a pas transmis les pièces demandées (Accord de sous-traitance (art. 28)) avant le "
            "20 décembre 2026. Relancez votre "
            "contact ou annulez la demande.")
        assert alerts.render(alert, "en") == (
            "Evidence request to Hébergeur Azur overdue since Dec. 20, 2026",
            "Hébergeur Azur has not sent the requested documents (Data processing agreement (Art. 28)) by "
            "Dec. 20, 2026. Follow up with your contact or cancel the request.")
    assert newest != _link_of(mail.outbox[2])
    assert len(mail.outbox) == 3
    # 30 days after the last link: it lapses and the request expires.
    with time_machine.travel("2027-01-20 06:30 +01:00", tick=False):
        assert APIClient().get(f"/depot/{_link_of(mail.outbox[2])}/", HTTP_ACCEPT="application/json").json()[
            "code"] == "evidence_request_link_expired"
    assert _follow_up(tenant, date(2027, 1, 20), capture) == {"expired": 1, "reminded": 0, "overdue": 0}
    with tenant.context():
        assert EvidenceRequest.objects.get().status == EvidenceRequestStatus.EXPIRED
    assert _audit_actions(tenant) == ["evidence_request.created", "evidence_request.reminded",
                                      "evidence_request.reminded", "evidence_request.overdue",
                                      "evidence_request.expired"]


def test_the_dispatcher_enqueues_one_follow_up_per_organisation(tenant, other_tenant, supplier, media,
                                                                 django_capture_on_commit_callbacks):
    from compliance import tasks

    with time_machine.travel(NOW, tick=False):
        _request_due(tenant, supplier, date(2026, 12, 1), django_capture_on_commit_callbacks)
    with time_machine.travel("2026-11-30 06:30 +01:00", tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.evidence_requests_follow_up_dispatch() == 2
    assert len(mail.outbox) == 2  # the request, then its reminder (due in 1 day)


def test_deleting_the_supplier_deletes_a_file_waiting_for_review(tenant, supplier, media,
                                                                 django_capture_on_commit_callbacks):
    with tenant.context():
        _request, raw = services.evidence_request_create(actor=Actor.system("test"), supplier=supplier,
                                                         kinds=["dpa"], contact_email="c@azur.example")
    services.evidence_request_submit(raw_token=raw, file=SimpleUploadedFile("dpa.pdf", PDF))
    assert len(stored_files(media)) == 1
    with tenant.context(), django_capture_on_commit_callbacks(execute=True):
        services.supplier_delete(supplier=Supplier.objects.get(), actor=Actor.system("test"))
    assert stored_files(media) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_POSTGRES)
@pytest.mark.usefixtures("frozen")
def test_on_postgresql_the_link_is_found_through_its_lookup_under_the_runtime_role(tenant, other_tenant, supplier,
                                                                                    media):
    require_roles()
    with tenant.context():
        _request, raw = services.evidence_request_create(actor=Actor.system("test"), supplier=supplier,
                                                         kinds=["dpa"], contact_email="c@azur.example")
    with app_connection_as_runtime_role():
        # With no organisation set, the table shows nothing; the lookup finds exactly this request.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM compliance_evidencerequest")
            assert cursor.fetchone()[0] == 0
        response = APIClient().post(f"/depot/{raw}/", {"file": SimpleUploadedFile("dpa.pdf", PDF)},
                                    format="multipart", HTTP_ACCEPT="application/json")
        assert response.status_code == 201, response.content
        clear_organisation_setting()  # in production the request's commit ends it
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('maillon.lookup', 'evidence_request', true)")
            cursor.execute("SELECT count(*) FROM compliance_evidencerequest")
            assert cursor.fetchone()[0] == 0  # the lookup policy is the owner's, not the runtime role's
    with tenant.context():
        assert EvidenceRequest.objects.get().status == "submitted"


def test_the_contact_language_is_theirs_when_they_use_maillon(tenant, supplier, django_capture_on_commit_callbacks):
    UserFactory(email="contact@azur.example", language="en")
    with tenant.context(), django_capture_on_commit_callbacks(execute=True):
        theirs, _raw = services.evidence_request_create(actor=Actor.system("test"), supplier=supplier, kinds=["dpa"],
                                                        contact_email="Contact@Azur.example")
        unknown, _raw = services.evidence_request_create(actor=Actor.system("test"), supplier=supplier,
                                                         kinds=["dpa"], contact_email="nobody@azur.example")
        chosen, _raw = services.evidence_request_create(actor=Actor.system("test"), supplier=supplier,
                                                        kinds=["dpa"], contact_email="contact@azur.example",
                                                        language="fr")
    assert (theirs.language, unknown.language, chosen.language) == ("en", "fr", "fr")
    assert [message.subject for message in mail.outbox] == [
        "Clinique des Tilleuls is asking you for documents", "Clinique des Tilleuls vous demande des documents",
        "Clinique des Tilleuls vous demande des documents"]


def test_the_list_costs_the_same_queries_for_one_or_many_requests(tenant, client_for, supplier, media,
                                                                  django_assert_num_queries):
    client = client_for(token=tenant.token(scope="read"))

    def make(count):
        with tenant.context():
            for _ in range(count):
                _request, raw = services.evidence_request_create(
                    actor=Actor.system("test"), supplier=supplier, kinds=["dpa"], contact_email="c@azur.example")
                services.evidence_request_submit(raw_token=raw, file=SimpleUploadedFile("dpa.pdf", PDF))

    make(1)
    client.get("/api/v1/orgs/tilleuls/evidence-requests/")  # token last-use stamp
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/orgs/tilleuls/evidence-requests/").json()["count"] == 1
    # The list budget: at most 6 (SQLite 5; PostgreSQL adds the tenant setting).
    assert len(one.captured_queries) == (6 if connection.vendor == "postgresql" else 5)
    make(4)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get("/api/v1/orgs/tilleuls/evidence-requests/").json()["count"] == 5


def test_a_request_due_soon_skips_the_reminders_whose_day_has_passed(tenant, supplier, media,
                                                                      django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        request = _request_due(tenant, supplier, date(2026, 12, 1), django_capture_on_commit_callbacks)
    assert request.reminders_sent == [7]
    capture = django_capture_on_commit_callbacks
    assert _follow_up(tenant, date(2026, 11, 29), capture) == {"expired": 0, "reminded": 0, "overdue": 0}
    assert _follow_up(tenant, date(2026, 11, 30), capture) == {"expired": 0, "reminded": 1, "overdue": 0}
    assert [message.subject.startswith("Rappel") for message in mail.outbox] == [False, True]
