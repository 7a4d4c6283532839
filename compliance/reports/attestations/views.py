"""The public side of attestations: the key set, and a page that verifies a token (no login)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from compliance.models import STATUS_LABELS
from compliance.reports.attestations import issuing, keys, tokens

MAX_TOKEN_CHARS = 500_000

REASONS = {
    "malformed": _("Ce texte n'est pas une attestation Maillon lisible."),
    "unknown_key": _("L'attestation est signée par une clé que Maillon ne publie pas (ou plus)."),
    "bad_signature": _("La signature ne correspond pas au contenu : l'attestation a été modifiée ou "
                       "signée par une autre clé."),
    "expired": _("L'attestation a expiré : demandez-en une nouvelle."),
    "not_yet_valid": _("L'attestation porte une date d'émission future."),
}


@require_GET
@cache_control(public=True, max_age=300)
def jwks(request):
    """``/.well-known/jwks.json``: the public keys attestations are verified with."""
    return JsonResponse(keys.public_jwks())


def _when(seconds) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@require_http_methods(["GET", "POST"])
def verify(request):
    """``/verifier/``: verify a pasted token (POST) or a scanned link (``?token=``) and show what it states."""
    token = (request.POST.get("token") if request.method == "POST" else request.GET.get("token")) or ""
    token = token.strip()[:MAX_TOKEN_CHARS]
    context = {"token": token, "claims": None, "reason": None, "reason_text": None}
    if token:
        try:
            claims = issuing.verify_with_published_keys(token)
        except tokens.VerificationError as exc:
            context.update(reason=exc.reason, reason_text=REASONS.get(exc.reason, exc.reason),
                           kid=tokens.unverified_header(token).get("kid") if exc.reason != "malformed" else None)
        else:
            context.update(claims=claims, kid=tokens.unverified_header(token).get("kid"),
                           issued_at=_when(claims["iat"]), expires_at=_when(claims["exp"]),
                           processings=[{**p, "status_label": STATUS_LABELS.get(p.get("status") or "", ""),
                                         "hosting_label": STATUS_LABELS.get(p.get("hosting_status") or "", "")}
                                        for p in claims.get("processings", []) if isinstance(p, dict)])
    response = render(request, "reports/verifier.html", context, status=200 if not context["reason"] else 422)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
