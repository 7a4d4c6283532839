"""The requester's pages: a new request from a supplier's page, the list, the review."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance import services
from compliance.demo_data import minimal_pdf
from compliance.models import Evidence, EvidenceRequest
from hds_platform.audit import Actor


@pytest.fixture
def supplier(tenant):
    with tenant.context():
        return services.supplier_create(actor=Actor.system("test"), name="Hébergeur Azur",
                                        contact_email="conformite@azur.example")


def test_request_from_the_supplier_page_then_review_and_accept(tenant, client, supplier, media, settings,
                                                               django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://testserver"
    client.force_login(tenant.owner)
    detail = client.get(f"/o/tilleuls/fournisseurs/{supplier.pk}/")
    assert f'href="/o/tilleuls/fournisseurs/{supplier.pk}/demander/"' in detail.content.decode()
    form = client.get(f"/o/tilleuls/fournisseurs/{supplier.pk}/demander/")
    assert form.context["form"].initial["contact_email"] == "conformite@azur.example"
    missing = client.post(f"/o/tilleuls/fournisseurs/{supplier.pk}/demander/", {"contact_email": "c@azur.example"})
    assert missing.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/o/tilleuls/fournisseurs/{supplier.pk}/demander/", {
            "kinds": ["hds_certificate", "dpa"], "contact_email": "conformite@azur.example", "language": "fr",
            "due_date": "", "message": "Merci.", "certificate": ""})
    with tenant.context():
        request = EvidenceRequest.objects.get()
    assert (sent.status_code, sent["Location"]) == (302, f"/o/tilleuls/demandes/{request.pk}/")
    raw = re.search(r"/depot/([\w-]+)/", mail.outbox[0].body).group(1)
    listing = client.get("/o/tilleuls/demandes/")
    assert listing.status_code == 200 and "Hébergeur Azur" in listing.content.decode()
    assert list(client.get("/o/tilleuls/demandes/?etat=submitted").context["requests"]) == []

    services.evidence_request_submit(raw_token=raw, file=SimpleUploadedFile("dpa.pdf", minimal_pdf("x")), kind="dpa")
    review = client.get(f"/o/tilleuls/demandes/{request.pk}/")
    page = review.content.decode()
    assert "dpa.pdf" in page and "Accepter : ajouter aux pièces du fournisseur" in page
    assert client.get(f"/o/tilleuls/demandes/{request.pk}/fichier/").status_code == 200
    accepted = client.post(f"/o/tilleuls/demandes/{request.pk}/accepter/", {"title": "DPA Azur"})
    assert accepted.status_code == 302
    with tenant.context():
        assert EvidenceRequest.objects.get().status == "accepted"
        assert Evidence.objects.get().title == "DPA Azur"


def test_a_viewer_reads_the_requests_but_cannot_act(tenant, client, supplier, media):
    with tenant.context():
        request, _raw = services.evidence_request_create(actor=Actor.system("test"), supplier=supplier,
                                                         kinds=["dpa"], contact_email="c@azur.example")
    client.force_login(tenant.members["viewer"])
    assert client.get(f"/o/tilleuls/demandes/{request.pk}/").status_code == 200
    assert client.post(f"/o/tilleuls/demandes/{request.pk}/annuler/").status_code == 403
    assert client.get(f"/o/tilleuls/fournisseurs/{supplier.pk}/demander/").status_code == 403
    with tenant.context():
        assert EvidenceRequest.objects.get().status == "requested"


def test_the_supplier_form_keeps_the_contact_email(tenant, client, supplier):
    client.force_login(tenant.owner)
    form = client.get(f"/o/tilleuls/fournisseurs/{supplier.pk}/modifier/")
    assert 'name="contact_email"' in form.content.decode()
    edited = client.post(f"/o/tilleuls/fournisseurs/{supplier.pk}/modifier/", {
        "name": "Hébergeur Azur", "country": "FR", "contact_email": "nouveau@azur.example"})
    assert edited.status_code == 302
    with tenant.context():
        supplier.refresh_from_db()
    assert supplier.contact_email == "nouveau@azur.example"
