"""E-mail digests: who gets one, how often, in which language; and the preference API."""

import struct
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from compliance.models import Alert, NotificationPreference
from compliance.monitoring import alerts, digests
from compliance.monitoring.tasks import send_digests, send_digests_dispatch
from hds_platform.models import AuditEvent, User

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)

# The English catalogue is filled by the maintainers from the French msgids; these tests compile
# their own, so that they prove the member's language is used without depending on it.
ENGLISH = {
    "Maillon : %(count)d nouvelle alerte pour %(organisation)s\x00"
    "Maillon : %(count)d nouvelles alertes pour %(organisation)s":
        "Maillon: %(count)d new alert for %(organisation)s\x00Maillon: %(count)d new alerts for %(organisation)s",
    "Bonjour %(name)s,": "Hello %(name)s,",
    "Une nouvelle alerte est ouverte pour %(organisation)s :\x00"
    "%(counter)s nouvelles alertes sont ouvertes pour %(organisation)s :":
        "A new alert is open for %(organisation)s:\x00%(counter)s new alerts are open for %(organisation)s:",
    "Voir et traiter les alertes :": "See and handle the alerts:",
    "Voir et traiter les alertes": "See and handle the alerts",
    "Vous recevez ce résumé en tant que membre de l'organisation. Sa fréquence se règle dans vos préférences de "
    "notification.": "You receive this summary as a member of the organisation. Change how often in your "
                     "notification preferences.",
    "Erreur": "Error",
    "Avertissement": "Warning",
}


def write_mo(path, catalogue: dict[str, str]) -> None:
    """A GNU .mo file (the format msgfmt writes), enough for Python's gettext."""
    catalogue = {"": "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n",
                 **catalogue}
    keys = sorted(catalogue)
    ids, strs, entries = b"", b"", []
    for key in keys:
        raw_key, raw_value = key.encode(), catalogue[key].encode()
        entries.append((len(raw_key), len(ids), len(raw_value), len(strs)))
        ids += raw_key + b"\0"
        strs += raw_value + b"\0"
    start = 7 * 4 + 16 * len(keys)
    table = [value for length, offset, _l, _o in entries for value in (length, start + offset)]
    table += [value for _l, _o, length, offset in entries for value in (length, start + len(ids) + offset)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
                     + struct.pack(f"<{len(table)}I", *table) + ids + strs)


@pytest.fixture
def english(settings, tmp_path):
    write_mo(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.mo", ENGLISH)
    settings.LOCALE_PATHS = [tmp_path / "locale"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _raise(tenant, key, kind="certificate_expiring", severity="warning", supplier="Nuage Souverain"):
    data = {"certificate": {"kind_label": "HDS", "number": key}, "supplier": {"name": supplier},
            "expires_on": "2026-12-21", "threshold": 30}
    with tenant.context():
        return alerts.raise_alerts(tenant.organisation, [Alert(kind=kind, severity=severity, dedupe_key=key,
                                                               threshold=30, data=data)])[0]


def _people(tenant):
    editor = tenant.members["editor"]
    editor.language = "en"
    editor.full_name = "Eve Editor"
    editor.save()
    tenant.owner.full_name = "Olga Owner"
    tenant.owner.save()
    with tenant.context():
        NotificationPreference.objects.create(user=tenant.members["admin"], digest="never")


def test_each_member_gets_one_digest_in_their_language(tenant, other_tenant, frozen, english):
    _people(tenant)
    frozen.shift(-timedelta(hours=3))
    _raise(tenant, "HDS-1", severity="warning", supplier="<b>Nuage & Co</b>")
    _raise(tenant, "HDS-2", severity="error")
    _raise(other_tenant, "HDS-9")
    frozen.shift(timedelta(hours=3))

    assert send_digests(tenant.organisation.pk) == 4

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_recipient) == sorted([
        "owner@tilleuls.example", "editor@tilleuls.example", "viewer@tilleuls.example", "auditor@tilleuls.example"])
    french, english_mail = by_recipient["owner@tilleuls.example"], by_recipient["editor@tilleuls.example"]
    assert french.subject == "Maillon : 2 nouvelles alertes pour Clinique des Tilleuls"
    assert english_mail.subject == "Maillon: 2 new alerts for Clinique des Tilleuls"
    assert french.from_email == "Maillon <no-reply@maillon.localhost>"
    assert french.body == (
        "Bonjour Olga Owner,\n\n"
        "2 nouvelles alertes sont ouvertes pour Clinique des Tilleuls :\n\n"
        "[Erreur] Le certificat HDS HDS-2 de Nuage Souverain expire le 21 décembre 2026\n"
        "Le certificat HDS HDS-2 de Nuage Souverain arrive à échéance le 21 décembre 2026 (dans 30 jours ou moins). "
        "Demandez le certificat renouvelé et déposez-le dans Maillon.\n\n"
        "[Avertissement] Le certificat HDS HDS-1 de <b>Nuage & Co</b> expire le 21 décembre 2026\n"
        "Le certificat HDS HDS-1 de <b>Nuage & Co</b> arrive à échéance le 21 décembre 2026 (dans 30 jours ou "
        "moins). Demandez le certificat renouvelé et déposez-le dans Maillon.\n\n"
        "Voir et traiter les alertes : http://127.0.0.1:8000/o/tilleuls/\n\n"
        "Vous recevez ce résumé en tant que membre de l'organisation. Sa fréquence se règle dans vos préférences "
        "de notification.\n"
    )
    assert english_mail.body.splitlines()[:4] == [
        "Hello Eve Editor,", "", "2 new alerts are open for Clinique des Tilleuls:", "",
    ]
    assert "[Error] The HDS certificate HDS-2 of Nuage Souverain expires on Dec. 21, 2026" in english_mail.body
    html, mimetype = english_mail.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="en">' in html
    assert "&lt;b&gt;Nuage &amp; Co&lt;/b&gt;" in html and "<b>Nuage" not in html
    assert '<a href="http://127.0.0.1:8000/o/tilleuls/">See and handle the alerts</a>' in html


def test_a_digest_is_sent_once_per_period_and_only_with_new_alerts(tenant, frozen):
    _people(tenant)
    _raise(tenant, "HDS-1")
    frozen.shift(timedelta(minutes=5))
    assert send_digests(tenant.organisation.pk) == 4
    assert send_digests(tenant.organisation.pk) == 0  # the same task again, or on a second worker

    frozen.shift(timedelta(days=1))
    assert send_digests(tenant.organisation.pk) == 0  # nothing new
    _raise(tenant, "HDS-2")
    frozen.shift(timedelta(hours=1))
    mail.outbox.clear()
    assert send_digests(tenant.organisation.pk) == 2  # daily roles; viewers and auditors wait a week
    assert sorted(m.to[0] for m in mail.outbox) == ["editor@tilleuls.example", "owner@tilleuls.example"]
    assert [m.subject for m in mail.outbox if m.to == ["owner@tilleuls.example"]] == [
        "Maillon : 1 nouvelle alerte pour Clinique des Tilleuls"]

    frozen.shift(timedelta(days=6))
    mail.outbox.clear()
    assert send_digests(tenant.organisation.pk) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["auditor@tilleuls.example", "viewer@tilleuls.example"]
    assert [m.subject for m in mail.outbox] == ["Maillon : 1 nouvelle alerte pour Clinique des Tilleuls"] * 2


def test_kinds_and_resolved_alerts_are_left_out(tenant, frozen):
    with tenant.context():
        NotificationPreference.objects.create(user=tenant.owner, digest="daily", kinds=["conformity_changed"])
    _raise(tenant, "HDS-1")
    resolved = _raise(tenant, "HDS-2")
    Alert.all_organisations.filter(pk=resolved.pk).update(status="resolved")
    frozen.shift(timedelta(minutes=5))
    send_digests(tenant.organisation.pk)
    assert "owner@tilleuls.example" not in [m.to[0] for m in mail.outbox]
    assert {m.subject for m in mail.outbox} == {"Maillon : 1 nouvelle alerte pour Clinique des Tilleuls"}


def test_inactive_people_get_nothing_and_the_dispatcher_covers_every_organisation(
    tenant, other_tenant, frozen, django_capture_on_commit_callbacks,
):
    User.objects.filter(pk=tenant.members["viewer"].pk).update(is_active=False)
    _raise(tenant, "HDS-1")
    _raise(other_tenant, "HDS-1")
    frozen.shift(timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):  # the fan-out goes through the outbox
        assert send_digests_dispatch() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([
        "owner@tilleuls.example", "admin@tilleuls.example", "editor@tilleuls.example",
        "auditor@tilleuls.example", "owner@voisin.example"])


def test_a_failed_send_is_retried_by_the_next_run(tenant, frozen, monkeypatch):
    _raise(tenant, "HDS-1")
    frozen.shift(timedelta(minutes=5))
    original = digests.EmailMultiAlternatives.send

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(digests.EmailMultiAlternatives, "send", refuse)
    with pytest.raises(ConnectionRefusedError):
        send_digests(tenant.organisation.pk)
    monkeypatch.setattr(digests.EmailMultiAlternatives, "send", original)
    assert send_digests(tenant.organisation.pk) == 5
    with tenant.context():
        assert NotificationPreference.objects.filter(last_digest_at=NOW + timedelta(minutes=5)).count() == 5


# Preference API --------------------------------------------------------------------------------


def _preference_url(tenant):
    return f"/api/v1/orgs/{tenant.organisation.slug}/notifications/preference/"


def test_a_member_reads_and_changes_their_own_digest(tenant, client_for):
    client = client_for(user=tenant.members["viewer"])
    assert client.get(_preference_url(tenant)).json() == {
        "digest": None, "effective_digest": "weekly", "kinds": [], "last_digest_at": None}
    response = client.patch(_preference_url(tenant), {"digest": "daily",
                                                      "kinds": ["conformity_changed", "certificate_expired"]})
    assert response.status_code == 200
    assert response.json() == {"digest": "daily", "effective_digest": "daily",
                               "kinds": ["certificate_expired", "conformity_changed"], "last_digest_at": None}
    with tenant.context():
        assert NotificationPreference.objects.get(user=tenant.members["viewer"]).digest == "daily"
        assert NotificationPreference.objects.filter(user=tenant.owner).exists() is False
        assert AuditEvent.objects.get(action="notification_preference.updated").changes == {
            "digest": ["", "daily"], "kinds": [[], ["certificate_expired", "conformity_changed"]]}


def test_preferences_belong_to_people_not_tokens_and_are_validated(tenant, client_for):
    token = client_for(token=tenant.token())
    response = token.get(_preference_url(tenant))
    assert (response.status_code, response.json()["code"]) == (403, "person_required")
    invalid = client_for(user=tenant.owner).patch(_preference_url(tenant), {"digest": "hourly"})
    assert (invalid.status_code, invalid.json()["errors"]["digest"][0]["code"]) == (400, "invalid_choice")
