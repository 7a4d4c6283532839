"""An outsider (member or token of another organisation) reaches nothing of ``org`` and changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from compliance import services as compliance_services
from compliance.demo_data import minimal_pdf
from compliance.models import Evidence, EvidenceRequest, Supplier
from hds_platform.audit import Actor
from hds_platform.models import ApiToken, AuditEvent, Invitation, Membership
from tests import tenant_objects
from tests.hds_platform.test_roles import _state


@pytest.fixture
def objects(tenant, client_for):
    owner = client_for(user=tenant.owner)
    slug = tenant.organisation.slug
    invitation = owner.post(f"/api/v1/orgs/{slug}/invitations/", {"email": "a@example.org", "role": "viewer"}).json()
    token = owner.post(f"/api/v1/orgs/{slug}/tokens/", {"name": "x", "scope": "read"}).json()
    with tenant.context():
        member = Membership.objects.get(user=tenant.members["viewer"]).pk
        seq = AuditEvent.objects.order_by("-seq").first().seq
    return {"members": member, "invitations": invitation["id"], "tokens": token["id"], "audit-events": seq}


@pytest.mark.parametrize("as_token", [False, True], ids=["outsider-member", "outsider-token"])
def test_outsider_gets_404_on_every_route_of_org(tenant, other_tenant, client_for, objects, as_token):
    client = (client_for(token=other_tenant.token(scope="read-write")) if as_token
              else client_for(user=other_tenant.owner))
    before = _state()
    slug = tenant.organisation.slug
    attempts = 0
    for resource, pk in objects.items():
        for method, url in [
            ("get", f"/api/v1/orgs/{slug}/{resource}/"),
            ("get", f"/api/v1/orgs/{slug}/{resource}/{pk}/"),
            ("patch", f"/api/v1/orgs/{slug}/{resource}/{pk}/"),
            ("delete", f"/api/v1/orgs/{slug}/{resource}/{pk}/"),
            ("post", f"/api/v1/orgs/{slug}/{resource}/"),
        ]:
            response = getattr(client, method)(url, {"role": "owner", "email": "z@example.org", "name": "n",
                                                     "scope": "read"})
            attempts += 1
            assert response.status_code == 404, (method, url, response.status_code)
    assert attempts == 20
    assert _state() == before


def test_other_organisations_ids_through_own_route_answer_404(tenant, other_tenant, client_for, objects):
    client = client_for(user=other_tenant.owner)
    before = _state()
    slug = other_tenant.organisation.slug
    for resource, pk in objects.items():
        assert client.get(f"/api/v1/orgs/{slug}/{resource}/{pk}/").status_code == 404
        if resource != "audit-events":
            assert client.patch(f"/api/v1/orgs/{slug}/{resource}/{pk}/", {"role": "viewer"}).status_code in (404, 405)
        if resource in ("invitations", "tokens"):
            assert client.post(f"/api/v1/orgs/{slug}/{resource}/{pk}/revoke/").status_code == 404
    assert _state() == before
    assert Invitation.all_organisations.get().revoked_at is None
    assert ApiToken.all_organisations.get(pk=objects["tokens"]).revoked_at is None


def test_missing_organisation_and_foreign_organisation_answer_alike(tenant, other_tenant, client_for):
    client = client_for(user=other_tenant.owner)
    missing = client.get("/api/v1/orgs/does-not-exist/members/")
    foreign = client.get(f"/api/v1/orgs/{tenant.organisation.slug}/members/")
    assert (missing.status_code, missing.json()) == (foreign.status_code, foreign.json())


# Evidence requests and the supplier import ------------------------------------------------------


@pytest.fixture
def evidence_request(tenant, settings, media):
    """A request of ``tenant`` whose contact has answered, and the raw link it was sent with."""

    request = tenant_objects.FACTORIES["compliance.EvidenceRequest"](tenant)
    with tenant.context():
        return EvidenceRequest.objects.get(pk=request.pk)


def _evidence_request_state(tenant):
    with tenant.context():
        return (list(EvidenceRequest.objects.values_list("pk", "status", "token_digest", "submitted_sha256")),
                Evidence.objects.count(), Supplier.objects.count(), _state())


@pytest.mark.parametrize("as_token", [False, True], ids=["outsider-member", "outsider-token"])
def test_outsider_reaches_no_evidence_request_nor_the_import(tenant, other_tenant, client_for, evidence_request,
                                                             as_token):
    client = (client_for(token=other_tenant.token(scope="read-write")) if as_token
              else client_for(user=other_tenant.owner))
    before = _evidence_request_state(tenant)
    pk = evidence_request.pk
    attempts = []
    for slug in ("tilleuls", "voisin"):  # the victim's URL, then the attacker's own with the victim's id
        base = f"/api/v1/orgs/{slug}/evidence-requests/"
        attempts += [
            client.get(f"{base}{pk}/"), client.get(f"{base}{pk}/file/"),
            client.post(f"{base}{pk}/accept/", {}, format="json"),
            client.post(f"{base}{pk}/reject/", {"reason": "non"}, format="json"),
            client.post(f"{base}{pk}/cancel/"),
        ]
    attempts += [
        client.get("/api/v1/orgs/tilleuls/evidence-requests/"),
        client.post("/api/v1/orgs/tilleuls/evidence-requests/",
                    {"supplier": evidence_request.supplier_id, "kinds": ["dpa"], "contact_email": "x@example.org"},
                    format="json"),
        client.post("/api/v1/orgs/tilleuls/suppliers/import/",
                    {"file": SimpleUploadedFile("f.csv", b"Nom;Pays\r\nIntrus;FR\r\n"), "dry_run": "false"},
                    format="multipart"),
    ]
    assert [response.status_code for response in attempts] == [404] * 13
    # Through its own URL, the victim's supplier id is "does not exist".
    own = client.post("/api/v1/orgs/voisin/evidence-requests/",
                      {"supplier": evidence_request.supplier_id, "kinds": ["dpa"], "contact_email": "x@example.org"},
                      format="json")
    assert (own.status_code, own.json()["errors"]["supplier"][0]["code"]) == (400, "does_not_exist")
    assert client.get("/api/v1/orgs/voisin/evidence-requests/").json()["count"] == 0
    assert _evidence_request_state(tenant) == before


def test_an_upload_link_works_once_for_its_own_request_only(tenant, other_tenant, media,
                                                           django_capture_on_commit_callbacks):
    made = {}
    for side in (tenant, other_tenant):
        with side.context():
            supplier = compliance_services.supplier_create(actor=Actor.system("test"), name="Fournisseur commun")
            made[side.organisation.slug] = compliance_services.evidence_request_create(
                actor=Actor.system("test"), supplier=supplier, kinds=["dpa"], contact_email="c@example.org")
    victim_raw = made["tilleuls"][1]
    anonymous = APIClient()
    pdf = minimal_pdf("dpa")
    first = anonymous.post(f"/depot/{victim_raw}/", {"file": SimpleUploadedFile("dpa.pdf", pdf)},
                           format="multipart", HTTP_ACCEPT="application/json")
    assert first.status_code == 201
    second = anonymous.post(f"/depot/{victim_raw}/", {"file": SimpleUploadedFile("dpa.pdf", pdf)},
                            format="multipart", HTTP_ACCEPT="application/json")
    assert (second.status_code, second.json()["code"]) == (410, "evidence_request_link_used")
    with other_tenant.context():
        untouched = EvidenceRequest.objects.get()
        assert (untouched.status, untouched.submitted_file) == ("requested", "")
    with tenant.context():
        assert EvidenceRequest.objects.get().status == "submitted"
