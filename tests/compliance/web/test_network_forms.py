"""The provider's forms of the network: an offer's subcontractors (v2 guarantee-table wording) and
shared documents, revoking a pending client invitation, and the provider profile."""

import pytest

from compliance import services
from compliance.models import ClientInvitation, OfferDocument, OfferSubcontractor, ProviderProfile
from hds_platform.models import AuditEvent
from tests.compliance import builders
from tests.compliance.network_builders import hosting_offer


@pytest.fixture
def host(tenant, media):
    return hosting_offer(tenant.organisation)


@pytest.fixture
def parts(host):
    """Two subcontractors: one certified (with its certificate), one exempted (with a guarantee table)."""
    with host.context():
        certified = builders.supplier("Datacentre Nord")
        exempted = builders.supplier("Infogérance Est")
        certificate = builders.certificate(certified, activities=(1, 2), certificate_number="HDS-NORD-1")
        table = builders.evidence("exemption_proof", title="Tableau des garanties Est")
    return certified, exempted, certificate, table


def _rows(host):
    with host.context():
        return [(r.supplier.name, r.coverage, r.certificate_id, r.exemption_evidence_id, sorted(r.activities),
                 r.stores_health_data) for r in OfferSubcontractor.objects.select_related("supplier")]


def _url(host, suffix=""):
    return f"/o/tilleuls/reseau/offres/{host.offer.pk}/{suffix}"


def test_the_provider_declares_a_certified_and_an_exempted_subcontractor_then_removes_one(tenant, host, parts, client):
    certified, exempted, certificate, table = parts
    client.force_login(tenant.members["editor"])
    page = client.get(_url(host))
    assert page.status_code == 200
    assert "Aucun sous-traitant déclaré." in page.content.decode()
    assert "Tableau des garanties Est" in page.content.decode()

    first = client.post(_url(host), {"action": "subcontractor", "supplier": certified.pk, "coverage": "certified",
                                     "certificate": certificate.pk, "activities": ["1", "2"],
                                     "stores_health_data": "on"})
    second = client.post(_url(host), {"action": "subcontractor", "supplier": exempted.pk, "coverage": "exempted",
                                      "exemption_evidence": table.pk, "certificate": certificate.pk,
                                      "activities": ["6"]})
    assert (first.status_code, first["Location"], second.status_code) == (302, _url(host), 302)
    assert _rows(host) == [("Datacentre Nord", "certified", certificate.pk, None, [1, 2], True),
                           ("Infogérance Est", "exempted", None, table.pk, [6], False)]
    listed = client.get(_url(host)).content.decode()
    assert "HDS-NORD-1" in listed and "Exempté (couvert par l&#x27;audit de l&#x27;hébergeur)" in listed

    # Declaring the same supplier again replaces its declaration; a removal keeps the other one.
    client.post(_url(host), {"action": "subcontractor", "supplier": certified.pk, "coverage": "certified",
                             "certificate": certificate.pk, "activities": ["1"]})
    removed = client.post(_url(host), {"action": "subcontractor_remove", "supplier": exempted.pk})
    assert removed.status_code == 302
    assert _rows(host) == [("Datacentre Nord", "certified", certificate.pk, None, [1], False)]
    with host.context():
        assert AuditEvent.objects.filter(action="offer.updated").count() == 4


def test_a_bad_declaration_is_refused_with_its_reason_and_changes_nothing(tenant, host, parts, client):
    certified, exempted, certificate, _table = parts
    client.force_login(tenant.members["owner"])
    mismatch = client.post(_url(host), {"action": "subcontractor", "supplier": exempted.pk, "coverage": "certified",
                                        "certificate": certificate.pk, "activities": ["5"]})
    no_activity = client.post(_url(host), {"action": "subcontractor", "supplier": certified.pk,
                                           "coverage": "certified", "certificate": certificate.pk})
    no_supplier = client.post(_url(host), {"action": "subcontractor", "supplier": "", "coverage": "certified",
                                           "activities": ["5"]})
    bad_coverage = client.post(_url(host), {"action": "subcontractor", "supplier": certified.pk,
                                            "coverage": "partly", "activities": ["5"]})
    assert [r.status_code for r in (mismatch, no_activity, no_supplier, bad_coverage)] == [400, 400, 400, 400]
    assert "Ce certificat n&#x27;est pas celui de ce sous-traitant." in mismatch.content.decode()
    assert "Choisissez un fournisseur." in no_supplier.content.decode()
    assert _rows(host) == []
    missing = client.post(_url(host), {"action": "subcontractor_remove", "supplier": certified.pk})
    assert missing.status_code == 404


def test_the_provider_chooses_the_documents_shared_with_the_offer(tenant, host, client):
    client.force_login(tenant.members["owner"])
    saved = client.post(_url(host), {"action": "documents", "documents": [str(host.contract.pk)]})
    assert saved.status_code == 302
    with host.context():
        assert list(OfferDocument.objects.values_list("evidence_id", flat=True)) == [host.contract.pk]
    page = client.get(_url(host)).content.decode()
    assert f'name="documents" value="{host.contract.pk}" checked' in page
    assert f'name="documents" value="{host.dpa.pk}">' in page


def test_a_viewer_reads_the_offer_but_cannot_change_it_and_another_organisation_gets_404(
        tenant, host, parts, client, other_tenant):
    certified, _exempted, certificate, _table = parts
    client.force_login(tenant.members["viewer"])
    page = client.get(_url(host))
    refused = client.post(_url(host), {"action": "subcontractor", "supplier": certified.pk, "coverage": "certified",
                                       "certificate": certificate.pk, "activities": ["1"]})
    documents = client.post(_url(host), {"action": "documents"})
    assert (page.status_code, refused.status_code, documents.status_code) == (200, 403, 403)
    assert 'value="subcontractor"' not in page.content.decode()
    assert _rows(host) == []
    with host.context():
        assert OfferDocument.objects.count() == 3

    client.force_login(other_tenant.owner)
    assert client.get(_url(host)).status_code == 404
    assert client.get(f"/o/voisin/reseau/offres/{host.offer.pk}/").status_code == 404
    assert client.post(f"/o/voisin/reseau/offres/{host.offer.pk}/", {"action": "documents"}).status_code == 404


def _invite(host, name="Clinique du Nord"):
    with host.context():
        invitation, _raw = services.client_invitation_create(actor=builders.ACTOR, name=name, siren="",
                                                             email="dsi@nord.example", offers=[host.offer])
    return invitation


def _revoke_url(invitation):
    return f"/o/tilleuls/reseau/clients/invitations/{invitation.pk}/annuler/"


def test_the_provider_sees_when_an_invitation_expires_and_revokes_it_once(tenant, host, client):
    invitation = _invite(host)
    client.force_login(tenant.members["owner"])
    page = client.get("/o/tilleuls/reseau/clients/").content.decode()
    assert f"Expire le {invitation.expires_at:%d/%m/%Y}" in page
    assert (f'action="{_revoke_url(invitation)}" data-confirm="Annuler l\'invitation de Clinique du Nord ? '
            'Son lien ne fonctionnera plus."') in page

    revoked = client.post(_revoke_url(invitation))
    again = client.post(_revoke_url(invitation), follow=True)
    assert (revoked.status_code, revoked["Location"]) == (302, "/o/tilleuls/reseau/clients/")
    assert "Cette invitation n&#x27;est plus en attente." in again.content.decode()
    with host.context():
        assert ClientInvitation.objects.get().status == "revoked"
        assert AuditEvent.objects.filter(action="client_invitation.revoked").count() == 1
    after = client.get("/o/tilleuls/reseau/clients/").content.decode()
    assert "Invitation annulée" in after and f'action="{_revoke_url(invitation)}"' not in after


def test_only_a_manager_of_the_provider_revokes_an_invitation(tenant, host, client, other_tenant):
    invitation = _invite(host)
    for role in ("viewer", "editor"):
        client.force_login(tenant.members[role])
        assert client.post(_revoke_url(invitation)).status_code == 403
    client.force_login(other_tenant.owner)
    assert client.post(_revoke_url(invitation)).status_code == 404
    assert client.post(f"/o/voisin/reseau/clients/invitations/{invitation.pk}/annuler/").status_code == 404
    with host.context():
        assert ClientInvitation.objects.get().status == "pending"


def test_the_provider_profile_is_edited_from_the_offers_page(tenant, host, client):
    client.force_login(tenant.members["viewer"])
    assert client.post("/o/tilleuls/reseau/offres/", {"action": "profile", "description": "x"}).status_code == 403
    client.force_login(tenant.members["owner"])
    saved = client.post("/o/tilleuls/reseau/offres/", {
        "action": "profile", "description": "Hébergeur certifié", "transparency_url": "https://azur.example/t",
        "trust_page_published": "on"})
    assert saved.status_code == 302
    with host.context():
        profile = ProviderProfile.objects.get()
    assert (profile.description, profile.transparency_url, profile.trust_page_published) == (
        "Hébergeur certifié", "https://azur.example/t", True)
    assert client.get("/confiance/tilleuls/").status_code == 200
