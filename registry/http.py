"""The HTTP client of the registry app: the ANS list download and the company lookup.

Every request goes through :func:`client`, which sets timeouts and a User-Agent. Tests replace
:func:`transport` with an ``httpx.MockTransport`` so that nothing reaches the network.
"""

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from django.conf import settings

USER_AGENT = "Maillon/0.1 (registre HDS; +{site})"

# Connecting should be quick; a large list may take a while to arrive.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class DownloadError(Exception):
    """The list could not be downloaded. ``transient`` says whether trying again later may help."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.message = message
        self.transient = transient


def transport() -> httpx.BaseTransport | None:
    """The transport of every client: None means the network. Tests replace this function."""
    return None


def client(*, timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Client:
    return httpx.Client(
        timeout=timeout,
        headers={"User-Agent": USER_AGENT.format(site=settings.SITE_URL)},
        follow_redirects=True,
        transport=transport(),
    )


@dataclass(frozen=True)
class Download:
    not_modified: bool
    data: bytes = b""
    etag: str = ""
    last_modified: str = ""
    filename: str = ""


def download(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> Download:
    """GET ``url``, conditionally when validators of an earlier download are given.

    A 304 answer gives ``not_modified``. A body larger than ``max_bytes`` is refused while it
    streams. ``on_progress(received, total_or_None)`` is called as chunks arrive.
    Raises DownloadError (transient for network failures, 429 and 5xx).
    """
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with client() as http, http.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return Download(not_modified=True, etag=etag, last_modified=last_modified)
            if response.status_code != 200:
                transient = response.status_code == 429 or response.status_code >= 500
                raise DownloadError(
                    f"Le serveur a répondu {response.status_code} pour {url}.", transient=transient
                )
            total = _content_length(response)
            if total is not None and total > max_bytes:
                raise DownloadError(_too_large(url, max_bytes), transient=False)
            chunks, received = [], 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise DownloadError(_too_large(url, max_bytes), transient=False)
                chunks.append(chunk)
                if on_progress is not None:
                    on_progress(received, total)
            return Download(
                not_modified=False,
                data=b"".join(chunks),
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
                filename=response.url.path.rsplit("/", 1)[-1],
            )
    except httpx.TransportError as exc:
        raise DownloadError(f"Téléchargement de {url} impossible : {exc}", transient=True) from exc


def _content_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _too_large(url: str, max_bytes: int) -> str:
    return f"Le fichier de {url} dépasse la taille maximale acceptée ({max_bytes} octets)."
