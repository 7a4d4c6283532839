"""Routes of alerts, notification preferences and webhooks, mounted under ``/api/v1/orgs/<org>/``
(kept apart from ``urls.py`` so that each part of the app owns its routes)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from compliance.monitoring.api.alerts import AlertViewSet, NotificationPreferenceView
from compliance.monitoring.api.events import WebhookEventViewSet
from compliance.monitoring.api.webhooks import WebhookEndpointViewSet

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("events", WebhookEventViewSet, basename="event")

tenant_urlpatterns = [
    *router.urls,
    path("notifications/preference/", NotificationPreferenceView.as_view(), name="notification-preference"),
]
