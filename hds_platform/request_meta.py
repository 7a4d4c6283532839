"""Who is acting and from where, for the audit log, held for the current request or task."""

import contextvars
from dataclasses import dataclass


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
