"""Conditional GET for answers that pollers read again and again (``ETag``, ``304``).

The entity tag is a digest of the body itself in its canonical JSON form: for the conformity
answer that covers its inputs digest, its evaluation date and time and the language of its
messages, and any field added later, so a tag never outlives the body it names. A request whose
``If-None-Match`` names the current tag gets ``304 Not Modified`` with no body; everything
before (authentication, organisation, role, the read itself) ran as for a ``200``.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpResponseNotModified
from django.utils.http import parse_etags
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder


def entity_tag(body) -> str:
    canonical = json.dumps(body, cls=JSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def conditional_response(request, body):
    """``304`` when the client already holds this body (``If-None-Match``), else ``200``; both
    carry the ``ETag``."""
    tag = entity_tag(body)
    wanted = request.headers.get("If-None-Match")
    if wanted and (wanted.strip() == "*" or tag in parse_etags(wanted) or f"W/{tag}" in parse_etags(wanted)):
        response = HttpResponseNotModified()
        response["ETag"] = tag
        return response
    return Response(body, headers={"ETag": tag})
