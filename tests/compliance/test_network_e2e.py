"""The network end to end on PostgreSQL, a real Celery worker and a real Redis (tests/realworker.py).

A hosting company invites a client by e-mail; a person with no account accepts, creating the
client organisation, and applies the offer's chain template to a processing, which reads
compliant. The host's certificate is then suspended: the worker re-evaluates the client's
processing (non-compliant), raises one alert and delivers one signed
``provider.certificate_changed`` webhook. The host's dashboard shows the client's status only
while the client consents.
"""

import json

import pytest
from django.core import mail
from django.test import Client

from compliance.models import Alert, ConformityResult, Processing, WebhookDelivery
from compliance.monitoring.webhooks import catalogue
from hds_platform.models import Organisation, User
from hds_platform.tenancy import organisation_context
from tests.compliance.monitoring.alerting import make_endpoint
from tests.compliance.network_builders import CLIENT_SIREN, host_organisation, hosting_offer, token_in
from tests.factories import COMPLETE_REGISTER
from tests.realworker import Worker, broker, needs_real_services, wait_until

pytestmark = [needs_real_services, pytest.mark.celery_worker, pytest.mark.postgres]

WORKER_ENV = {"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true", "WEBHOOK_EXTRA_PORTS": "1024-65535"}


def _status(organisation, processing_id):
    with organisation_context(organisation):
        result = ConformityResult.objects.filter(processing_id=processing_id).first()
        return result.status if result else None


def _client_conformity(host_api):
    clients = host_api.get("/api/v1/orgs/azur/clients/").json()["results"]
    assert len(clients) == 1
    return clients[0]["conformity"]


def test_a_hosting_company_onboards_a_client_whose_chain_follows_its_certificate(
    transactional_db, redis_server, receiver, media, client_for,
):
    host = hosting_offer(host_organisation())  # in-process, before the worker starts
    host_api = client_for(user=User.objects.get(email="owner@azur.example"))

    with broker(redis_server.url):
        worker = Worker(redis_server.url, env=WORKER_ENV)
        worker.start()
        try:
            invited = host_api.post("/api/v1/orgs/azur/clients/invitations/", {
                "name": "Clinique du Nord", "siren": CLIENT_SIREN, "email": "dsi@clinique-nord.example",
                "offers": [host.offer.pk]}, format="json")
            assert invited.status_code == 201, invited.json()
            assert [message.to for message in mail.outbox] == [["dsi@clinique-nord.example"]]
            token = token_in(mail.outbox[0].body)

            # A person with no account opens the link, creates it and the client organisation.
            browser = Client()
            assert browser.get(f"/reseau/invitations/{token}/").status_code == 200
            accepted = browser.post(f"/reseau/invitations/{token}/", {
                "action": "signup", "email": "dsi@clinique-nord.example", "password": "Un mot de passe solide 42!",
                "organisation_name": "Clinique du Nord", "siren": CLIENT_SIREN})
            assert accepted.status_code == 302
            client_org = Organisation.objects.get(name="Clinique du Nord")
            client_api = client_for(user=User.objects.get(email="dsi@clinique-nord.example"))
            base = f"/api/v1/orgs/{client_org.slug}"
            link = client_api.get(f"{base}/providers/").json()[0]

            created = client_api.post(f"{base}/processings/", {
                "name": "Dossier patient", "health_data": True, "identifiability": "identified",
                "hosting_mode": "outsourced", "dpia_required": True, "dpia_done": True, **COMPLETE_REGISTER,
            }, format="json")
            assert created.status_code == 201, created.json()
            processing_id = created.json()["id"]
            applied = client_api.post(f"{base}/providers/{link['id']}/apply-offer/",
                                      {"offer": host.offer.pk, "processing": processing_id}, format="json")
            assert applied.status_code == 201, applied.json()
            wait_until(lambda: _status(client_org, processing_id) == "compliant", timeout=60)

            with organisation_context(client_org):
                endpoint = make_endpoint(receiver.url, [catalogue.PROVIDER_CERTIFICATE_CHANGED],
                                         version=catalogue.VERSION)
                alerts_before = set(Alert.objects.values_list("pk", flat=True))
            # No consent yet: the host sees that the client accepted, not its status.
            assert _client_conformity(host_api) is None
            consent = client_api.patch(f"{base}/providers/{link['id']}/", {"share_status": True}, format="json")
            assert (consent.status_code, consent.json()["share_status"]) == (200, True)
            assert _client_conformity(host_api) == {"status": "compliant", "processings": {"compliant": 1},
                                                    "chain_declared": True}

            suspended = host_api.patch(f"/api/v1/orgs/azur/certificates/{host.certificate.pk}/",
                                       {"status": "suspended"}, format="json")
            assert suspended.status_code == 200, suspended.json()
            wait_until(lambda: len(receiver.requests) >= 1, timeout=60)
            with organisation_context(client_org):
                wait_until(lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 1)
            assert "network_link_sync" in worker.output()
        finally:
            worker.stop()

    assert _status(client_org, processing_id) == "non_compliant"
    assert _client_conformity(host_api) == {"status": "non_compliant", "processings": {"non_compliant": 1},
                                            "chain_declared": True}
    with organisation_context(client_org):
        alert = Alert.objects.exclude(pk__in=alerts_before).get()
        assert (alert.kind, alert.severity) == ("provider_certificate_changed", "error")
        assert Processing.objects.count() == 1
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    receiver.verify(endpoint.secret, request)  # raises InvalidSignature otherwise
    body = json.loads(request.body)
    assert (body["type"], body["organisation"]) == ("provider.certificate_changed", client_org.slug)
    data = body["data"]
    assert (body["version"], data["alert"], data["provider"]["name"]) == ("2026-12-01", alert.pk, "Hébergeur Azur")
    assert [(c["change"], c["offers"], c["certificate"]["certificate_number"], c["certificate"]["status"])
            for c in data["changes"]] == [
        ("suspended", [{"id": host.offer.pk, "name": "Hébergement HDS managé"}],
         host.certificate.certificate_number, "suspended")]
    assert data["processings"] == [{"id": processing_id, "name": "Dossier patient", "from_status": "compliant",
                                    "to_status": "non_compliant"}]

    # Consent withdrawn: the status disappears from the host's dashboard.
    withdrawn = client_api.patch(f"{base}/providers/{link['id']}/", {"share_status": False}, format="json")
    assert withdrawn.status_code == 200
    assert _client_conformity(host_api) is None
