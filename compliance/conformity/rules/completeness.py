"""Rule 10, completeness: a chain is also wrong by what it leaves out.

The other rules judge what is declared. This one asks for the two things every chain that holds
health data has, declared or not:

- **Who administers and operates the system (activity 5).** An organisation that hosts for
  others (software editor, hosting provider, or any organisation in the processor role) handles
  the data itself for its customers, usually as activity 5 (CA Montpellier, 13 June 2024, RG
  n° 22/01303). When HDS applies and no link of the chain performs activity 5, the chain is
  exactly myth 1, « je suis hébergé dans un datacenter certifié HDS, donc je suis HDS »: the
  organisation's own part is missing. That is an error on the organisation itself
  (`completeness.operation_missing`): it asks to declare who administers and operates the
  system (the organisation itself, most likely, or its managed-services provider) and the
  certificate that covers it. "Performs activity 5" means a link of the chain declares it,
  the organisation's own link or a supplier's: whether that actor is covered for it is then the
  coverage rules' question (`self.activity_not_covered`, `coverage.activity_not_covered`,
  `coverage.exemption_unproven`, `coverage.certificate_ambiguous`), so an uncovered actor is
  reported once, by them, and never twice. An empty chain is left to `scope.chain_empty`.
- **Who provides the site and the hardware (activities 1 and 2).** Data that are stored sit on a
  physical site and on hardware. When a link in HDS scope stores health data and neither it nor
  any actor below it performs activities 1 and 2, the chain is not known to be covered (myth 3):
  `completeness.site_and_hardware_missing`, missing information, naming the link and the
  activities nobody declared, and saying who usually provides them (a datacenter or an
  infrastructure host). A link with no activity recorded is left to
  `coverage.link_activities_missing`, which already asks for them. "Below" a link are its
  subcontractors (links whose parent it is, and theirs); below the organisation's own link are
  also the organisation's direct contractors, since it is the party that contracts with them.
  A subcontractor also counts the links above it (its parent and theirs): it works for its
  parent, usually on the parent's site and hardware (the managed database run by a host's
  subsidiary on the host's infrastructure). A link whose proven exemption takes it out of HDS
  hosting altogether (approved archiving, short-term processing) is not asked for them; an
  unproven one is a host like any other.
- **Who stores the data.** Health data that are hosted are stored somewhere. When HDS applies and
  no link of the chain (the organisation's own links included, in scope or not) is declared as
  storing them, where they are and who must be certified for it are unknown:
  `completeness.storage_missing`, missing information, on the processing. Without it a chain of
  links all marked "does not store" would read compliant with nobody holding the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding, make_finding
from ..inputs import LinkFacts
from .scope import Scope

if TYPE_CHECKING:
    from ..chain import Chain

OPERATION_ACTIVITY = 5
SITE_AND_HARDWARE = frozenset({1, 2})


def check(chain: Chain) -> Iterator[Finding]:
    if chain.scope is not Scope.APPLIES or not chain.hds_views:
        return
    if chain.hosts_for_others and not any(OPERATION_ACTIVITY in view.activities for view in chain.hds_views):
        yield make_finding("completeness.operation_missing", activity=OPERATION_ACTIVITY)
    if not any(view.link.stores_health_data for view in chain.views):
        yield make_finding("completeness.storage_missing")
    tree = _Tree([view.link for view in chain.views])
    for view in chain.hds_views:
        if not view.link.stores_health_data or not view.activities or view.not_hosting:
            continue
        missing = SITE_AND_HARDWARE - tree.activities_below(view.link) - tree.activities_above(view.link)
        if missing:
            yield make_finding(
                "completeness.site_and_hardware_missing", link=view.link.id, supplier=view.supplier,
                actor=view.actor.name, activities=", ".join(map(str, sorted(missing))),
            )


class _Tree:
    """The chain's links as a tree (parent → subcontractors), with what each branch performs."""

    def __init__(self, links: list[LinkFacts]) -> None:
        self._by_id = {link.id: link for link in links}
        self._children: dict[int, list[LinkFacts]] = {}
        direct_contractors = []
        for link in links:
            if link.parent_id is not None and link.parent_id in self._by_id:
                self._children.setdefault(link.parent_id, []).append(link)
            elif not link.is_self:
                direct_contractors.append(link)
        self._direct_contractors = direct_contractors
        self._below: dict[int, frozenset[int]] = {}

    def _subcontractors(self, link: LinkFacts) -> list[LinkFacts]:
        children = self._children.get(link.id, [])
        return [*children, *self._direct_contractors] if link.is_self else children

    def activities_below(self, link: LinkFacts, visiting: frozenset[int] = frozenset()) -> frozenset[int]:
        """The activities the link and every actor below it perform."""
        known = self._below.get(link.id)
        if known is not None:
            return known
        visiting = visiting | {link.id}
        activities = set(link.activities)
        for child in self._subcontractors(link):
            if child.id not in visiting:
                activities |= self.activities_below(child, visiting)
        result = frozenset(activities)
        if len(visiting) == 1:
            # Only a walk started here saw the whole branch; one cut short by a cycle did not.
            self._below[link.id] = result
        return result

    def activities_above(self, link: LinkFacts) -> frozenset[int]:
        """The activities the links above this one perform (its parent, the parent's parent...)."""
        activities: set[int] = set()
        seen = {link.id}
        parent = self._by_id.get(link.parent_id) if link.parent_id is not None else None
        while parent is not None and parent.id not in seen:
            activities |= parent.activities
            seen.add(parent.id)
            parent = self._by_id.get(parent.parent_id) if parent.parent_id is not None else None
        return frozenset(activities)
