"""The network through its API: a hosting company invites a client, the client accepts (with a
new account or as an existing organisation), applies the offer, and certificates flow down."""

from datetime import date

import pytest
from django.core import mail

from compliance.models import (
    Alert,
    Certificate,
    ChainLink,
    ClientInvitation,
    ClientLink,
    ConformityResult,
    Evidence,
    Supplier,
    WebhookDelivery,
)
from compliance.monitoring.webhooks import catalogue
from hds_platform.models import Organisation, OrganisationKind, User
from tests.compliance import builders
from tests.compliance.monitoring.alerting import make_endpoint
from tests.compliance.network_builders import (
    CLIENT_SIREN,
    HOST_SIREN,
    host_organisation,
    hosting_offer,
    invite,
    token_in,
)
from tests.factories import UserFactory, make_organisation

# Real commits: the e-mails and the follow-up work run after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def host(transactional_db, media):
    return hosting_offer(host_organisation())


@pytest.fixture
def host_client(host, client_for):
    return client_for(user=User.objects.get(email="owner@azur.example"))


def _signup(client, token, **fields):
    data = {"email": "dsi@clinique-nord.example", "password": "Un mot de passe solide 42!",
            "organisation_name": "Clinique du Nord", "siren": CLIENT_SIREN, **fields}
    return client.post(f"/reseau/invitations/{token}/", {"action": "signup", **data})


def _client_org():
    return Organisation.objects.get(name="Clinique du Nord")


def _compliant_processing(organisation):
    with builders_context(organisation):
        return builders.processing("Dossier patient", dpia_required=True, dpia_done=True)


def builders_context(organisation):
    from hds_platform.tenancy import organisation_context

    return organisation_context(organisation)


def test_invitation_is_emailed_with_a_single_use_link_whose_secret_is_not_stored(host, host_client):
    response = host_client.post("/api/v1/orgs/azur/clients/invitations/", {
        "name": "Clinique du Nord", "siren": "552 100 554", "email": "DSI@clinique-nord.example",
        "offers": [host.offer.pk]}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("name", "siren", "email", "offers", "status")} == {
        "name": "Clinique du Nord", "siren": CLIENT_SIREN, "email": "dsi@clinique-nord.example",
        "offers": [host.offer.pk], "status": "pending"}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dsi@clinique-nord.example"]
    token = token_in(mail.outbox[0].body)
    with host.context():
        stored = ClientInvitation.objects.get()
    assert token not in stored.token_digest and len(stored.token_digest) == 64


def test_an_invitation_with_a_bad_siren_or_no_offer_is_refused_and_nothing_is_written(host, host_client):
    bad = host_client.post("/api/v1/orgs/azur/clients/invitations/", {
        "name": "X", "siren": "123456789", "email": "x@example.org", "offers": [host.offer.pk]}, format="json")
    none = host_client.post("/api/v1/orgs/azur/clients/invitations/", {
        "name": "X", "siren": "", "email": "x@example.org", "offers": []}, format="json")

    assert (bad.status_code, none.status_code) == (400, 400)
    assert bad.json()["code"] == "invalid" and "siren" in str(bad.json())
    assert none.json()["code"] == "offers_required"
    with host.context():
        assert ClientInvitation.objects.count() == 0
    assert mail.outbox == []


def test_a_person_with_no_account_creates_it_and_the_client_organisation_then_sees_the_shared_rows(host, client):
    token = invite(host)

    response = _signup(client, token)

    assert response.status_code == 302, response.content.decode()[:2000]
    client_org = _client_org()
    assert (client_org.siren, client_org.kind) == (CLIENT_SIREN, OrganisationKind.HEALTH_ESTABLISHMENT)
    assert response.url == f"/o/{client_org.slug}/reseau/prestataires/"
    with builders_context(client_org):
        supplier = Supplier.objects.get()
        assert (supplier.name, supplier.siren, supplier.provider_share) == ("Hébergeur Azur", HOST_SIREN, "active")
        copy = Certificate.objects.get()
        assert (copy.source, copy.shared_from_id, copy.supplier_id, copy.activities) == (
            "provider", host.certificate.pk, supplier.pk, {1, 2, 3, 4, 5})
        assert sorted(Evidence.objects.values_list("kind", flat=True)) == ["dpa", "hds_certificate",
                                                                           "hosting_contract"]
        assert copy.evidence.shared_from_id == host.certificate.evidence_id
    # The link is single use.
    again = _signup(client, token, email="autre@clinique-nord.example", organisation_name="Autre")
    assert again.status_code == 404
    assert "déjà servi" in again.content.decode()
    assert Organisation.objects.filter(name="Autre").count() == 0
    assert User.objects.filter(email="autre@clinique-nord.example").count() == 0


def test_a_bad_siren_at_acceptance_creates_nothing(host, client):
    token = invite(host)

    response = _signup(client, token, siren="552100555")

    assert response.status_code == 400
    assert "SIREN" in response.content.decode()
    assert not Organisation.objects.filter(name="Clinique du Nord").exists()
    assert not User.objects.filter(email="dsi@clinique-nord.example").exists()
    with host.context():
        assert ClientInvitation.objects.get().status == "pending"


def _accepted(host, client_for):
    """An existing organisation accepts through the API; returns (client org, its API client, link id)."""
    owner = UserFactory(email="dpo@clinique-sud.example")
    client_org = make_organisation("Clinique du Sud", owner, kind=OrganisationKind.HEALTH_ESTABLISHMENT)
    api = client_for(user=owner)
    response = api.post(f"/api/v1/orgs/{client_org.slug}/providers/", {"invitation": invite(host)}, format="json")
    assert response.status_code == 201, response.json()
    return client_org, api, response.json()


def test_an_existing_organisation_accepts_applies_the_offer_and_reads_compliant(host, client_for, host_client):
    client_org, api, link = _accepted(host, client_for)
    assert (link["provider"], link["status"], link["share_status"]) == (
        {"name": "Hébergeur Azur", "siren": HOST_SIREN}, "active", False)
    assert [offer["name"] for offer in link["offers"]] == ["Hébergement HDS managé"]
    processing = _compliant_processing(client_org)

    applied = api.post(f"/api/v1/orgs/{client_org.slug}/providers/{link['id']}/apply-offer/",
                       {"offer": host.offer.pk, "processing": processing.pk}, format="json")

    assert applied.status_code == 201, applied.json()
    with builders_context(client_org):
        chain = ChainLink.objects.get()
        assert (chain.supplier_id, chain.activities, chain.storage_countries) == (
            link["supplier"], {1, 2, 3, 4, 5}, ["FR"])
        result = ConformityResult.objects.get(processing=processing)
        assert result.status == "compliant", result.findings
    certificates = api.get(f"/api/v1/orgs/{client_org.slug}/certificates/").json()["results"]
    assert [(c["source"], c["certificate_number"]) for c in certificates] == [
        ("provider", host.certificate.certificate_number)]
    # The copy is read-only.
    refused = api.patch(f"/api/v1/orgs/{client_org.slug}/certificates/{certificates[0]['id']}/",
                        {"status": "valid", "expires_on": "2030-01-01"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "shared_read_only")


def test_the_provider_sees_the_status_only_while_the_client_consents(host, client_for, host_client):
    client_org, api, link = _accepted(host, client_for)
    processing = _compliant_processing(client_org)
    api.post(f"/api/v1/orgs/{client_org.slug}/providers/{link['id']}/apply-offer/",
             {"offer": host.offer.pk, "processing": processing.pk}, format="json")

    hidden = host_client.get("/api/v1/orgs/azur/clients/").json()["results"]
    api.patch(f"/api/v1/orgs/{client_org.slug}/providers/{link['id']}/", {"share_status": True}, format="json")
    shown = host_client.get("/api/v1/orgs/azur/clients/").json()["results"]
    api.patch(f"/api/v1/orgs/{client_org.slug}/providers/{link['id']}/", {"share_status": False}, format="json")
    hidden_again = host_client.get("/api/v1/orgs/azur/clients/").json()["results"]

    assert [(c["client"]["name"], c["share_status"], c["conformity"]) for c in hidden] == [
        ("Clinique du Sud", False, None)]
    assert shown[0]["conformity"] == {"status": "compliant", "processings": {"compliant": 1},
                                      "chain_declared": True}
    assert hidden_again[0]["conformity"] is None


def test_a_suspended_host_certificate_flows_down_as_one_alert_and_one_webhook(host, client_for):
    client_org, api, link = _accepted(host, client_for)
    processing = _compliant_processing(client_org)
    api.post(f"/api/v1/orgs/{client_org.slug}/providers/{link['id']}/apply-offer/",
             {"offer": host.offer.pk, "processing": processing.pk}, format="json")
    with builders_context(client_org):
        endpoint = make_endpoint("https://hooks.example.org/maillon", [catalogue.PROVIDER_CERTIFICATE_CHANGED,
                                                                       catalogue.CONFORMITY_CHANGED],
                                 version=catalogue.VERSION)
        before = set(Alert.objects.values_list("pk", flat=True))

    with host.context():
        from compliance import services

        services.certificate_update(certificate=host.certificate, actor=builders.ACTOR, status="suspended")

    with builders_context(client_org):
        assert ConformityResult.objects.get(processing=processing).status == "non_compliant"
        alert = Alert.objects.exclude(pk__in=before).get()  # one alert, not one per processing
        assert (alert.kind, alert.severity) == ("provider_certificate_changed", "error")
        delivery = WebhookDelivery.objects.get()
        assert (delivery.endpoint_id, delivery.event) == (endpoint.pk, "provider.certificate_changed")
        data = delivery.payload["data"]
        assert delivery.payload["version"] == "2026-12-01"
        assert data["changes"][0]["change"] == "suspended"
        assert data["changes"][0]["offers"] == [{"id": host.offer.pk, "name": "Hébergement HDS managé"}]
        assert data["changes"][0]["certificate"]["certificate_number"] == host.certificate.certificate_number
        assert data["processings"] == [{"id": processing.pk, "name": "Dossier patient",
                                        "from_status": "compliant", "to_status": "non_compliant"}]
        assert Certificate.objects.get().status == "suspended"


def test_a_renewal_replaces_the_shared_copy_without_the_client_doing_anything(host, client_for):
    client_org, _api, _link = _accepted(host, client_for)
    with host.context():
        from compliance import services

        services.certificate_update(certificate=host.certificate, actor=builders.ACTOR, expires_on=date(2030, 12, 1))
    with builders_context(client_org):
        assert Certificate.objects.get().expires_on == date(2030, 12, 1)
        assert Alert.objects.get().data["changes"][0]["change"] == "renewed"


def test_an_ended_link_leaves_the_chain_incomplete_with_a_finding_saying_so(host, client_for, host_client):
    client_org, api, link = _accepted(host, client_for)
    processing = _compliant_processing(client_org)
    api.post(f"/api/v1/orgs/{client_org.slug}/providers/{link['id']}/apply-offer/",
             {"offer": host.offer.pk, "processing": processing.pk}, format="json")

    ended = api.post(f"/api/v1/orgs/{client_org.slug}/providers/{link['id']}/end/")

    assert (ended.status_code, ended.json()["status"], ended.json()["ended_by"]) == (200, "ended", "client")
    with builders_context(client_org):
        result = ConformityResult.objects.get(processing=processing)
        assert result.status == "incomplete"
        assert "coverage.provider_share_ended" in {f["code"] for f in result.findings}
        assert Certificate.objects.count() == 0
    # History stays, on both sides.
    with host.context():
        assert ClientLink.objects.get().status == "ended"
    assert host_client.get("/api/v1/orgs/azur/clients/").json()["results"][0]["ended_by"] == "client"


def test_a_client_sees_neither_the_providers_other_clients_nor_its_register(host, client_for, host_client):
    first_org, first_api, first = _accepted(host, client_for)
    owner = UserFactory(email="dpo@cabinet-est.example")
    second_org = make_organisation("Cabinet de l'Est", owner, kind=OrganisationKind.HEALTH_PROFESSIONAL)
    second_api = client_for(user=owner)
    second = second_api.post(f"/api/v1/orgs/{second_org.slug}/providers/", {"invitation": invite(host)},
                             format="json").json()
    with host.context():
        builders.supplier("Sous-traitant privé de l'hébergeur")

    listed = first_api.get(f"/api/v1/orgs/{first_org.slug}/providers/").json()
    suppliers = first_api.get(f"/api/v1/orgs/{first_org.slug}/suppliers/").json()["results"]

    assert [link["id"] for link in listed] == [first["id"]]
    assert [supplier["name"] for supplier in suppliers] == ["Hébergeur Azur"]
    # The other client's link, through the first client's own route, and the host's routes: 404.
    assert first_api.get(f"/api/v1/orgs/{first_org.slug}/providers/{second['id']}/").status_code == 404
    assert first_api.patch(f"/api/v1/orgs/{first_org.slug}/providers/{second['id']}/", {"share_status": True},
                           format="json").status_code == 404
    assert first_api.post(f"/api/v1/orgs/{first_org.slug}/providers/{second['id']}/end/").status_code == 404
    assert first_api.get("/api/v1/orgs/azur/clients/").status_code == 404
    assert first_api.get("/api/v1/orgs/azur/suppliers/").status_code == 404
    # The host reads its links, never a client's rows.
    assert host_client.get(f"/api/v1/orgs/{first_org.slug}/processings/").status_code == 404
    assert host_client.get(f"/api/v1/orgs/azur/providers/{first['id']}/").status_code == 404
    with host.context():
        assert ClientLink.objects.get(pk=second["id"]).share_status is False


def test_an_invitation_token_links_one_organisation_once(host, client_for):
    token = invite(host)
    owner = UserFactory(email="dpo@clinique-sud.example")
    first = make_organisation("Clinique du Sud", owner, kind=OrganisationKind.HEALTH_ESTABLISHMENT)
    second = make_organisation("Clinique de l'Ouest", owner, kind=OrganisationKind.HEALTH_ESTABLISHMENT)
    api = client_for(user=owner)

    accepted = api.post(f"/api/v1/orgs/{first.slug}/providers/", {"invitation": token}, format="json")
    reused = api.post(f"/api/v1/orgs/{second.slug}/providers/", {"invitation": token}, format="json")
    unknown = api.post(f"/api/v1/orgs/{second.slug}/providers/", {"invitation": "nope"}, format="json")

    assert accepted.status_code == 201
    assert (reused.status_code, reused.json()["code"]) == (404, "invitation_used")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "invitation_invalid")
    assert ClientLink.all_organisations.count() == 1
    with builders_context(second):
        assert Supplier.objects.count() == 0


def test_the_trust_page_is_public_opt_in_and_shows_the_ans_list_match(host, client):
    assert client.get("/confiance/azur/").status_code == 404  # not published yet
    builders.registry_host("HEBERGEUR AZUR", host.certificate.certificate_number)
    with host.context():
        from compliance import services

        services.provider_profile_update(actor=builders.ACTOR, trust_page_published=True,
                                         transparency_url="https://azur.example/transparence")

    page = client.get("/confiance/azur/")

    assert page.status_code == 200
    text = page.content.decode()
    assert host.certificate.certificate_number in text
    assert "Présent (HEBERGEUR AZUR)" in text
    assert "Hébergement HDS managé" in text
    assert "https://azur.example/transparence" in text
    assert client.get("/confiance/inconnu/").status_code == 404


def test_the_pages_of_both_sides(host, client_for):
    client_org, _api, link = _accepted(host, client_for)
    host_pages = client_for(user=User.objects.get(email="owner@azur.example"))
    client_pages = client_for(user=User.objects.get(email="dpo@clinique-sud.example"))

    offers = host_pages.get("/o/azur/reseau/offres/")
    clients = host_pages.get("/o/azur/reseau/clients/")
    providers = client_pages.get(f"/o/{client_org.slug}/reseau/prestataires/")
    consent = client_pages.post(f"/o/{client_org.slug}/reseau/prestataires/{link['id']}/consentement/",
                                {"share_status": "on"}, format="multipart")

    assert (offers.status_code, clients.status_code, providers.status_code, consent.status_code) == (
        200, 200, 200, 302)
    assert "Hébergement HDS managé" in offers.content.decode()
    assert "Clinique du Sud" in clients.content.decode() and "Non partagé par le client" in clients.content.decode()
    assert "Hébergeur Azur" in providers.content.decode()
    with host.context():
        assert ClientLink.objects.get().share_status is True
    # Neither side reaches the other's pages.
    assert host_pages.get(f"/o/{client_org.slug}/reseau/prestataires/").status_code == 404
    assert client_pages.get("/o/azur/reseau/clients/").status_code == 404


def test_a_new_version_of_a_shared_document_replaces_the_clients_copy(host, client_for):
    client_org, _api, _link = _accepted(host, client_for)
    with host.context():
        from compliance import services

        newer = services.evidence_supersede(evidence=host.contract, actor=builders.ACTOR,
                                            file=builders.pdf_upload("contrat-v2.pdf", "Contrat v2"))

    with builders_context(client_org):
        contracts = list(Evidence.objects.filter(kind="hosting_contract").values_list("shared_from_id", "sha256"))
    assert contracts == [(newer.pk, newer.sha256)]
