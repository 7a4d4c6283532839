"""A linked provider's inbox of evidence requests: a request for the supplier standing for a provider
linked on Maillon appears in the provider's "Demandes reçues"; the provider answers with a document
it holds (or a new file) and the requester reviews it as an upload through the link."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from compliance import services
from compliance.demo_data import minimal_pdf
from compliance.models import ClientLink, Evidence, EvidenceRequest, EvidenceRequestStatus, WebhookDelivery
from compliance.monitoring.webhooks import catalogue
from hds_platform.audit import Actor
from hds_platform.models import AuditEvent, Membership, User
from hds_platform.roles import Role
from hds_platform.tenancy import organisation_context
from tests.compliance.monitoring.alerting import make_endpoint
from tests.compliance.network_builders import host_organisation, hosting_offer, linked_client
from tests.factories import UserFactory
from tests.rls_support import NO_POSTGRES, app_connection_as_runtime_role, clear_organisation_setting, require_roles

LINK = re.compile(r"http://testserver/depot/([A-Za-z0-9_-]+)/")
INBOX = "/api/v1/orgs/azur/incoming-evidence-requests/"


@pytest.fixture(autouse=True)
def _site(settings, media):
    settings.SITE_URL = "http://testserver"
    return media


@pytest.fixture
def host(db, media):
    return hosting_offer(host_organisation())


@pytest.fixture
def link(host, tenant):
    return linked_client(host, tenant.organisation, tenant.owner)


@pytest.fixture
def host_client(host, client_for):
    return client_for(user=User.objects.get(email="owner@azur.example"))


def _ask(tenant, client_for, link, capture, kinds=("hds_certificate",)):
    """The client asks the supplier standing for its provider (through the API)."""
    mail.outbox.clear()
    with capture(execute=True):
        response = client_for(user=tenant.owner).post(f"/api/v1/orgs/{tenant.organisation.slug}/evidence-requests/", {
            "supplier": link.client_supplier_id, "kinds": list(kinds), "message": "Pour le registre.",
            "due_date": "2026-12-20", "contact_email": "conformite@azur.example"}, format="json")
    assert response.status_code == 201, response.json()
    return EvidenceRequest.all_organisations.get(pk=response.json()["id"])


@pytest.mark.usefixtures("frozen")
def test_choose_a_held_document_then_the_requester_accepts_it(tenant, client_for, host, link, host_client,
                                                              django_capture_on_commit_callbacks):
    with tenant.context():
        make_endpoint("https://hooks.example/maillon", subscribed=[catalogue.EVIDENCE_REQUEST_ANSWERED],
                      version=catalogue.VERSION)
    request = _ask(tenant, client_for, link, django_capture_on_commit_callbacks)
    assert (request.addressed_organisation_id, request.addressed_link_id) == (host.organisation.pk, link.pk)
    # The contact still gets the e-mailed link; the provider's members are told it is in their inbox.
    assert sorted(message.to[0] for message in mail.outbox) == ["conformite@azur.example", "owner@azur.example"]
    received = next(message for message in mail.outbox if message.to == ["owner@azur.example"])
    assert received.subject == "Clinique des Tilleuls vous demande des documents sur Maillon"
    assert f"http://testserver/o/azur/demandes/recues/{request.pk}/" in received.body
    raw = LINK.search(next(m for m in mail.outbox if m.to == ["conformite@azur.example"]).body).group(1)

    listed = host_client.get(INBOX)
    assert listed.status_code == 200
    assert [(row["id"], row["requester"], row["kinds"], row["status"]) for row in listed.json()["results"]] == [
        (request.pk, {"name": "Clinique des Tilleuls", "siren": tenant.organisation.siren}, ["hds_certificate"],
         "requested")]
    detail = host_client.get(f"{INBOX}{request.pk}/").json()
    assert set(detail) == {"id", "requester", "kinds", "message", "due_date", "status", "answer_before", "submitted",
                           "answered_with", "rejection_reason", "created_at", "updated_at"}
    assert (detail["message"], detail["submitted"], detail["answered_with"]) == ("Pour le registre.", None, None)

    document = host.certificate.evidence
    answered = host_client.post(f"{INBOX}{request.pk}/answer/", {"evidence": document.pk}, format="json")
    assert answered.status_code == 200, answered.json()
    body = answered.json()
    assert (body["status"], body["answered_with"], body["submitted"]["sha256"], body["submitted"]["kind"]) == (
        "submitted", document.pk, document.sha256, "hds_certificate")

    # The requester sees it as any submission, and the webhook announces it.
    client = client_for(user=tenant.owner)
    seen = client.get(f"/api/v1/orgs/tilleuls/evidence-requests/{request.pk}/").json()
    assert (seen["status"], seen["submitted"]["sha256"], seen["addressed_to"]) == (
        "submitted", document.sha256, {"name": "Hébergeur Azur", "siren": host.organisation.siren})
    with tenant.context():
        assert WebhookDelivery.objects.get().event == "evidence_request.answered"
    # The link e-mailed to the contact is used up.
    refused = client_for().post(f"/depot/{raw}/", {"file": SimpleUploadedFile("x.pdf", minimal_pdf("x"))})
    assert refused.status_code == 410

    accepted = client.post(f"/api/v1/orgs/tilleuls/evidence-requests/{request.pk}/accept/", {}, format="json")
    assert accepted.status_code == 200, accepted.json()
    with tenant.context():
        evidence = Evidence.objects.get(pk=accepted.json()["evidence"])
        assert (evidence.sha256, evidence.supplier_id, evidence.kind) == (
            document.sha256, link.client_supplier_id, "hds_certificate")
        assert evidence.organisation_id == tenant.organisation.pk and evidence.file.name != document.file.name
        with evidence.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == document.sha256
        assert list(AuditEvent.objects.filter(action__startswith="evidence_request").order_by("seq")
                    .values_list("action", flat=True)) == [
            "evidence_request.created", "evidence_request.submitted", "evidence_request.accepted"]
    with host.context():
        assert list(AuditEvent.objects.filter(action__startswith="incoming_evidence_request").order_by("seq")
                    .values_list("action", flat=True)) == [
            "incoming_evidence_request.received", "incoming_evidence_request.answered"]
    assert host_client.get(f"{INBOX}{request.pk}/").json()["status"] == "accepted"
    assert host_client.get(f"{INBOX}?status=requested").json()["results"] == []


@pytest.mark.usefixtures("frozen")
def test_a_new_file_is_checked_like_any_upload(tenant, client_for, link, host_client,
                                              django_capture_on_commit_callbacks):
    request = _ask(tenant, client_for, link, django_capture_on_commit_callbacks, kinds=("dpa", "hds_certificate"))
    url = f"{INBOX}{request.pk}/answer/"
    refused = host_client.post(url, {"file": SimpleUploadedFile("dpa.pdf", b"MZ not a pdf")}, format="multipart")
    assert (refused.status_code, refused.json()["code"]) == (400, "kind_required")
    refused = host_client.post(url, {"file": SimpleUploadedFile("dpa.pdf", b"MZ not a pdf"), "kind": "dpa"},
                               format="multipart")
    assert (refused.status_code, refused.json()["code"]) == (400, "evidence_type_not_allowed")
    pdf = minimal_pdf("DPA signé")
    answered = host_client.post(url, {"file": SimpleUploadedFile("dpa.pdf", pdf), "kind": "dpa"},
                                format="multipart")
    assert answered.status_code == 200, answered.json()
    assert (answered.json()["submitted"]["sha256"], answered.json()["answered_with"]) == (
        hashlib.sha256(pdf).hexdigest(), None)
    again = host_client.post(url, {"file": SimpleUploadedFile("dpa.pdf", pdf), "kind": "dpa"}, format="multipart")
    assert (again.status_code, again.json()["code"]) == (409, "evidence_request_closed")


def test_what_the_provider_may_not_send(tenant, other_tenant, client_for, host, link, host_client,
                                        django_capture_on_commit_callbacks):
    request = _ask(tenant, client_for, link, django_capture_on_commit_callbacks)
    url = f"{INBOX}{request.pk}/answer/"
    with other_tenant.context():
        foreign = services.evidence_upload(actor=Actor.system("test"), kind="hds_certificate",
                                           file=SimpleUploadedFile("c.pdf", minimal_pdf("voisin")))
    refused = host_client.post(url, {"evidence": foreign.pk}, format="json")
    assert (refused.status_code, list(refused.json()["errors"])) == (400, ["evidence"])
    refused = host_client.post(url, {"evidence": host.dpa.pk}, format="json")  # a DPA; a certificate is asked
    assert (refused.status_code, refused.json()["code"]) == (400, "kind_not_requested")
    refused = host_client.post(url, {}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "answer_required")
    with tenant.context():
        assert EvidenceRequest.objects.get(pk=request.pk).status == EvidenceRequestStatus.REQUESTED


def test_only_the_linked_provider_sees_the_request(tenant, other_tenant, client_for, link,
                                                   django_capture_on_commit_callbacks):
    request = _ask(tenant, client_for, link, django_capture_on_commit_callbacks)
    outsider = client_for(user=other_tenant.owner)
    base = "/api/v1/orgs/voisin/incoming-evidence-requests/"
    assert outsider.get(base).json()["results"] == []
    assert outsider.get(f"{base}{request.pk}/").status_code == 404
    assert outsider.post(f"{base}{request.pk}/answer/", {}, format="json").status_code == 404
    # The requester's own inbox does not show what it sent.
    assert client_for(user=tenant.owner).get("/api/v1/orgs/tilleuls/incoming-evidence-requests/").json()[
        "results"] == []


def test_a_request_to_an_unlinked_supplier_goes_to_its_contact_only(tenant, client_for, link, host_client,
                                                                     django_capture_on_commit_callbacks):
    with tenant.context():
        supplier = services.supplier_create(actor=Actor.system("test"), name="Infogérant")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user=tenant.owner).post("/api/v1/orgs/tilleuls/evidence-requests/", {
            "supplier": supplier.pk, "kinds": ["dpa"], "contact_email": "c@infogerant.example"}, format="json")
    assert response.status_code == 201
    assert EvidenceRequest.all_organisations.get(pk=response.json()["id"]).addressed_organisation_id is None
    assert response.json()["addressed_to"] is None
    assert host_client.get(INBOX).json()["results"] == []
    assert [message.to for message in mail.outbox] == [["c@infogerant.example"]]


def test_an_ended_link_takes_the_request_out_of_the_inbox(tenant, client_for, host, link, host_client,
                                                          django_capture_on_commit_callbacks):
    request = _ask(tenant, client_for, link, django_capture_on_commit_callbacks)
    assert host_client.post(f"/api/v1/orgs/azur/clients/{link.pk}/end/").status_code == 200
    # Before the end reaches the client's organisation: gone from the inbox, the answer refused.
    assert host_client.get(INBOX).json()["results"] == []
    assert host_client.get(f"{INBOX}{request.pk}/").status_code == 404
    refused = host_client.post(f"{INBOX}{request.pk}/answer/", {"evidence": host.certificate.evidence_id},
                               format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "provider_link_ended")
    # Once it has: the request is no longer addressed to the provider at all.
    with tenant.context():
        services.link_sync(ClientLink.all_organisations.get(pk=link.pk), announce=False)
        assert EvidenceRequest.objects.get(pk=request.pk).addressed_organisation_id is None
    assert host_client.post(f"{INBOX}{request.pk}/answer/", {"evidence": host.certificate.evidence_id},
                            format="json").status_code == 404


def test_a_rejection_lets_the_provider_answer_again(tenant, client_for, host, link, host_client,
                                                    django_capture_on_commit_callbacks):
    request = _ask(tenant, client_for, link, django_capture_on_commit_callbacks)
    assert host_client.post(f"{INBOX}{request.pk}/answer/", {"evidence": host.certificate.evidence_id},
                            format="json").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        rejected = client_for(user=tenant.owner).post(f"/api/v1/orgs/tilleuls/evidence-requests/{request.pk}/reject/",
                                                      {"reason": "Page 2 manquante."}, format="json")
    assert rejected.status_code == 200
    detail = host_client.get(f"{INBOX}{request.pk}/").json()
    assert (detail["status"], detail["rejection_reason"], detail["submitted"]) == (
        "rejected", "Page 2 manquante.", None)
    assert host_client.post(f"{INBOX}{request.pk}/answer/", {"evidence": host.certificate.evidence_id},
                            format="json").json()["status"] == "submitted"


def test_a_viewer_reads_the_inbox_but_cannot_answer(tenant, client_for, host, link,
                                                    django_capture_on_commit_callbacks):
    request = _ask(tenant, client_for, link, django_capture_on_commit_callbacks)
    viewer = UserFactory()
    with host.context():
        Membership.objects.create(user=viewer, role=Role.VIEWER)
    client = client_for(user=viewer)
    assert client.get(f"{INBOX}{request.pk}/").status_code == 200
    assert client.post(f"{INBOX}{request.pk}/answer/", {"evidence": host.dpa.pk}, format="json").status_code == 403


# The web pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "title", "button"), [
    ("fr", "Demandes reçues", "Transmettre au client"),
    ("en", "Requests received", "Send to the client"),
])
def test_the_pages_list_and_answer_from_documents_held(tenant, client_for, host, link, client,
                                                       django_capture_on_commit_callbacks, language, title, button):
    request = _ask(tenant, client_for, link, django_capture_on_commit_callbacks)
    owner = User.objects.get(email="owner@azur.example")
    client.force_login(owner)
    client.cookies["django_language"] = language
    listed = client.get("/o/azur/demandes/recues/", HTTP_ACCEPT_LANGUAGE=language)
    assert listed.status_code == 200
    assert title in listed.content.decode() and "Clinique des Tilleuls" in listed.content.decode()
    page = client.get(f"/o/azur/demandes/recues/{request.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert button in page
    document = host.certificate.evidence
    assert f'<option value="{document.pk}">' in page and f'<option value="{host.dpa.pk}">' not in page
    answered = client.post(f"/o/azur/demandes/recues/{request.pk}/repondre/", {"evidence": document.pk},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert answered.status_code == 302 and answered["Location"] == f"/o/azur/demandes/recues/{request.pk}/"
    with tenant.context():
        assert EvidenceRequest.objects.get(pk=request.pk).submitted_sha256 == document.sha256
    # Another organisation's member finds nothing there.
    client.force_login(tenant.owner)
    assert client.get(f"/o/tilleuls/demandes/recues/{request.pk}/").status_code == 404


# Row-level security ----------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_POSTGRES)
def test_under_the_runtime_role_the_provider_reads_and_answers_only_what_is_addressed_to_it(
        tenant, other_tenant, client_for, host, link, host_client, django_capture_on_commit_callbacks):
    require_roles()
    request = _ask(tenant, client_for, link, django_capture_on_commit_callbacks)
    with tenant.context():
        services.evidence_request_create(actor=Actor.system("test"), supplier=services.supplier_create(
            actor=Actor.system("test"), name="Autre"), kinds=["dpa"], contact_email="c@autre.example")
    with app_connection_as_runtime_role():
        with organisation_context(host.organisation):
            # Row-level security alone (no code filter): the one row addressed to the provider.
            assert list(EvidenceRequest.all_organisations.values_list("pk", flat=True)) == [request.pk]
        clear_organisation_setting()
        with organisation_context(other_tenant.organisation):
            assert list(EvidenceRequest.all_organisations.values_list("pk", flat=True)) == []
        clear_organisation_setting()
        assert [row["id"] for row in host_client.get(INBOX).json()["results"]] == [request.pk]
        clear_organisation_setting()
        answered = host_client.post(f"{INBOX}{request.pk}/answer/", {"evidence": host.certificate.evidence_id},
                                    format="json")
        assert answered.status_code == 200, answered.json()
        clear_organisation_setting()
    with tenant.context():
        assert EvidenceRequest.objects.get(pk=request.pk).status == EvidenceRequestStatus.SUBMITTED
