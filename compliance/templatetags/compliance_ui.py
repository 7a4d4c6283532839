"""Small template helpers of the compliance pages."""

from django import template
from django.utils import translation

from compliance.conformity.legal import legal_reference as engine_reference
from compliance.conformity.titles import finding_title as engine_title
from compliance.models import STATUS_LABELS, AlertSeverity, ConformityStatus, EvidenceKind, RegistryMatchStatus
from compliance.web import fixit
from compliance.web.diagram import LinkState
from compliance.web.labels import ACTIVITY_LABELS, STATE_LABELS

register = template.Library()

SEVERITY_LABELS = dict(AlertSeverity.choices)


@register.filter
def finding_message(finding: dict) -> str:
    """The stored finding's message in the language of the page (French is stored as ``message``)."""
    if (translation.get_language() or "fr").startswith("en"):
        return finding.get("message_en") or finding.get("message", "")
    return finding.get("message", "")


def _english() -> bool:
    return (translation.get_language() or "fr").startswith("en")


@register.filter
def finding_title(code: str) -> str:
    """The finding's plain title in the language of the page (the engine's catalogue words it)."""
    return engine_title(code, "en" if _english() else "fr")


@register.filter
def legal_reference(reference: str) -> str:
    """The finding's legal reference, its connecting words in the page's language."""
    return engine_reference(reference or "", "en" if _english() else "fr")


@register.inclusion_tag("compliance/_fix.html", takes_context=True)
def finding_fix(context, finding: dict, chain) -> dict:
    """The button that resolves the finding on the chain's processing, for members who may write."""
    if "write" not in context.get("org_perms", ()):
        return {"fix": None}
    organisation = context["current_organisation"]
    names = {link.supplier_id: link.supplier.name for link in chain.links if link.supplier_id}
    supplier = finding.get("supplier")
    holder = names.get(supplier, "") if isinstance(supplier, int) else organisation.name
    return {"fix": fixit.fix_link(finding, org=organisation.slug, processing_id=chain.processing.pk,
                                  holder_name=holder or organisation.name)}


@register.filter
def evidence_kind_label(kind: str) -> str:
    """The label of an evidence kind; an unknown value as stored."""
    return str(EvidenceKind(kind).label) if kind in EvidenceKind.values else kind


@register.filter
def activity_label(number) -> str:
    """The label of an activity, given as a number or as its digit (``{% for n in "123456" %}``)."""
    try:
        return ACTIVITY_LABELS.get(int(number), "")
    except (TypeError, ValueError):
        return ""


@register.filter
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, STATUS_LABELS[""])


@register.filter
def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, severity)


@register.filter
def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


@register.filter
def activity_list(activities) -> str:
    """``{5, 1, 2}`` → ``"1, 2, 5"``."""
    return ", ".join(str(n) for n in sorted(activities or ()))


STATUS_SYMBOLS = {ConformityStatus.COMPLIANT: "✓", ConformityStatus.NON_COMPLIANT: "✕",
                  ConformityStatus.INCOMPLETE: "!", ConformityStatus.NOT_APPLICABLE: "–", "": "…"}
STATE_SYMBOLS = {LinkState.OK: "✓", LinkState.ERROR: "✕", LinkState.WARNING: "!", LinkState.PENDING: "…"}


@register.inclusion_tag("compliance/_status.html")
def status_badge(status):
    status = status or ""
    return {"css": f"status-{status}", "symbol": STATUS_SYMBOLS.get(status, ""), "label": status_label(status)}


@register.inclusion_tag("compliance/_status.html")
def state_badge(state):
    return {"css": f"state-{state}", "symbol": STATE_SYMBOLS.get(state, ""), "label": state_label(state)}


@register.filter
def state_symbol(state) -> str:
    return STATE_SYMBOLS.get(state, "")


@register.inclusion_tag("compliance/_activities.html")
def activity_badges(activities):
    performed = set(activities or ())
    return {"badges": [(n, n in performed, ACTIVITY_LABELS[n]) for n in ACTIVITY_LABELS],
            "performed": ", ".join(str(n) for n in sorted(performed)) or "—"}


MATCH_STATES = {RegistryMatchStatus.CONFIRMED: "ok", RegistryMatchStatus.SUGGESTED: "warning",
                RegistryMatchStatus.NONE: "pending", RegistryMatchStatus.REJECTED: "pending"}
MATCH_SYMBOLS = {RegistryMatchStatus.CONFIRMED: "✓", RegistryMatchStatus.SUGGESTED: "?", RegistryMatchStatus.NONE: "–",
                 RegistryMatchStatus.REJECTED: "✕"}


@register.inclusion_tag("compliance/_status.html")
def match_badge(supplier):
    status = supplier.registry_match_status
    return {"css": f"state-{MATCH_STATES.get(status, 'pending')}", "symbol": MATCH_SYMBOLS.get(status, ""),
            "label": supplier.get_registry_match_status_display()}
