"""Refuse webhook URLs that would make Maillon call into a private network (SSRF).

A URL must be HTTPS and every address its host resolves to must be public:
not private, shared, loopback, link-local, multicast, reserved or unspecified. The
check runs when an endpoint is saved and again before every delivery (DNS can
change). ``WEBHOOK_ALLOW_PRIVATE_NETWORKS`` lifts it, for tests and on-premise
set-ups only.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UnsafeWebhookURL(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _resolve(host: str, port: int) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global excludes private, shared (100.64/10), loopback, link-local, reserved and unspecified ranges.
    return ip.is_global and not ip.is_multicast


def check_webhook_url(url: str, *, resolve=_resolve) -> None:
    """Raise :class:`UnsafeWebhookURL` with a stable code when ``url`` may not be called."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise UnsafeWebhookURL("webhook_https_required", _("L'adresse du webhook doit commencer par https://."))
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeWebhookURL("webhook_url_invalid", _("L'adresse du webhook n'est pas valide."))
    if allow_private:
        return
    try:
        addresses = resolve(parts.hostname, parts.port or 443)
    except (socket.gaierror, UnicodeError):
        raise UnsafeWebhookURL("webhook_host_unresolvable",
                               _("Le nom d'hôte %s ne se résout pas.") % parts.hostname) from None
    if not addresses or not all(is_public_address(a) for a in addresses):
        raise UnsafeWebhookURL(
            "webhook_private_address",
            _("L'adresse du webhook mène à un réseau privé, local ou réservé ; elle est refusée."),
        )
