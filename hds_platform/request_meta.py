"""Who is acting and from where, for the audit log, held for the current request or task."""

import contextvars
import ipaddress
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None = None
    request_id: str = ""


_NO_REQUEST = RequestMeta()
_meta: contextvars.ContextVar[RequestMeta] = contextvars.ContextVar("maillon_request_meta", default=_NO_REQUEST)


def current_meta() -> RequestMeta:
    return _meta.get()


def set_meta(meta: RequestMeta) -> contextvars.Token:
    return _meta.set(meta)


def reset_meta(token: contextvars.Token) -> None:
    _meta.reset(token)


def client_address(request) -> str | None:
    """The address of the person or program at the other end, not of a proxy in front of Maillon.

    With ``TRUSTED_PROXY`` = N reverse proxies in front, each appends the address it received the
    request from to ``X-Forwarded-For``: the client is the N-th entry from the right (entries
    further left are whatever the client sent, and are not trusted). With no proxy, or a header
    shorter than N entries or holding something else than an address, it is ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    depth = settings.TRUSTED_PROXY
    if not depth:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < depth:
        return remote
    candidate = forwarded[-depth]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
