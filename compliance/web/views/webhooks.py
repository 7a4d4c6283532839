"""Webhooks in the settings: endpoints (created with their signing secret shown once), the
delivery log, a test event, redelivery. The writes are :mod:`compliance.monitoring.webhooks.services`."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance.models import WebhookDelivery, WebhookEndpoint
from compliance.monitoring.webhooks import services
from compliance.web.alert_forms import EVENT_LABELS, WebhookEndpointForm
from compliance.web.views._shared import REFUSALS, _actor, _refused
from hds_platform.accounts import sessions
from hds_platform.accounts.reauth import ask_reauthentication
from hds_platform.forms import add_service_error
from hds_platform.roles import Perm
from hds_platform.web import organisation_view

#: The secret of the endpoint just created waits here for its page (Post/Redirect/Get), once.
NEW_SECRET_SESSION_KEY = "maillon_new_webhook_secret"
DELIVERIES_SHOWN = 50


def _list_page(request, form=None, status=200):
    return render(request, "compliance/webhook_list.html", {
        "section": "settings", "tab": "webhooks", "form": form or WebhookEndpointForm(),
        "endpoints": list(WebhookEndpoint.objects.order_by("id")), "event_labels": EVENT_LABELS,
    }, status=status)


@organisation_view(Perm.WEBHOOKS, write_perm=None)
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    if request.method == "GET":
        return _list_page(request)
    if not sessions.recently_authenticated(request.session):
        return ask_reauthentication(request)  # the next page shows the signing secret
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint = services.webhook_endpoint_create(actor=_actor(request), **form.cleaned_data)
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            request.session[NEW_SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": endpoint.secret}
            messages.success(request, _("Webhook créé."))
            return redirect("compliance:webhook-detail", org=request.organisation.slug, pk=endpoint.pk)
    return _list_page(request, form=form, status=400)


def _detail_page(request, endpoint, *, form=None, status=200):
    created = request.session.get(NEW_SECRET_SESSION_KEY)
    secret = ""
    if status == 200 and created and created.get("endpoint") == endpoint.pk:
        secret = request.session.pop(NEW_SECRET_SESSION_KEY)["secret"]
    return render(request, "compliance/webhook_detail.html", {
        "section": "settings", "tab": "webhooks", "endpoint": endpoint, "secret": secret,
        "events": [EVENT_LABELS.get(event, event) for event in endpoint.events],
        "deliveries": list(WebhookDelivery.objects.filter(endpoint=endpoint)
                           .order_by("-created_at", "-id")[:DELIVERIES_SHOWN]),
        "form": form or WebhookEndpointForm(prefix="edit", initial={
            "url": endpoint.url, "description": endpoint.description, "events": endpoint.events}),
    }, status=status)


@organisation_view(Perm.WEBHOOKS, write_perm=None)
@require_GET
def webhook_detail(request, pk):
    return _detail_page(request, get_object_or_404(WebhookEndpoint, pk=pk))


@organisation_view(Perm.WEBHOOKS, write_perm=None)
@require_POST
def webhook_edit(request, pk):
    """Change the address, description or events (the secret stays)."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    form = WebhookEndpointForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            services.webhook_endpoint_update(endpoint=endpoint, actor=_actor(request), **form.cleaned_data)
        except REFUSALS as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Webhook modifié."))
            return _back(request, pk)
    endpoint.refresh_from_db()
    return _detail_page(request, endpoint, form=form, status=400)


def _back(request, endpoint_pk):
    return redirect("compliance:webhook-detail", org=request.organisation.slug, pk=endpoint_pk)


@organisation_view(Perm.WEBHOOKS, write_perm=None)
@require_POST
def webhook_test(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    try:
        services.webhook_send_test(endpoint=endpoint, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Événement de test envoyé : son résultat apparaît dans le journal des envois."))
    return _back(request, endpoint.pk)


@organisation_view(Perm.WEBHOOKS, write_perm=None)
@require_POST
def webhook_redeliver(request, pk, delivery_pk):
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint", "organisation"),
                                 pk=delivery_pk, endpoint_id=pk)
    try:
        services.webhook_redeliver(delivery=delivery, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Envoi relancé."))
    return _back(request, pk)


@organisation_view(Perm.WEBHOOKS, write_perm=None)
@require_POST
def webhook_toggle(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    try:
        services.webhook_endpoint_update(endpoint=endpoint, actor=_actor(request), is_active=not endpoint.is_active)
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Webhook activé.") if endpoint.is_active else _("Webhook désactivé."))
    return _back(request, pk)


@organisation_view(Perm.WEBHOOKS, write_perm=None)
@require_POST
def webhook_delete(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.webhook_endpoint_delete(endpoint=endpoint, actor=_actor(request))
    messages.success(request, _("Webhook supprimé."))
    return redirect("compliance:webhook-list", org=request.organisation.slug)
