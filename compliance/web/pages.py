"""Reads that only the web pages need, built on ``compliance.selectors`` where one exists.

Each function costs a constant number of queries whatever the number of rows it returns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, Exists, IntegerField, Prefetch, Q, Value, When

from compliance.conformity import Severity
from compliance.conformity.horizons import EXPIRY_HORIZON_DAYS
from compliance.models import (
    Certificate,
    CertificateStatus,
    ChainLink,
    ConformityResult,
    ConformityStatus,
    Evidence,
    Processing,
    RegistryMatchStatus,
    Supplier,
)
from compliance.web.diagram import STATE_RANK, Diagram, DiagramLink, LinkState, layout, link_state
from hds_platform.models import Organisation
from hds_platform.tenancy import require_organisation
from registry.matching import normalise_certificate_number, normalise_name
from registry.models import CertifiedHost, HostCertificate

DASHBOARD_ROWS = 10
NEEDS_ACTION = (ConformityStatus.NON_COMPLIANT, ConformityStatus.INCOMPLETE)


def language_message(finding: dict, english: bool) -> str:
    return (finding.get("message_en") or finding.get("message", "")) if english else finding.get("message", "")


# Dashboard -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstRunStep:
    key: str
    done: bool


FIRST_RUN_STEPS = ("processing", "supplier", "chain", "documents", "green")


def first_run_steps(summary: dict) -> list[FirstRunStep]:
    """The first-run checklist, each step done or not from the organisation's data: a processing,
    a supplier matched to the ANS list, a chain link, a document, and every processing answered
    compliant or not applicable. One query; the dashboard's summary gives the last step."""
    has_processing, has_supplier, has_chain, has_documents = (
        Organisation.objects.filter(pk=require_organisation().pk).annotate(
            has_processing=Exists(Processing.objects.all()),
            has_supplier=Exists(Supplier.objects.filter(registry_match_status=RegistryMatchStatus.CONFIRMED)),
            has_chain=Exists(ChainLink.objects.all()),
            has_documents=Exists(Evidence.objects.all()),
        ).values_list("has_processing", "has_supplier", "has_chain", "has_documents").get()
    )
    by_status = summary["by_status"]
    green = bool(summary["processings"]) and not any(
        by_status.get(status, 0) for status in (ConformityStatus.NON_COMPLIANT, ConformityStatus.INCOMPLETE,
                                          "not_evaluated"))
    done = (has_processing, has_supplier, has_chain, has_documents, green)
    return [FirstRunStep(key, flag) for key, flag in zip(FIRST_RUN_STEPS, done, strict=True)]


@dataclass(frozen=True)
class ActionRow:
    processing: Processing
    status: str
    errors: int
    warnings: int
    evaluated_at: object


def processings_needing_action(limit: int = DASHBOARD_ROWS) -> list[ActionRow]:
    """Non-compliant processings first, then incomplete ones, each with its error and warning counts."""
    results = (
        ConformityResult.objects.filter(status__in=NEEDS_ACTION).select_related("processing")
        .annotate(rank=Case(When(status=ConformityStatus.NON_COMPLIANT, then=Value(0)), default=Value(1),
                            output_field=IntegerField()))
        .order_by("rank", "processing__name", "processing_id")[:limit]
    )
    return [
        ActionRow(
            processing=result.processing, status=result.status,
            errors=sum(1 for f in result.findings if f.get("severity") == Severity.ERROR),
            warnings=sum(1 for f in result.findings if f.get("severity") == Severity.WARNING),
            evaluated_at=result.evaluated_at,
        )
        for result in results
    ]


def certificates_expiring(today: date, limit: int = DASHBOARD_ROWS) -> list[Certificate]:
    """Valid certificates that expired recently or expire within the horizon, soonest first."""
    return list(
        Certificate.objects.filter(status=CertificateStatus.VALID,
                                   expires_on__lte=today + timedelta(days=EXPIRY_HORIZON_DAYS))
        .select_related("supplier").order_by("expires_on", "id")[:limit]
    )


# A processing's chain ------------------------------------------------------------------------


@dataclass
class LinkFindings:
    link: ChainLink | None  # None: findings about the processing as a whole, or a removed link
    name: str
    state: LinkState
    findings: list[dict] = field(default_factory=list)


@dataclass
class ChainView:
    processing: Processing
    links: list[ChainLink]
    result: ConformityResult | None
    stale: bool  # the chain or the register changed after the stored result was computed
    diagram: Diagram
    groups: list[LinkFindings]  # one per link in the diagram's reading order, then the rest
    worst: LinkState | None


def actor_name(link: ChainLink, organisation_name: str) -> str:
    return link.supplier.name if link.supplier_id else organisation_name


def chain_view(processing: Processing, organisation_name: str, *, english: bool) -> ChainView:
    """The processing's links, its stored result and the diagram, in three queries."""
    links = list(ChainLink.objects.filter(processing=processing).select_related("supplier").order_by("id"))
    result = ConformityResult.objects.filter(processing=processing).first()
    return build_chain_view(processing, links, result, organisation_name, english=english)


def build_chain_view(processing: Processing, links: list[ChainLink], result: ConformityResult | None,
                     organisation_name: str, *, english: bool) -> ChainView:
    """The chain view of rows already read (links in id order, with their supplier): no query, so
    that a report draws any number of processings from a few batched reads."""
    changed = max([processing.updated_at, *(link.updated_at for link in links)])
    stale = result is None or result.evaluated_at < changed
    by_link: dict[int | None, list[dict]] = defaultdict(list)
    ids = {link.pk for link in links}
    for finding in result.findings if result is not None else []:
        by_link[finding.get("link") if finding.get("link") in ids else None].append(finding)

    def state_of(link: ChainLink) -> LinkState:
        state = link_state(by_link.get(link.pk, []))
        if state is LinkState.OK and (result is None or result.evaluated_at < link.updated_at):
            return LinkState.PENDING
        return state

    diagram_links = [
        DiagramLink(
            id=link.pk, parent_id=link.parent_id, name=actor_name(link, organisation_name),
            is_self=link.supplier_id is None, activities=frozenset(link.activities), state=state_of(link),
            messages=tuple(language_message(f, english) for f in by_link.get(link.pk, [])
                           if f.get("severity") != Severity.INFO),
            supplier_id=link.supplier_id,
        )
        for link in links
    ]
    diagram = layout(processing.name, diagram_links)
    links_by_id = {link.pk: link for link in links}
    groups = [
        LinkFindings(link=links_by_id[box.link.id], name=box.link.name, state=box.link.state,
                     findings=by_link.get(box.link.id, []))
        for box in diagram.boxes
    ]
    if by_link.get(None):
        groups.append(LinkFindings(link=None, name=processing.name, state=link_state(by_link[None]),
                                   findings=by_link[None]))
    states = [link.state for link in diagram_links]
    worst = min(states, key=STATE_RANK.__getitem__) if states else None
    return ChainView(processing=processing, links=links, result=result, stale=stale, diagram=diagram,
                     groups=groups, worst=worst)


# A supplier's page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DependentProcessing:
    processing: Processing
    activities: frozenset[int]
    status: str


def processings_depending_on(supplier: Supplier) -> list[DependentProcessing]:
    """The processings whose chain includes the supplier, with what it does there, in two queries."""
    links = list(ChainLink.objects.filter(supplier=supplier).select_related("processing")
                 .order_by("processing__name", "id"))
    statuses = dict(ConformityResult.objects.filter(processing_id__in={link.processing_id for link in links})
                    .values_list("processing_id", "status"))
    activities: dict[int, set[int]] = defaultdict(set)
    processings: dict[int, Processing] = {}
    for link in links:
        activities[link.processing_id] |= set(link.activities)
        processings[link.processing_id] = link.processing
    return [DependentProcessing(processing=p, activities=frozenset(activities[pk]), status=statuses.get(pk, ""))
            for pk, p in processings.items()]


# Evidence expiry timeline --------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    day: date
    title: str
    kind: str  # "evidence" or "certificate"
    holder: str
    obj: object


@dataclass
class TimelineMonth:
    month: date | None  # first day of the month; None for what has already expired
    expired: bool
    soon: bool = False  # something in it ends within the expiry horizon
    entries: list[TimelineEntry] = field(default_factory=list)


def expiry_timeline(today: date, organisation_name: str) -> list[TimelineMonth]:
    """Current evidence and valid certificates that carry an end date, grouped by month;
    what has already expired comes first, in one group."""
    entries = [
        TimelineEntry(day=e.valid_until, title=e.title, kind="evidence",
                      holder=e.supplier.name if e.supplier_id else organisation_name, obj=e)
        for e in Evidence.objects.filter(superseded_by__isnull=True, valid_until__isnull=False)
        .select_related("supplier")
    ] + [
        TimelineEntry(day=c.expires_on, title=str(c), kind="certificate",
                      holder=c.supplier.name if c.supplier_id else organisation_name, obj=c)
        for c in Certificate.objects.filter(status=CertificateStatus.VALID).select_related("supplier")
    ]
    entries.sort(key=lambda entry: (entry.day, entry.title))
    horizon = today + timedelta(days=EXPIRY_HORIZON_DAYS)
    months: list[TimelineMonth] = []
    for entry in entries:
        expired = entry.day < today
        month = None if expired else entry.day.replace(day=1)
        if not months or months[-1].month != month or months[-1].expired != expired:
            months.append(TimelineMonth(month=month, expired=expired))
        months[-1].entries.append(entry)
        months[-1].soon |= not expired and entry.day <= horizon
    return months


# Registry search -----------------------------------------------------------------------------

REGISTRY_RESULTS = 50


def registry_search(query: str, activity: int | None = None) -> list[CertifiedHost]:
    """Hosts of the ANS list whose name or certificate number contains ``query`` (compared in
    their normalised forms), and that hold a current certificate for ``activity`` when given;
    each with ``current_certificates``. Two queries."""
    hosts = CertifiedHost.objects.all()
    if query:
        hosts = hosts.filter(
            Q(normalised_name__contains=normalise_name(query))
            | Q(certificates__normalised_number__contains=normalise_certificate_number(query) or query)
        )
    if activity is not None:
        hosts = hosts.filter(certificates__current=True, certificates__activities__has=activity)
    return list(
        hosts.distinct().order_by("-listed", "normalised_name")
        .prefetch_related(Prefetch("certificates", queryset=HostCertificate.objects.filter(current=True)
                                   .order_by("-expires_on", "-id"), to_attr="current_certificates"))
        [:REGISTRY_RESULTS]
    )
