"""Refuse webhook URLs that would make Maillon call into a private network (SSRF).

A URL must be HTTPS on port 443, and every address its host resolves to must be public: not
private, shared, loopback, link-local, unique-local, multicast, reserved or unspecified — and
neither may an IPv4 address wrapped in an IPv6 one (IPv4-mapped ``::ffff:a.b.c.d``,
IPv4-compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96`` and ``64:ff9b:1::/48``, 6to4 ``2002::/16``,
Teredo ``2001::/32``), since a gateway on the way would unwrap it. The check runs when an endpoint
is saved and again before every delivery (DNS can change).

``WEBHOOK_ALLOW_PRIVATE_NETWORKS`` lifts the address check and accepts ``http://`` on port 80
too, for tests and on-premise set-ups only; there, and only there, ``WEBHOOK_EXTRA_PORTS`` lists
further ports.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

HTTPS_PORT = 443
HTTP_PORT = 80
#: NAT64 prefixes (RFC 6052, and the local-use prefix of RFC 8215): the IPv4 address is in the
#: low 32 bits.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_TEREDO = ipaddress.IPv6Network("2001::/32")
_SIXTOFOUR = ipaddress.IPv6Network("2002::/16")


class UnsafeWebhookURL(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _resolve(host: str, port: int) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a NAT64, 6to4 or Teredo address carries (empty for a plain IPv6 one)."""
    if ip in _SIXTOFOUR:
        return [ip.sixtofour]
    if ip in _TEREDO:
        server, client = ip.teredo
        return [server, client]
    if any(ip in network for network in _NAT64):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def is_public_address(address: str) -> bool:
    """Whether ``address``, and any IPv4 address it wraps, may be called from Maillon."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _is_public(ip.ipv4_mapped)
        if ip in _IPV4_COMPATIBLE:
            return False  # ::a.b.c.d is deprecated (RFC 4291); nothing legitimate answers there
        if any(ip in network for network in _NAT64):
            # A NAT64 gateway turns it into the IPv4 address it carries (the prefix itself is
            # "reserved" to Python, whatever it carries).
            return all(_is_public(wrapped) for wrapped in _embedded_ipv4(ip))
        if not all(_is_public(wrapped) for wrapped in _embedded_ipv4(ip)):
            return False
    return _is_public(ip)


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # is_global excludes private, shared (100.64/10), loopback, link-local, unique-local (fc00::/7),
    # reserved and unspecified ranges; multicast is checked apart (some multicast ranges are global).
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def allowed_ports(allow_private: bool) -> frozenset[int]:
    if not allow_private:
        return frozenset({HTTPS_PORT})
    return frozenset({HTTPS_PORT, HTTP_PORT, *settings.WEBHOOK_EXTRA_PORTS})


def check_webhook_url(url: str, *, resolve=_resolve) -> None:
    """Raise :class:`UnsafeWebhookURL` with a stable code when ``url`` may not be called."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise UnsafeWebhookURL("webhook_https_required", _("L'adresse du webhook doit commencer par https://."))
    try:
        port = parts.port or (HTTPS_PORT if parts.scheme == "https" else HTTP_PORT)
    except ValueError:
        raise UnsafeWebhookURL("webhook_url_invalid", _("L'adresse du webhook n'est pas valide.")) from None
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeWebhookURL("webhook_url_invalid", _("L'adresse du webhook n'est pas valide."))
    if port not in allowed_ports(allow_private):
        raise UnsafeWebhookURL("webhook_port_not_allowed",
                               _("Le port %d n'est pas autorisé : un webhook s'appelle sur le port 443.") % port)
    if allow_private:
        return
    try:
        addresses = resolve(parts.hostname, port)
    except (socket.gaierror, UnicodeError):
        raise UnsafeWebhookURL("webhook_host_unresolvable",
                               _("Le nom d'hôte %s ne se résout pas.") % parts.hostname) from None
    if not addresses or not all(is_public_address(a) for a in addresses):
        raise UnsafeWebhookURL(
            "webhook_private_address",
            _("L'adresse du webhook mène à un réseau privé, local ou réservé ; elle est refusée."),
        )
