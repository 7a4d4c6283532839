"""Error pages in the site's shell, and never Django's debug pages to someone who is not staff.

The embedded default runs with ``DEBUG`` on, for development. Django's debug pages then show the
settings, the traceback and the URL patterns to whoever hits an error. Here they stay for platform
staff (the developers); everyone else gets the ordinary 404 and 500 pages, and the exception is
logged as it would be in production.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger("django.request")


def _staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def server_error(request):
    """The 500 page in the shell; a bare page when the shell itself cannot be drawn."""
    try:
        return render(request, "500.html", status=500)
    except Exception:  # the error may come from what the shell needs (database, session)
        logger.exception("The 500 page could not be drawn in the shell")
        return HttpResponseServerError(loader.get_template("500_bare.html").render())


class StaffOnlyDebugPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No route matched: in DEBUG, Django answers with the URL patterns.
        if (settings.DEBUG and response.status_code == 404 and getattr(request, "resolver_match", None) is None
                and response.get("Content-Type", "").startswith("text/html") and not _staff(request)):
            return render(request, "404.html", status=404)
        return response

    def process_exception(self, request, exception):
        if not settings.DEBUG or _staff(request) or isinstance(exception, PermissionDenied):
            return None
        if isinstance(exception, Http404):
            return render(request, "404.html", status=404)
        logger.error("Internal Server Error: %s", request.path, exc_info=exception,
                     extra={"status_code": 500, "request": request})
        return server_error(request)
