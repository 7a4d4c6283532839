"""What the chain derives from each link, computed once and read by every rule."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .inputs import SELF, ActorFacts, ActorKey, CertificateFacts, LinkFacts


class Outcome(StrEnum):
    """How an activity performed on a link is covered."""

    OWN = "own"  # a valid certificate of the link's own actor
    PARENT = "parent"  # exempt under the parent link, evidence on file, parent certified for it
    UNPROVEN_EXEMPTION = "unproven_exemption"  # as PARENT, but no evidence on file
    AMBIGUOUS = "ambiguous"  # valid certificates of different perimeters could each cover it, none named
    NONE = "none"  # not covered


@dataclass(frozen=True, slots=True)
class Resolution:
    activity: int
    outcome: Outcome
    certificate: CertificateFacts | None = None  # the covering certificate (OWN or PARENT)
    candidates: tuple[CertificateFacts, ...] = ()  # AMBIGUOUS: the certificates someone must pick from


@dataclass(frozen=True, slots=True)
class LinkView:
    """A link with its actor, effective activities and, when in HDS scope, their coverage."""

    link: LinkFacts
    actor: ActorFacts
    supplier: ActorKey | None  # the supplier id findings carry; None for the organisation
    activities: frozenset[int]  # activity 6 added for a backup service
    parent: LinkFacts | None
    in_hds_scope: bool
    resolutions: tuple[Resolution, ...]  # one per activity in order; empty outside HDS scope

    @property
    def direct(self) -> bool:
        """True when the organisation itself contracts with the link's actor."""
        return self.parent is None or self.parent.actor == SELF
