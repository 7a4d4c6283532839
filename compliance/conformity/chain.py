"""The evaluated chain as the rules see it: built once per evaluation, shared by every rule.

It indexes links and certificates, decides which links are in HDS scope and resolves, once per
(link, activity), which certificate covers it. Everything is linear in the size of the input:
certificates are grouped by actor once, each actor's coverage map and each certificate's
validity are computed at most once.
"""

from __future__ import annotations

from .inputs import (
    BACKUP_ACTIVITY,
    SELF,
    ActorFacts,
    ActorKey,
    CertificateFacts,
    CertificateKind,
    EvaluationInput,
    HostingMode,
    Identifiability,
    LinkFacts,
    OrganisationKind,
    Role,
)
from .rules.scope import Scope, decide_scope, identifying_categories
from .rules.validity import certificate_problems
from .views import LinkView, Outcome, Resolution

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
            if certificate.kind is CertificateKind.HDS:
                certificates_by_actor.setdefault(certificate.actor, []).append(certificate)
        self._certificates = certificates_by_actor
        self._coverage: dict[ActorKey, dict[int, CertificateFacts]] = {}
        self._problems: dict[int, tuple[str, ...]] = {}

        links_by_id = {link.id: link for link in data.links}
        self.views = tuple(self._view(link, links_by_id) for link in data.links)
        self.supplier_views = tuple(view for view in self.views if view.supplier is not None)
        self.hds_views = tuple(view for view in self.views if view.in_hds_scope)
        self.scope: Scope = decide_scope(self)

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

    def coverage(self, key: ActorKey) -> dict[int, CertificateFacts]:
        """Activity -> the actor's valid certificate covering it that expires last."""
        coverage = self._coverage.get(key)
        if coverage is None:
            coverage = self._coverage[key] = {}
            for certificate in self.certificates(key):
                if self.problems(certificate):
                    continue
                for activity in certificate.activities:
                    best = coverage.get(activity)
                    if best is None or (certificate.expires_on, certificate.id) > (best.expires_on, best.id):
                        coverage[activity] = certificate
        return coverage

    def _view(self, link: LinkFacts, links_by_id: dict[int, LinkFacts]) -> LinkView:
        is_self = link.is_self
        activities = link.activities | BACKUP_ONLY if link.is_backup else link.activities
        parent = None if link.parent_id is None else links_by_id.get(link.parent_id)
        in_hds_scope = self.health and (self.hosts_for_others or not is_self)
        return LinkView(
            link=link,
            actor=self.actor(link.actor),
            supplier=None if is_self else link.actor,
            activities=activities,
            parent=parent,
            in_hds_scope=in_hds_scope,
            resolutions=self._resolve(link, activities, parent) if in_hds_scope else (),
        )

    def _resolve(
        self, link: LinkFacts, activities: frozenset[int], parent: LinkFacts | None
    ) -> tuple[Resolution, ...]:
        own = self.coverage(link.actor)
        exempt_under = parent if link.exempt_under_parent else None
        resolutions = []
        for activity in sorted(activities):
            certificate = own.get(activity)
            if certificate is not None:
                resolutions.append(Resolution(activity, Outcome.OWN, certificate))
                continue
            if exempt_under is not None:
                certificate = self.coverage(exempt_under.actor).get(activity)
                if certificate is not None:
                    outcome = Outcome.PARENT if link.exemption_evidence else Outcome.UNPROVEN_EXEMPTION
                    resolutions.append(Resolution(activity, outcome, certificate))
                    continue
            resolutions.append(Resolution(activity, Outcome.NONE))
        return tuple(resolutions)
