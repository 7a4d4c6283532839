"""E-mail digests of new alerts, one per member, in the member's language.

How often a member receives one is their :class:`~compliance.models.NotificationPreference`
(``daily``, ``weekly`` or ``never``); without a choice it follows the role: owners, admins and
editors act on alerts and get a daily digest, viewers and auditors a weekly one. A preference may
also restrict the alert kinds. A digest lists the open alerts created since the member's previous
digest (on the first one: over the last period) and is not sent when there are none.

Each member is handled in a short transaction of their own: the digest is claimed by a
conditional update of ``last_digest_at`` before it is sent, so a task that runs twice, or two
workers at once, send it once. If sending fails the claim rolls back and the next run sends it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from compliance.models import (
    Alert,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    DigestFrequency,
    NotificationPreference,
)
from compliance.monitoring import alerts as alert_texts
from hds_platform import audit, writes
from hds_platform.audit import Actor
from hds_platform.models import Membership, Organisation
from hds_platform.roles import Role
from hds_platform.tenancy import organisation_context

ROLE_DEFAULTS = {
    Role.OWNER: DigestFrequency.DAILY,
    Role.ADMIN: DigestFrequency.DAILY,
    Role.EDITOR: DigestFrequency.DAILY,
    Role.VIEWER: DigestFrequency.WEEKLY,
    Role.AUDITOR: DigestFrequency.WEEKLY,
}
PERIODS = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}
#: The daily schedule may fire a little early or late; a digest due within this margin is sent.
SCHEDULE_SLACK = timedelta(hours=2)
#: Alerts listed in one e-mail; the rest are counted.
LISTED = 50
PREFERENCE_FIELDS = frozenset({"digest", "kinds"})
_SEVERITY_ORDER = Case(
    When(severity=AlertSeverity.ERROR, then=Value(0)), When(severity=AlertSeverity.WARNING, then=Value(1)),
    default=Value(2), output_field=IntegerField(),
)


def frequency_of(preference: NotificationPreference | None, role: str) -> str:
    if preference is not None and preference.digest:
        return preference.digest
    return ROLE_DEFAULTS.get(role, DigestFrequency.WEEKLY)


def send_digests(organisation: Organisation, now: datetime | None = None) -> int:
    """Send the due digests of ``organisation``; return how many were sent. Call with no
    organisation context set: each member gets a transaction of their own."""
    now = now or timezone.now()
    with organisation_context(organisation):
        member_ids = list(
            Membership.objects.filter(user__is_active=True).order_by("id").values_list("pk", flat=True)
        )
    sent = 0
    for membership_id in member_ids:
        with organisation_context(organisation):
            sent += _send_one(organisation, membership_id, now)
    return sent


def _send_one(organisation: Organisation, membership_id: int, now: datetime) -> bool:
    membership = Membership.objects.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        return False
    preference, _created = NotificationPreference.objects.get_or_create(user=membership.user)
    frequency = frequency_of(preference, membership.role)
    if frequency == DigestFrequency.NEVER:
        return False
    period = PERIODS[frequency]
    previous = preference.last_digest_at
    if previous is not None and now - previous < period - SCHEDULE_SLACK:
        return False
    alerts = Alert.objects.filter(status=AlertStatus.OPEN, created_at__gt=previous or now - period,
                                  created_at__lte=now)
    if preference.kinds:
        alerts = alerts.filter(kind__in=preference.kinds)
    total = alerts.count()
    if not total:
        return False
    claimed = NotificationPreference.objects.filter(pk=preference.pk, last_digest_at=previous).update(
        last_digest_at=now)
    if not claimed:
        return False
    listed = list(alerts.order_by(_SEVERITY_ORDER, "-created_at", "-id")[:LISTED])
    digest_message(organisation, membership.user, listed, total).send()
    return True


def digest_message(organisation: Organisation, user, alerts: list[Alert], total: int) -> EmailMultiAlternatives:
    language = user.language if user.language in ("fr", "en") else settings.LANGUAGE_CODE
    with translation.override(language):
        items = []
        for alert in alerts:
            title, message = alert_texts.render(alert, language)
            items.append({"title": title, "message": message, "severity": alert.severity,
                          "severity_label": alert.get_severity_display(), "created_at": alert.created_at})
        context = {
            "organisation": organisation, "user": user, "alerts": items, "total": total,
            "more": total - len(items), "link": f"{settings.SITE_URL}/o/{organisation.slug}/",
        }
        subject = ngettext(
            "Maillon : %(count)d nouvelle alerte pour %(organisation)s",
            "Maillon : %(count)d nouvelles alertes pour %(organisation)s",
            total,
        ) % {"count": total, "organisation": organisation.name}
        text = render_to_string("compliance/email/digest.txt", context)
        html = render_to_string("compliance/email/digest.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    return message


def notification_preference_of(user) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    return preference


def notification_preference_update(*, user, actor: Actor, **fields) -> NotificationPreference:
    """A member changes their own digest frequency (``digest``) or alert kinds (``kinds``)."""
    writes.refuse_unknown_fields(fields, PREFERENCE_FIELDS)
    if "kinds" in fields:
        chosen = set(fields["kinds"])
        fields["kinds"] = [kind for kind in AlertKind.values if kind in chosen]
    with transaction.atomic():
        preference = notification_preference_of(user)
        changes = writes.assign_changes(preference, fields)
        if changes:
            preference.full_clean()
            preference.save()
            audit.record(organisation=preference.organisation, actor=actor, action="notification_preference.updated",
                         target=preference, changes=changes)
    return preference
