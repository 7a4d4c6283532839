"""The alerts inbox, notification preferences, webhook pages, the first-run checklist and the
developer corner: content, permissions (member, owner, other organisation) and what they change."""

import re
from datetime import date
from html import unescape

import pytest

from compliance.models import Alert, NotificationPreference, Processing, WebhookDelivery, WebhookEndpoint
from compliance.monitoring import alerts
from compliance.monitoring.webhooks import services as webhook_services
from hds_platform.audit import Actor
from hds_platform.models import AuditEvent
from tests.compliance import builders
from tests.compliance.monitoring.alerting import make_endpoint
from tests.compliance.web.pages import covered_chain, evaluate, registry_host

PUBLIC_IP = "93.184.215.14"


def text(response) -> str:
    return unescape(response.content.decode())


def url(tenant, path):
    return f"/o/{tenant.organisation.slug}/{path}"


def _alert(tenant, n, *, kind="certificate_expiring", severity="warning", status="open", supplier=None):
    with tenant.context():
        [alert] = alerts.raise_alerts(tenant.organisation, [Alert(
            kind=kind, severity=severity, status=status, dedupe_key=f"test:{n}", threshold=30, supplier=supplier,
            data={"certificate": {"kind_label": "HDS", "number": f"N-{n}"}, "expires_on": f"2027-01-0{n}",
                  "threshold": 30, "supplier": {"name": supplier.name} if supplier else None})])
    return alert


# Alerts inbox ----------------------------------------------------------------------------------


def test_the_inbox_lists_unresolved_alerts_first_and_filters(client, tenant):
    with tenant.context():
        supplier = builders.supplier("Nuage Souverain")
    first = _alert(tenant, 1, supplier=supplier)
    _alert(tenant, 2, kind="certificate_expired", severity="error")
    _alert(tenant, 3, status="resolved")
    client.force_login(tenant.members["viewer"])
    page = text(client.get(url(tenant, "alertes/")))
    titles = re.findall(r"<strong>([^<]+)</strong>", page)
    assert titles == ["Le certificat HDS N-2 de votre organisation a expiré le 2 janvier 2027",
                      "Le certificat HDS N-1 de Nuage Souverain expire le 1 janvier 2027"]
    assert f'<a href="/o/tilleuls/fournisseurs/{supplier.pk}/">Nuage Souverain</a>' in page
    # A viewer reads, and gets no button.
    assert "Prendre en compte" not in page and "Résoudre" not in page
    assert '<span class="nav-count">2<span class="visually-hidden"> non résolues</span></span>' in page
    resolved = text(client.get(url(tenant, "alertes/?status=resolved")))
    assert re.findall(r"<strong>([^<]+)</strong>", resolved) == [
        "Le certificat HDS N-3 de votre organisation expire le 3 janvier 2027"]
    errors = text(client.get(url(tenant, "alertes/?status=&severity=error")))
    assert re.findall(r"<strong>([^<]+)</strong>", errors) == [
        "Le certificat HDS N-2 de votre organisation a expiré le 2 janvier 2027"]
    assert client.get(url(tenant, "alertes/?kind=nope")).status_code == 400
    assert first.pk


def test_acknowledge_and_resolve_with_and_without_htmx(client, tenant):
    alert = _alert(tenant, 1)
    client.force_login(tenant.members["editor"])
    assert '<span class="nav-count">1' in text(client.get(url(tenant, "alertes/")))
    response = client.post(url(tenant, f"alertes/{alert.pk}/prise-en-compte/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = text(response)
    assert fragment.strip().startswith(f'<li id="alert-{alert.pk}">')
    assert "Prise en compte" in fragment and "prise en compte par editor@tilleuls.example" in fragment
    assert "Alerte prise en compte." in fragment and "Prendre en compte<" not in fragment
    again = client.post(url(tenant, f"alertes/{alert.pk}/prise-en-compte/"), HTTP_HX_REQUEST="true")
    assert again.status_code == 409 and "Cette alerte n'est plus ouverte." in text(again)
    response = client.post(url(tenant, f"alertes/{alert.pk}/resolue/"), {"next": url(tenant, "alertes/")})
    assert response["Location"] == url(tenant, "alertes/")
    page = text(client.get(response["Location"]))
    assert "Alerte résolue." in page and "nav-count" not in page  # the count was forgotten at once
    with tenant.context():
        alert.refresh_from_db()
        assert (alert.status, alert.resolved_by) == ("resolved", tenant.members["editor"])
        assert list(AuditEvent.objects.filter(action__startswith="alert.").order_by("seq")
                    .values_list("action", flat=True)) == ["alert.acknowledged", "alert.resolved"]


def test_a_viewer_cannot_act_and_an_outsider_gets_404(client, tenant, other_tenant):
    alert = _alert(tenant, 1)
    client.force_login(tenant.members["viewer"])
    assert client.post(url(tenant, f"alertes/{alert.pk}/resolue/")).status_code == 403
    client.force_login(other_tenant.owner)
    assert client.get(url(tenant, "alertes/")).status_code == 404
    assert client.get(url(tenant, "notifications/")).status_code == 404
    assert client.post(url(tenant, "notifications/"), {"digest": "never", "language": "fr"}).status_code == 404
    assert client.post(url(tenant, f"alertes/{alert.pk}/resolue/")).status_code == 404
    assert client.post(url(other_tenant, f"alertes/{alert.pk}/resolue/")).status_code == 404
    with tenant.context():
        alert.refresh_from_db()
        assert alert.status == "open"
        assert NotificationPreference.objects.count() == 0


def test_the_dashboard_shows_the_latest_unresolved_alerts(client, tenant):
    _alert(tenant, 1)
    client.force_login(tenant.owner)
    page = text(client.get(url(tenant, "")))
    section = page[page.index('id="alerts-title"'):page.index('id="action-title"')]
    assert re.findall(r"<strong>([^<]+)</strong>", section) == [
        "Le certificat HDS N-1 de votre organisation expire le 1 janvier 2027"]


def test_notification_preferences_are_each_members_own(client, tenant):
    client.force_login(tenant.members["viewer"])
    page = text(client.get(url(tenant, "notifications/")))
    assert "Fréquence actuelle : Hebdomadaire." in page
    response = client.post(url(tenant, "notifications/"), {"digest": "daily", "kinds": ["certificate_expired"],
                                                           "language": "en"})
    assert response["Location"] == url(tenant, "notifications/")
    viewer = tenant.members["viewer"]
    viewer.refresh_from_db()
    assert viewer.language == "en"
    with tenant.context():
        preference = NotificationPreference.objects.get(user=viewer)
        assert (preference.digest, preference.kinds) == ("daily", ["certificate_expired"])
        assert not NotificationPreference.objects.filter(user=tenant.owner).exists()
    bad = client.post(url(tenant, "notifications/"), {"digest": "hourly", "language": "fr"})
    assert bad.status_code == 400


# Webhooks --------------------------------------------------------------------------------------


@pytest.fixture
def public_dns(monkeypatch):
    """The URL guard resolves host names; these tests use a public address literally."""
    from compliance.monitoring.webhooks import urlguard

    monkeypatch.setattr(urlguard, "_resolve", lambda host, port: [host])


def test_creating_a_webhook_shows_its_secret_once(client, tenant, public_dns):
    client.force_login(tenant.owner)
    response = client.post(url(tenant, "parametres/webhooks/"), {
        "url": f"https://{PUBLIC_IP}/maillon", "description": "Logiciel métier",
        "events": ["conformity.changed", "certificate.expired"]})
    with tenant.context():
        endpoint = WebhookEndpoint.objects.get()
    assert response["Location"] == url(tenant, f"parametres/webhooks/{endpoint.pk}/")
    page = text(client.get(response["Location"]))
    assert f'<code class="secret" id="webhook-secret">{endpoint.secret}</code>' in page
    assert "<li>Statut de conformité d'un traitement modifié</li><li>Certificat expiré</li>" in page
    assert endpoint.events == ["conformity.changed", "certificate.expired"]
    assert endpoint.secret not in text(client.get(response["Location"]))  # a refresh: gone
    edited = client.post(url(tenant, f"parametres/webhooks/{endpoint.pk}/modifier/"), {
        "edit-url": f"https://{PUBLIC_IP}/maillon/v2", "edit-description": "", "edit-events": ["evidence.uploaded"]})
    assert edited["Location"] == url(tenant, f"parametres/webhooks/{endpoint.pk}/")
    refused = client.post(url(tenant, f"parametres/webhooks/{endpoint.pk}/modifier/"), {
        "edit-url": f"https://{PUBLIC_IP}/x", "edit-events": []})
    assert refused.status_code == 400
    assert re.search(r'id="id_edit-events_error"><li>Ce champ est obligatoire\.', text(refused))
    with tenant.context():
        secret = endpoint.secret
        endpoint.refresh_from_db()
        assert (endpoint.url, endpoint.description, endpoint.events, endpoint.secret) == (
            f"https://{PUBLIC_IP}/maillon/v2", "", ["evidence.uploaded"], secret)


def test_webhook_form_errors_come_from_the_url_guard(client, tenant, public_dns):
    client.force_login(tenant.owner)
    response = client.post(url(tenant, "parametres/webhooks/"), {"url": f"http://{PUBLIC_IP}/h",
                                                                 "events": ["conformity.changed"]})
    assert response.status_code == 400
    assert re.search(r'id="id_url_error"><li>', text(response))
    with tenant.context():
        assert WebhookEndpoint.objects.count() == 0


def test_test_ping_and_redelivery_from_the_page(client, tenant, receiver, local_network,
                                                django_capture_on_commit_callbacks):
    with tenant.context():
        endpoint = make_endpoint(receiver.url, ["conformity.changed"])
    client.force_login(tenant.owner)
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(tenant, f"parametres/webhooks/{endpoint.pk}/test/"))
    page = text(client.get(response["Location"]))
    assert "Événement de test envoyé : son résultat apparaît dans le journal des envois." in page
    with tenant.context():
        delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.status, delivery.last_response_status) == ("test.ping", "dead", 500)
    assert "Abandonné" in page and "Renvoyer" in page
    receiver.status = 204
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(tenant, f"parametres/webhooks/{endpoint.pk}/envois/{delivery.pk}/renvoyer/"))
    with tenant.context():
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("succeeded", 1)
        assert AuditEvent.objects.filter(action="webhook.redelivered").count() == 1
    assert len(receiver.requests) == 2
    assert [r.headers["Maillon-Event"] for r in receiver.requests] == ["test.ping", "test.ping"]
    assert len({r.body for r in receiver.requests}) == 1  # the same event (same id), sent again
    again = client.post(url(tenant, f"parametres/webhooks/{endpoint.pk}/envois/{delivery.pk}/renvoyer/"))
    assert "Seul un envoi en échec ou abandonné peut être renvoyé." in text(client.get(again["Location"]))


def test_webhook_pages_are_for_owners_and_admins_and_404_elsewhere(client, tenant, other_tenant):
    with tenant.context():
        endpoint = webhook_services.webhook_endpoint_create(
            actor=Actor.for_user(tenant.owner), url=f"https://{PUBLIC_IP}/h", events=["conformity.changed"])
    paths = ["parametres/webhooks/", f"parametres/webhooks/{endpoint.pk}/"]
    posts = [f"parametres/webhooks/{endpoint.pk}/{action}/"
             for action in ("test", "activation", "supprimer", "modifier")]
    client.force_login(tenant.members["editor"])
    assert [client.get(url(tenant, p)).status_code for p in paths] == [403, 403]
    assert [client.post(url(tenant, p)).status_code for p in posts] == [403, 403, 403, 403]
    client.force_login(other_tenant.owner)
    assert [client.get(url(tenant, p)).status_code for p in paths] == [404, 404]
    assert client.get(url(other_tenant, f"parametres/webhooks/{endpoint.pk}/")).status_code == 404
    assert [client.post(url(other_tenant, p)).status_code for p in posts] == [404, 404, 404, 404]
    client.force_login(tenant.members["admin"])
    assert [client.get(url(tenant, p)).status_code for p in paths] == [200, 200]
    with tenant.context():
        assert WebhookEndpoint.objects.filter(is_active=True).count() == 1
        assert WebhookDelivery.objects.count() == 0


# First-run checklist and developer corner --------------------------------------------------------


def test_the_checklist_follows_the_data_and_disappears_when_all_is_done(client, tenant, media):
    client.force_login(tenant.owner)
    page = text(client.get(url(tenant, "")))
    assert re.findall(r'<li class="(done|todo)">', page) == ["todo"] * 5
    host = registry_host("Nuage Souverain", "HDS-NS-1", expires_on=date(2029, 11, 1))
    with tenant.context():
        builders.processing("Agenda")
    page = text(client.get(url(tenant, "")))
    assert re.findall(r'<li class="(done|todo)">', page) == ["done", "todo", "todo", "todo", "todo"]
    with tenant.context():
        Processing.objects.all().delete()
        processing, supplier, _link = covered_chain()
        supplier.registry_match_status, supplier.registry_host = "confirmed", host
        supplier.save(update_fields=["registry_match_status", "registry_host"])
        evaluate(processing)
    page = text(client.get(url(tenant, "")))
    assert re.findall(r'<li class="(done|todo)">', page) == []
    assert processing.pk


def test_the_developer_corner_gives_base_url_slug_and_curl(client, tenant):
    client.force_login(tenant.members["admin"])
    page = text(client.get(url(tenant, "parametres/jetons/")))
    assert '<code id="api-base">http://testserver/api/v1/</code>' in page
    assert '<code id="api-slug">tilleuls</code>' in page
    assert ('curl -H "Authorization: Bearer $MAILLON_TOKEN" \\\n  http://testserver/api/v1/orgs/tilleuls/conformity/'
            in page)
    assert '<a href="http://testserver/api/docs/">Documentation de l\'API (OpenAPI)</a>' in page
    assert page.count('data-copy="') == 3


def test_the_navigation_count_costs_no_query_once_cached(client, tenant, django_assert_num_queries):
    _alert(tenant, 1)
    _alert(tenant, 2)
    with tenant.context():
        with django_assert_num_queries(1):
            assert alerts.unresolved_count(tenant.organisation) == 2
        with django_assert_num_queries(0):
            assert alerts.unresolved_count(tenant.organisation) == 2
        alerts.forget_unresolved_count(tenant.organisation)
        with django_assert_num_queries(1):
            assert alerts.unresolved_count(tenant.organisation) == 2
