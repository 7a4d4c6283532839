"""The webhook payloads in the OpenAPI schema: a component per event type and a webhooks section.

:func:`add_webhooks` is a drf-spectacular post-processing hook (``SPECTACULAR_SETTINGS``). It
registers, for each event type of the catalogue, the payload of version ``2026-12-01``
(``<Type>WebhookPayload``: the envelope, its ``data`` the type's object) and documents the
``POST`` Maillon sends. OpenAPI 3.1 has a root ``webhooks`` object; the schema being OpenAPI
3.0 (``OAS_VERSION``), the same object goes under the extension key ``x-webhooks`` (which ReDoc
renders), and moves to ``webhooks`` by itself once the schema is 3.1.
"""

from __future__ import annotations

from drf_spectacular.plumbing import process_webhooks
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from compliance.monitoring.webhooks import catalogue

HEADERS = [
    ("Maillon-Event", "The event type."),
    ("Maillon-Event-Id", "The event id (the body's id): the same for every delivery of the event."),
    ("Maillon-Webhook-Id", "The id of the endpoint (webhook) this delivery is for."),
    ("Maillon-Delivery-Id", "The delivery id (as in the delivery log); also sent as Maillon-Delivery."),
    ("Maillon-Signature", "t=<unix time>,v1=<hex HMAC-SHA256 of \"t.body\">; two v1 during a secret rotation."),
]


class WebhookPayloadSerializer(serializers.Serializer):
    """The body of every delivery of version 2026-12-01."""

    id = serializers.UUIDField(help_text="The event id: the same across retries and redeliveries.")
    type = serializers.ChoiceField(choices=list(catalogue.CATALOGUE))
    version = serializers.CharField(help_text=f"{catalogue.VERSION}")
    occurred_at = serializers.DateTimeField(help_text="UTC, ISO 8601 with Z.")
    organisation = serializers.CharField(help_text="The organisation's slug.")
    data = serializers.DictField(help_text="The event type's object (see each <Type>WebhookPayload).")


def _payload_serializer(event: catalogue.EventType) -> type[serializers.Serializer]:
    name = "".join(part.capitalize() for part in event.name.replace("_", ".").split("."))
    return type(f"{name}WebhookPayloadSerializer", (WebhookPayloadSerializer,), {
        "__doc__": event.when,
        "__module__": __name__,
        "type": serializers.ChoiceField(choices=[event.name]),
        "data": event.data(),
    })


PAYLOADS = {name: _payload_serializer(event) for name, event in catalogue.CATALOGUE.items()}

DESCRIPTION = (
    "Sent to the endpoints subscribed to this event (version 2026-12-01), as a POST with the headers:\n\n"
    + "\n".join(f"- `{header}`: {text}" for header, text in HEADERS)
    + "\n\nAny 2xx answer is a success; otherwise the delivery is retried with exponential backoff."
)

WEBHOOKS = [
    OpenApiWebhook(name=name, decorator=extend_schema(
        summary=event.when, description=DESCRIPTION, request=PAYLOADS[name],
        responses={200: OpenApiResponse(description="Any 2xx: received.")},
    ))
    for name, event in catalogue.CATALOGUE.items()
]


def add_webhooks(result, generator, request, public):
    webhooks = process_webhooks(WEBHOOKS, generator.registry)
    result["components"] = generator.registry.build(spectacular_settings.APPEND_COMPONENTS)
    key = "webhooks" if str(result.get("openapi", "")).startswith("3.1") else "x-webhooks"
    result[key] = webhooks
    return result
