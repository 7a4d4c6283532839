"""The alerts inbox (filters, acknowledge, resolve) and each member's notification preferences.

The writes are :mod:`compliance.monitoring.alerts` and :mod:`compliance.monitoring.digests`;
the unresolved count of the navigation is :func:`compliance.monitoring.alerts.unresolved_count`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance.models import Alert
from compliance.monitoring import alerts, digests
from compliance.web.alert_forms import AlertFilterForm, NotificationPreferenceForm
from compliance.web.views._shared import REFUSALS, _actor, _refused
from hds_platform import services as platform_services
from hds_platform.forms import add_service_error
from hds_platform.roles import Perm
from hds_platform.web import organisation_view

PAGE_SIZE = 25


def alert_rows(queryset, organisation) -> list[dict]:
    """Alerts with their title and message in the page's language, and a link to what they are about."""
    rows = []
    for alert in queryset:
        title, message = alerts.render(alert)
        target = _target(alert)
        link = None
        if target is not None:
            name, text, kwargs = target
            link = {"url": reverse(name, kwargs={"org": organisation.slug, **kwargs}), "text": text}
        rows.append({"alert": alert, "title": title, "message": message, "target": link})
    return rows


def _target(alert: Alert) -> tuple[str, str, dict] | None:
    """(url name, link text, url kwargs) of the object the alert is about, when it still exists."""
    data = alert.data or {}
    if alert.processing_id:
        return ("compliance:processing-detail", (data.get("processing") or {}).get("name") or _("Traitement"),
                {"pk": alert.processing_id})
    if alert.supplier_id:
        return ("compliance:supplier-detail", (data.get("supplier") or {}).get("name") or _("Fournisseur"),
                {"pk": alert.supplier_id})
    if alert.certificate_id:
        return ("compliance:certificate-list", _("Certificats"), {})
    if alert.evidence_id:
        return ("compliance:evidence-list", _("Preuves"), {})
    return None


@organisation_view(Perm.READ)
@require_GET
def alert_list(request):
    form = AlertFilterForm(request.GET or None)
    queryset = Alert.objects.select_related("acknowledged_by", "resolved_by").order_by("-created_at", "-id")
    if form.is_valid():
        for name in ("status", "kind", "severity"):
            value = form.cleaned_data.get(name)
            if value == AlertFilterForm.UNRESOLVED:
                queryset = queryset.filter(status__in=alerts.OPEN_STATES)
            elif value:
                queryset = queryset.filter(**{name: value})
    elif not request.GET:
        queryset = queryset.filter(status__in=alerts.OPEN_STATES)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "compliance/alert_list.html", {
        "section": "alerts", "form": form, "page": page, "rows": alert_rows(page.object_list, request.organisation),
        "query": query.urlencode(), "can_act": Perm.WRITE in request.permissions,
    }, status=200 if form.is_valid() or not request.GET else 400)


def _act(request, pk, service, done: str):
    alert = get_object_or_404(Alert, pk=pk)
    error = ""
    try:
        service(alert=alert, actor=_actor(request))
    except REFUSALS as exc:
        if not request.htmx:
            _refused(request, exc)
        error = exc.message if hasattr(exc, "message") else "; ".join(exc.messages)
    else:
        alerts.forget_unresolved_count(request.organisation)
        if not request.htmx:
            messages.success(request, done)
    if request.htmx:  # the alert's own item, swapped in place
        alert = Alert.objects.select_related("acknowledged_by", "resolved_by").get(pk=pk)
        return render(request, "compliance/_alert_item.html", {
            "row": alert_rows([alert], request.organisation)[0], "can_act": True, "note": error or done,
            "note_is_error": bool(error)},
            status=409 if error else 200)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("compliance:alert-list", org=request.organisation.slug)


@organisation_view(Perm.READ)
@require_POST
def alert_acknowledge(request, pk):
    return _act(request, pk, alerts.alert_acknowledge, _("Alerte prise en compte."))


@organisation_view(Perm.READ)
@require_POST
def alert_resolve(request, pk):
    return _act(request, pk, alerts.alert_resolve, _("Alerte résolue."))


@organisation_view(Perm.READ, write_perm=None)
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    """A member's own e-mail digest (frequency, alert kinds) and the language of their e-mails."""
    preference = digests.notification_preference_of(request.user)
    initial = {"digest": preference.digest, "kinds": preference.kinds, "language": request.user.language}
    form = NotificationPreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actor = _actor(request)
        try:
            digests.notification_preference_update(user=request.user, actor=actor, digest=form.cleaned_data["digest"],
                                                   kinds=form.cleaned_data["kinds"])
            platform_services.user_language_update(user=request.user, language=form.cleaned_data["language"],
                                                   actor=actor)
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Préférences de notification enregistrées."))
            return redirect("compliance:notification-preferences", org=request.organisation.slug)
    return render(request, "compliance/notification_preferences.html", {
        "section": "alerts", "form": form,
        "effective": dict(form.fields["digest"].choices).get(digests.frequency_of(preference, request.membership.role)),
    }, status=400 if form.errors else 200)
