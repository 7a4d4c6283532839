"""Rule 3, the organisation's own certificate.

An organisation that handles health data on behalf of others (software editor, hosting
provider, or any organisation in the processor role), or on behalf of the patients themselves
(CSP L.1111-8 I), performs HDS activities itself (typically 5, administration and operation,
often 6) and needs its own certificate for each of them: its hosts' certificates do not cover
it (CA Montpellier, 13 juin 2024, RG n° 22/01303, for a software editor with access to the
data). A health professional or establishment acting for its own patients (or any other
organisation acting as controller for its own purposes) needs none: its own links are then out
of HDS scope (see `scope`).

The message says on whose behalf the organisation acts and why it must be certified in words
that fit its kind: a hospital is not told what "an editor" must do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding, Localised, make_finding
from ..inputs import OrganisationKind, Role
from ..views import Outcome

if TYPE_CHECKING:
    from ..chain import Chain

ON_BEHALF_OF_CONTROLLERS = Localised("pour le compte des responsables de traitement qu'elle sert",
                                     "on behalf of the controllers it serves")
ON_BEHALF_OF_PATIENTS = Localised("pour le compte des patients eux-mêmes", "on behalf of the patients themselves")
ON_BEHALF_OF_CUSTOMERS = Localised("pour le compte de ses clients", "on behalf of its customers")

WHY_BY_KIND = {
    OrganisationKind.SOFTWARE_EDITOR: Localised(
        "Un éditeur de logiciel qui traite, stocke ou donne accès aux données de santé de ses clients est "
        "lui-même hébergeur et doit être certifié pour ce qu'il fait (CA Montpellier, 13 juin 2024, "
        "RG n° 22/01303).",
        "A software editor that processes, stores or gives access to its customers' health data is itself a "
        "host and must be certified for what it does (Montpellier Court of Appeal, 13 June 2024, RG "
        "no. 22/01303).",
    ),
    OrganisationKind.HOSTING_PROVIDER: Localised(
        "Un hébergeur doit être certifié pour chacune des activités qu'il réalise : la certification de ses "
        "propres prestataires ne le couvre pas.",
        "A host must be certified for each activity it performs: its own providers' certification does not "
        "cover it.",
    ),
    OrganisationKind.HEALTH_ESTABLISHMENT: Localised(
        "Un établissement de santé n'est dispensé de certification que pour son propre système "
        "d'information et les données de ses propres patients : lorsqu'il héberge des données de santé "
        "pour le compte d'autrui ou des patients eux-mêmes, il est hébergeur pour cette activité.",
        "A health establishment is exempt from certification only for its own information system and its "
        "own patients' data: when it hosts health data on behalf of others or of the patients themselves, "
        "it is a host for that activity.",
    ),
    OrganisationKind.HEALTH_PROFESSIONAL: Localised(
        "Un professionnel de santé n'est dispensé de certification que pour les données de ses propres "
        "patients conservées sur ses propres équipements : lorsqu'il héberge des données de santé pour le "
        "compte d'autrui ou des patients eux-mêmes, il est hébergeur pour cette activité.",
        "A health professional is exempt from certification only for their own patients' data kept on their "
        "own equipment: when they host health data on behalf of others or of the patients themselves, they "
        "are a host for that activity.",
    ),
}
WHY_OTHERWISE = Localised(
    "Quiconque héberge des données de santé pour le compte d'autrui ou des patients eux-mêmes doit être "
    "certifié pour les activités qu'il réalise.",
    "Whoever hosts health data on behalf of others or of the patients themselves must be certified for the "
    "activities they perform.",
)


def check(chain: Chain) -> Iterator[Finding]:
    wording = None
    for view in chain.hds_views:
        if view.supplier is not None:
            continue
        for resolution in view.resolutions:
            if resolution.outcome is Outcome.NONE:
                wording = wording or _wording(chain)
                yield make_finding("self.activity_not_covered", link=view.link.id, activity=resolution.activity,
                                   **wording)


def _wording(chain: Chain) -> dict[str, Localised]:
    processing = chain.processing
    if processing.role is Role.PROCESSOR:
        on_behalf = ON_BEHALF_OF_CONTROLLERS
    elif processing.hosts_for_patients:
        on_behalf = ON_BEHALF_OF_PATIENTS
    else:
        on_behalf = ON_BEHALF_OF_CUSTOMERS
    return {"on_behalf": on_behalf, "why": WHY_BY_KIND.get(chain.organisation.kind, WHY_OTHERWISE)}
