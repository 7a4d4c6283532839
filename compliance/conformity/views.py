"""What the chain derives from each link, computed once and read by every rule."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .inputs import SELF, ActorFacts, ActorKey, CertificateFacts, ExemptionReason, LinkFacts


class Outcome(StrEnum):
    """How an activity performed on a link is covered."""

    OWN = "own"  # a valid certificate of the link's own actor
    PARENT = "parent"  # exempt under the parent link, evidence on file, parent certified for it
    UNPROVEN_EXEMPTION = "unproven_exemption"  # as PARENT or EXEMPT, but no evidence on file
    AMBIGUOUS = "ambiguous"  # valid certificates of different perimeters could each cover it, none named
    EXEMPT = "exempt"  # approved archiving or short-term processing, evidence on file: no certificate due
    NONE = "none"  # not covered


NOT_HOSTING_EXEMPTIONS = frozenset({ExemptionReason.ARCHIVING_APPROVED, ExemptionReason.SHORT_TERM_PROCESSING})


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
    # The link's exemption, or for the organisation's own link the processing's; None: none claimed.
    exemption: ExemptionReason | None = None
    exemption_proven: bool = False  # its evidence is on file

    @property
    def not_hosting(self) -> bool:
        """A proven exemption that takes the actor out of HDS hosting altogether (approved
        archiving, short-term processing): no HDS hosting contract is due either."""
        return self.exemption_proven and self.exemption in NOT_HOSTING_EXEMPTIONS

    @property
    def direct(self) -> bool:
        """True when the organisation itself contracts with the link's actor."""
        return self.parent is None or self.parent.actor == SELF
