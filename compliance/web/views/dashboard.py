"""The organisation's dashboard: conformity at a glance and what needs action."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from compliance import evaluation, selectors
from compliance.conformity.horizons import EXPIRY_HORIZON_DAYS
from compliance.models import STATUS_LABELS, Alert, ConformityStatus
from compliance.monitoring import alerts
from compliance.web import pages
from compliance.web.views.alerts import alert_rows
from hds_platform.roles import Perm
from hds_platform.web import organisation_view

DASHBOARD_ALERTS = 5
CARD_ORDER = (ConformityStatus.NON_COMPLIANT, ConformityStatus.INCOMPLETE, ConformityStatus.COMPLIANT,
              ConformityStatus.NOT_APPLICABLE, "")


@organisation_view(Perm.READ, page_cache=True)
@require_GET
def dashboard(request):
    today = timezone.localdate()
    summary = evaluation.conformity_summary(today=today)
    by_status = summary["by_status"]
    cards = [
        {"status": status, "label": STATUS_LABELS[status], "count": by_status[status or "not_evaluated"]}
        for status in CARD_ORDER
    ]
    answers = [
        {"label": label, "counts": [summary[key][status or "not_evaluated"] for status in CARD_ORDER]}
        for label, key in ((_("Chaîne d'hébergement (HDS)"), "by_hosting_status"),
                           (_("Registre (RGPD)"), "by_register_status"))
    ]
    steps = pages.first_run_steps(summary)
    return render(request, "compliance/dashboard.html", {
        "first_run": steps if not all(step.done for step in steps) else [],
        "latest_alerts": alert_rows(Alert.objects.filter(status__in=alerts.OPEN_STATES)
                                    .select_related("acknowledged_by", "resolved_by")
                                    .order_by("-created_at", "-id")[:DASHBOARD_ALERTS], request.organisation),
        "can_act": Perm.WRITE in request.permissions,
        "section": "dashboard",
        "summary": summary,
        "cards": cards,
        "answers": answers,
        "needing_action": pages.processings_needing_action(),
        "expiring": pages.certificates_expiring(today),
        "expiry_horizon_days": EXPIRY_HORIZON_DAYS,
        "uncertified": list(selectors.suppliers(today=today).filter(certificates_valid=0)
                            .order_by("name", "id")[:pages.DASHBOARD_ROWS]),
        "today": today,
    })
