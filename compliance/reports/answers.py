"""The organisation's conformity answers as a report or an attestation states them.

:func:`load_answers` serves the stored answers as the conformity API does (those due today
evaluated again, those never evaluated evaluated now), then reads the processings, their results, their chains, and the
certificates of every actor in them, in a constant number of queries whatever the number of
processings. The dossier and the attestation are built from the same :class:`Answers`, so the
PDF and the token it carries say the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from compliance import evaluation
from compliance.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    ChainLink,
    ConformityResult,
    Processing,
)
from hds_platform.models import Organisation
from hds_platform.tenancy import require_organisation


def answer_fields(result: ConformityResult | None) -> tuple[str | None, date | None]:
    """The stored answer's ``hosting_status`` and ``valid_until`` (None without an answer)."""
    if result is None:
        return None, None
    return result.hosting_status or None, result.valid_until


@dataclass
class Actor:
    """Who performs activities in one processing's chain: a supplier, or the organisation itself."""

    name: str
    supplier_id: int | None
    siren: str
    activities: set[int] = field(default_factory=set)
    certificates: list[Certificate] = field(default_factory=list)
    supplier: object = None

    @property
    def is_self(self) -> bool:
        return self.supplier_id is None


@dataclass
class Answers:
    organisation: Organisation
    today: date
    processings: list[Processing]
    results: dict[int, ConformityResult]
    links: dict[int, list[ChainLink]]
    certificates: dict[int | None, list[Certificate]]  # by supplier id; None: the organisation's own

    def actors(self, processing: Processing) -> list[Actor]:
        """The actors of ``processing``'s chain in the order of their first link, each with the
        activities it performs there and its certificates."""
        actors: dict[int | None, Actor] = {}
        for link in self.links.get(processing.pk, []):
            actor = actors.get(link.supplier_id)
            if actor is None:
                supplier = link.supplier
                actor = actors[link.supplier_id] = Actor(
                    name=supplier.name if supplier else self.organisation.name,
                    supplier_id=link.supplier_id,
                    siren=supplier.siren if supplier else self.organisation.siren,
                    certificates=self.certificates.get(link.supplier_id, []),
                    supplier=supplier,
                )
            actor.activities |= set(link.activities or ())
        return list(actors.values())

    def valid_hds_certificates(self, actor: Actor) -> list[Certificate]:
        """The actor's HDS certificates valid today: what the answer can rely on."""
        return [c for c in actor.certificates if c.kind == CertificateKind.HDS
                and c.status == CertificateStatus.VALID and c.expires_on >= self.today
                and (c.issued_on is None or c.issued_on <= self.today)]


def load_answers(processing_ids: Collection[int] | None = None) -> Answers:
    """The current organisation's answers, for the processings given or all of them (call inside its
    context)."""
    organisation = require_organisation()
    today = timezone.localdate()
    scope = Q(pk__in=processing_ids) if processing_ids is not None else Q()
    processings = list(Processing.objects.filter(scope).order_by("name", "id"))
    ids = [p.pk for p in processings]
    # The stored answers, those due today evaluated again, as the conformity API serves them.
    results = evaluation.refresh(ConformityResult.objects.filter(processing_id__in=ids), on=today) if ids else {}
    never_evaluated = [pk for pk in ids if pk not in results]
    if never_evaluated:
        results.update(evaluation.evaluate_processings(never_evaluated, on=today))
    link_scope = Q(processing_id__in=processing_ids) if processing_ids is not None else Q()
    links: dict[int, list[ChainLink]] = defaultdict(list)
    for link in ChainLink.objects.filter(link_scope).select_related("supplier__registry_host").order_by("id"):
        links[link.processing_id].append(link)
    supplier_ids = {link.supplier_id for chain in links.values() for link in chain if link.supplier_id}
    certificates: dict[int | None, list[Certificate]] = defaultdict(list)
    for certificate in (Certificate.objects.filter(Q(supplier_id__in=supplier_ids) | Q(supplier__isnull=True))
                        .select_related("registry_certificate").order_by("expires_on", "id")):
        certificates[certificate.supplier_id].append(certificate)
    return Answers(organisation=organisation, today=today, processings=processings, results=results,
                   links=dict(links), certificates=dict(certificates))
