"""PDF rendering with WeasyPrint: HTML from auto-escaping templates, resources from our static files only.

Names and texts in a report are user input. The templates escape them, so a supplier called
``<link rel=stylesheet href="file:///etc/passwd">`` is text, never an element; and should markup
ever reach the HTML, :class:`StaticOnlyFetcher` refuses everything but the project's own static
files and ``data:`` URIs: no ``file://``, no network, no path out of the static directories.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

#: The base URL the report's HTML is rendered against: ``{% static %}`` paths resolve under it, and
#: nothing answers there: the fetcher maps them to the static files.
BASE_URL = "https://maillon.invalid/"


class ResourceRefused(ValueError):
    """A report asked for a resource outside the project's static files."""


def static_base() -> str:
    return BASE_URL + settings.STATIC_URL.lstrip("/")


class StaticOnlyFetcher(URLFetcher):
    """Serves ``data:`` URIs and the files Django's static finders know, nothing else."""

    def __init__(self):
        super().__init__(allowed_protocols=("data",), allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        prefix = static_base()
        if not url.startswith(prefix):
            logger.warning("report: refused resource %s", url[:200])
            raise ResourceRefused(f"refused resource: {url[:200]}")
        relative = unquote(urlsplit(url).path[len(urlsplit(prefix).path):])
        normalised = posixpath.normpath(relative)
        if normalised.startswith(("..", "/")) or normalised != relative:
            raise ResourceRefused(f"refused static path: {relative[:200]}")
        found = finders.find(normalised)
        if not found:
            raise ResourceRefused(f"no such static file: {relative[:200]}")
        with open(found, "rb") as handle:
            body = handle.read()
        content_type = "text/css" if normalised.endswith(".css") else "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


@dataclass(frozen=True)
class PdfAttachment:
    name: str
    data: bytes
    description: str = ""


def render(template: str, context: dict, out: BinaryIO, *, attachments: Iterable[PdfAttachment] = (),
           title: str = "") -> int:
    """Render ``template`` with ``context`` as a PDF into ``out``; returns the page count."""
    html = render_to_string(template, context)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).render()
    if title:
        document.metadata.title = title
    document.metadata.generator = "Maillon"
    pages = len(document.pages)
    document.write_pdf(target=out, attachments=[
        Attachment(string=attachment.data, name=attachment.name, description=attachment.description)
        for attachment in attachments
    ])
    return pages
