"""The evaluated chain as the rules see it: built once per evaluation, shared by every rule.

It indexes links and certificates, decides which links are in HDS scope and resolves, once per
(link, activity), which certificate covers it. Everything is linear in the size of the input:
certificates are grouped by actor once, each actor's coverage map (per set of named
certificates) and each certificate's validity are computed at most once.

Which certificate covers an activity of a link (a certificate has a perimeter: the offer or
service it certifies):
- when the link names the certificates it relies on, only those count for it;
- otherwise every valid HDS certificate of the link's actor counts, and certificates covering
  different activities combine (1–2 on one, 3–6 on another cover 1–6);
- when exactly one valid certificate covers the activity, it is the one; when several do, the one
  that expires last is taken, unless they have two or more different known perimeters and the
  link names none: then nobody knows which offer the service used belongs to, and the activity
  is `AMBIGUOUS` (the link is incomplete until someone names the certificate). A blank perimeter
  does not make a difference on its own: it may well be the same offer, recorded without its
  perimeter.
"""

from __future__ import annotations

from .inputs import (
    BACKUP_ACTIVITY,
    SELF,
    ActorFacts,
    ActorKey,
    CertificateFacts,
    CertificateKind,
    CertificateSource,
    EvaluationInput,
    ExemptionReason,
    HostingMode,
    Identifiability,
    LinkFacts,
    OrganisationKind,
    ProviderShare,
    Role,
)
from .rules.scope import Scope, decide_scope, identifying_categories
from .rules.validity import certificate_problems
from .views import NOT_HOSTING_EXEMPTIONS, LinkView, Outcome, Resolution

ORGANISATIONS_HOSTING_FOR_OTHERS = frozenset({
    OrganisationKind.SOFTWARE_EDITOR,
    OrganisationKind.HOSTING_PROVIDER,
})
BACKUP_ONLY = frozenset({BACKUP_ACTIVITY})


class Chain:
    """Indexes and derived facts of one `EvaluationInput`."""

    def __init__(self, data: EvaluationInput) -> None:
        organisation, processing = data.organisation, data.processing
        self.organisation = organisation
        self.processing = processing
        self.on = data.on
        anonymised = processing.identifiability is Identifiability.ANONYMISED
        # "Anonymised" data with identifying categories are not believed anonymous: personal data.
        self.anonymised_contradiction = anonymised and bool(identifying_categories(processing.data_categories))
        self.personal = not anonymised or self.anonymised_contradiction
        self.health = self.personal and processing.health_data
        # An organisation handling health data for others, or for the patients themselves (CSP
        # L.1111-8 I), needs its own certificate for what it does; a professional, establishment
        # or other controller acting for itself does not.
        self.hosts_for_others = (
            processing.role is Role.PROCESSOR
            or organisation.kind in ORGANISATIONS_HOSTING_FOR_OTHERS
            or processing.hosts_for_patients
        )
        self.self_hosting_own_data = (
            self.health
            and not self.hosts_for_others
            and processing.hosting_mode is HostingMode.SELF_HOSTED
        )

        self._actors = data.actors
        self._self_actor = data.actors.get(SELF) or ActorFacts(key=SELF, name=organisation.name)
        certificates_by_actor: dict[ActorKey, list[CertificateFacts]] = {}
        for certificate in data.certificates:
            if certificate.kind is CertificateKind.HDS and not self._stale_share(data, certificate):
                certificates_by_actor.setdefault(certificate.actor, []).append(certificate)
        self._certificates = certificates_by_actor
        self._valid: dict[tuple[ActorKey, frozenset[int]], dict[int, tuple[CertificateFacts, ...]]] = {}
        self._problems: dict[int, tuple[str, ...]] = {}

        links_by_id = {link.id: link for link in data.links}
        self.views = tuple(self._view(link, links_by_id) for link in data.links)
        self.supplier_views = tuple(view for view in self.views if view.supplier is not None)
        self.hds_views = tuple(view for view in self.views if view.in_hds_scope)
        self.scope: Scope = decide_scope(self)

    @staticmethod
    def _stale_share(data: EvaluationInput, certificate: CertificateFacts) -> bool:
        """A copy shared by a provider whose link or share has ended proves nothing any more, even
        if it is still on file: the provider's current certificate is unknown."""
        actor = data.actors.get(certificate.actor)
        return (certificate.source is CertificateSource.PROVIDER and actor is not None
                and actor.provider_share is ProviderShare.ENDED)

    def actor(self, key: ActorKey) -> ActorFacts:
        if key == SELF:
            return self._self_actor
        try:
            return self._actors[key]
        except KeyError:
            raise KeyError(f"no ActorFacts given for supplier {key!r} used by a link") from None

    def certificates(self, key: ActorKey) -> list[CertificateFacts]:
        """The actor's HDS certificates, valid or not."""
        return self._certificates.get(key, [])

    def problems(self, certificate: CertificateFacts) -> tuple[str, ...]:
        """Validity finding codes of the certificate on the evaluation date (empty: valid)."""
        problems = self._problems.get(certificate.id)
        if problems is None:
            problems = self._problems[certificate.id] = certificate_problems(certificate, self.on)
        return problems

    def relied_on(self, link: LinkFacts) -> list[CertificateFacts]:
        """The HDS certificates of the link's actor that count for it, valid or not: the ones the
        link names when it names any (the service used is in their perimeter), otherwise all."""
        certificates = self.certificates(link.actor)
        if not link.certificates:
            return certificates
        return [certificate for certificate in certificates if certificate.id in link.certificates]

    def valid_by_activity(self, link: LinkFacts) -> dict[int, tuple[CertificateFacts, ...]]:
        """Activity -> the valid certificates counting for the link that cover it, the one that
        expires last first (computed once per actor and set of named certificates)."""
        key = (link.actor, link.certificates)
        valid = self._valid.get(key)
        if valid is None:
            by_activity: dict[int, list[CertificateFacts]] = {}
            for certificate in self.relied_on(link):
                if self.problems(certificate):
                    continue
                for activity in certificate.activities:
                    by_activity.setdefault(activity, []).append(certificate)
            valid = self._valid[key] = {
                activity: tuple(sorted(found, key=_latest_first))
                for activity, found in by_activity.items()
            }
        return valid

    def _view(self, link: LinkFacts, links_by_id: dict[int, LinkFacts]) -> LinkView:
        is_self = link.is_self
        activities = link.activities | BACKUP_ONLY if link.is_backup else link.activities
        parent = None if link.parent_id is None else links_by_id.get(link.parent_id)
        in_hds_scope = self.health and (self.hosts_for_others or not is_self)
        exemption, proven = self._exemption(link)
        return LinkView(
            link=link,
            actor=self.actor(link.actor),
            supplier=None if is_self else link.actor,
            activities=activities,
            parent=parent,
            in_hds_scope=in_hds_scope,
            resolutions=self._resolve(link, activities, parent, exemption, proven) if in_hds_scope else (),
            exemption=exemption,
            exemption_proven=proven,
        )

    def _exemption(self, link: LinkFacts) -> tuple[ExemptionReason | None, bool]:
        """The link's own exemption; an organisation's own link without one takes the processing's."""
        if link.exemption_reason is not None or not link.is_self:
            return link.exemption_reason, link.exemption_evidence
        return self.processing.exemption_reason, self.processing.exemption_evidence

    def _resolve(
        self, link: LinkFacts, activities: frozenset[int], parent: LinkFacts | None,
        exemption: ExemptionReason | None, proven: bool,
    ) -> tuple[Resolution, ...]:
        own = self.valid_by_activity(link)
        exempt_under = parent if exemption is ExemptionReason.COVERED_BY_PARENT_AUDIT else None
        resolutions = []
        for activity in sorted(activities):
            found = own.get(activity, ())
            if len(found) > 1 and not link.certificates and _distinct_perimeters(found) > 1:
                resolutions.append(Resolution(activity, Outcome.AMBIGUOUS, candidates=found))
                continue
            if found:
                resolutions.append(Resolution(activity, Outcome.OWN, found[0]))
                continue
            if exempt_under is not None:
                found = self.valid_by_activity(exempt_under).get(activity, ())
                if found:
                    outcome = Outcome.PARENT if proven else Outcome.UNPROVEN_EXEMPTION
                    resolutions.append(Resolution(activity, outcome, found[0]))
                    continue
            elif exemption in NOT_HOSTING_EXEMPTIONS:
                resolutions.append(Resolution(activity, Outcome.EXEMPT if proven else Outcome.UNPROVEN_EXEMPTION))
                continue
            resolutions.append(Resolution(activity, Outcome.NONE))
        return tuple(resolutions)


def _latest_first(certificate: CertificateFacts) -> tuple:
    return (-certificate.expires_on.toordinal(), -certificate.id)


def normalised_perimeter(certificate: CertificateFacts) -> str:
    """The perimeter compared without case or spacing differences ("" when unknown)."""
    return " ".join(certificate.perimeter.casefold().split())


def _distinct_perimeters(certificates: tuple[CertificateFacts, ...]) -> int:
    """How many different known perimeters the certificates have; an unknown one differs from
    none (it may be the same offer, recorded without its perimeter)."""
    return len({perimeter for perimeter in map(normalised_perimeter, certificates) if perimeter})
