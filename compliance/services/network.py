"""Writes of the network: a provider's offers, inviting and linking client organisations, the
client's read-only copies of what the provider shares, applying an offer to a processing, and
certificates flowing down the links.

The client's copies (a supplier for the provider and one per subcontractor it declares, their
certificates, the shared documents) live in the client's organisation with ``source`` provider
and ``shared_from_id`` naming the provider's row; :func:`link_sync` brings them in line with what
the provider shares now, and only it writes them. A change of what is shared is told to the
client once, by :data:`compliance.signals.provider_certificate_changed` (one alert, one webhook).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from compliance import evaluation, network
from compliance.models import (
    Certificate,
    CertificateSource,
    ChainLink,
    ClientInvitation,
    ClientLink,
    ConformityResult,
    Evidence,
    EvidenceRequest,
    ExemptionReason,
    LinkSide,
    LinkStatus,
    Offer,
    OfferCertificate,
    OfferDocument,
    OfferSubcontractor,
    Processing,
    ProviderProfile,
    ProviderShare,
    SubcontractorCoverage,
    Supplier,
)
from compliance.services._shared import _check_same_organisation, processings_using_suppliers
from compliance.services.processings import chain_link_create
from compliance.signals import provider_certificate_changed
from hds_platform import audit, outbox, writes
from hds_platform.audit import Actor
from hds_platform.errors import Conflict, ServiceError
from hds_platform.models import Organisation, OrganisationKind, User, validate_siren
from hds_platform.services import organisation_create
from hds_platform.tenancy import organisation_context, require_organisation
from hds_platform.tokens import digest_secret, new_link_token

OFFER_FIELDS = frozenset({"name", "description", "activities", "stores_health_data", "storage_countries",
                          "remote_access", "non_eu_laws", "non_eu_law_mitigations", "transparency_url", "published",
                          "certificates", "subcontractors", "documents"})
PROFILE_FIELDS = frozenset({"description", "transparency_url", "trust_page_published"})


class InvalidClientInvitation(ServiceError):
    status_code = 404
    code = "invitation_invalid"


# The provider's side -------------------------------------------------------------------------


def provider_profile_update(*, actor: Actor, **fields) -> ProviderProfile:
    writes.refuse_unknown_fields(fields, PROFILE_FIELDS)
    organisation = require_organisation()
    with transaction.atomic():
        profile, _created = ProviderProfile.objects.get_or_create(organisation=organisation)
        changes = writes.assign_changes(profile, fields)
        if changes:
            profile.full_clean()
            profile.save()
            audit.record(organisation=organisation, actor=actor, action="provider_profile.updated", target=profile,
                         changes=changes)
    return profile


def _check_offer_parts(organisation, certificates, subcontractors, documents) -> None:
    for certificate in certificates:
        _check_same_organisation(organisation, certificates=certificate)
        if certificate.supplier_id is not None:
            raise ServiceError(_("Une offre repose sur vos propres certificats ; ceux d'un sous-traitant se "
                                 "déclarent avec lui."), code="not_own_certificate", field="certificates")
    for item in subcontractors:
        _check_same_organisation(organisation, subcontractors=item["supplier"], certificate=item.get("certificate"),
                                 exemption_evidence=item.get("exemption_evidence"))
        certificate = item.get("certificate")
        if certificate is not None and certificate.supplier_id != item["supplier"].pk:
            raise ServiceError(_("Ce certificat n'est pas celui de ce sous-traitant."),
                               code="certificate_supplier_mismatch", field="subcontractors")
    for evidence in documents:
        _check_same_organisation(organisation, documents=evidence)


def _store_offer_parts(offer: Offer, certificates, subcontractors, documents) -> None:
    if certificates is not None:
        OfferCertificate.objects.filter(offer=offer).delete()
        OfferCertificate.objects.bulk_create(
            [OfferCertificate(organisation=offer.organisation, offer=offer, certificate=c) for c in certificates])
    if subcontractors is not None:
        OfferSubcontractor.objects.filter(offer=offer).delete()
        for item in subcontractors:
            row = OfferSubcontractor(organisation=offer.organisation, offer=offer, **item)
            row.full_clean(exclude=["organisation", "offer"])
            row.save()
    if documents is not None:
        OfferDocument.objects.filter(offer=offer).delete()
        OfferDocument.objects.bulk_create(
            [OfferDocument(organisation=offer.organisation, offer=offer, evidence=e) for e in documents])


def _part_ids(certificates, subcontractors, documents) -> dict:
    changes = {}
    if certificates is not None:
        changes["certificates"] = sorted(c.pk for c in certificates)
    if subcontractors is not None:
        changes["subcontractors"] = [{"supplier": item["supplier"].pk, "activities": sorted(item["activities"]),
                                      "coverage": item.get("coverage", SubcontractorCoverage.CERTIFIED)}
                                     for item in subcontractors]
    if documents is not None:
        changes["documents"] = sorted(e.pk for e in documents)
    return changes


def offer_create(*, actor: Actor, **fields) -> Offer:
    writes.refuse_unknown_fields(fields, OFFER_FIELDS)
    organisation = require_organisation()
    certificates = fields.pop("certificates", [])
    subcontractors = fields.pop("subcontractors", [])
    documents = fields.pop("documents", [])
    _check_offer_parts(organisation, certificates, subcontractors, documents)
    with transaction.atomic():
        offer = Offer(organisation=organisation)
        writes.assign_changes(offer, fields)
        offer.full_clean()
        offer.save()
        _store_offer_parts(offer, certificates, subcontractors, documents)
        audit.record(organisation=organisation, actor=actor, action="offer.created", target=offer,
                     changes={"name": offer.name, "activities": offer.activities,
                              **_part_ids(certificates, subcontractors, documents)})
    return offer


def offer_update(*, offer: Offer, actor: Actor, **fields) -> Offer:
    writes.refuse_unknown_fields(fields, OFFER_FIELDS)
    organisation = require_organisation()
    _check_same_organisation(organisation, offer=offer)
    certificates = fields.pop("certificates", None)
    subcontractors = fields.pop("subcontractors", None)
    documents = fields.pop("documents", None)
    _check_offer_parts(organisation, certificates or [], subcontractors or [], documents or [])
    with transaction.atomic():
        changes = writes.assign_changes(offer, fields)
        changes.update(_part_ids(certificates, subcontractors, documents))
        if not changes:
            return offer
        offer.full_clean()
        offer.save()
        _store_offer_parts(offer, certificates, subcontractors, documents)
        audit.record(organisation=organisation, actor=actor, action="offer.updated", target=offer, changes=changes)
        flow_down(organisation)
    return offer


def offer_delete(*, offer: Offer, actor: Actor) -> None:
    organisation = require_organisation()
    _check_same_organisation(organisation, offer=offer)
    with transaction.atomic():
        in_use = [link for link in ClientLink.objects.filter(status=LinkStatus.ACTIVE) if offer.pk in link.offer_ids]
        if in_use:
            raise Conflict(_("Des clients reposent sur cette offre : terminez d'abord ces liens."),
                           code="offer_in_use")
        audit.record(organisation=organisation, actor=actor, action="offer.deleted", target=offer,
                     changes={"name": offer.name})
        offer.delete()


def flow_down(organisation: Organisation) -> None:
    """After a change of what the provider shares: each active link is brought in line, in its
    client's organisation, after commit (one task per client, through the outbox). A link whose
    shared rows did not change writes and announces nothing."""
    for link_id, client_id in ClientLink.objects.filter(status=LinkStatus.ACTIVE).values_list(
            "pk", "client_organisation_id"):
        outbox.enqueue("compliance.tasks.network_link_sync", client_id, link_id)


def provider_shares_certificate(certificate: Certificate) -> bool:
    """Whether an offer of the current organisation shares this certificate (its own or a subcontractor's)."""
    return (OfferCertificate.objects.filter(certificate=certificate).exists()
            or OfferSubcontractor.objects.filter(certificate=certificate).exists()
            or (certificate.supplier_id is not None
                and OfferSubcontractor.objects.filter(supplier_id=certificate.supplier_id).exists()))


def provider_shares_evidence(evidence: Evidence) -> bool:
    """Whether an offer of the current organisation shares this document (or an earlier version
    of it), directly or as a shared certificate's copy."""
    versions = [evidence.pk, *Evidence.objects.filter(superseded_by=evidence).values_list("pk", flat=True)]
    return (OfferDocument.objects.filter(evidence_id__in=versions).exists()
            or OfferCertificate.objects.filter(certificate__evidence_id__in=versions).exists())


def client_invitation_create(*, actor: Actor, name: str, email: str, offers: list[Offer],
                             siren: str = "") -> tuple[ClientInvitation, str]:
    """Invite a client organisation; the acceptance link is e-mailed after commit and its secret
    returned once (never stored: only its digest is)."""
    organisation = require_organisation()
    email = email.strip().lower()
    siren = siren.replace(" ", "")
    if not offers:
        raise ServiceError(_("Choisissez au moins une offre."), code="offers_required", field="offers")
    for offer in offers:
        _check_same_organisation(organisation, offers=offer)
    with transaction.atomic():
        raw, digest = new_link_token()
        invitation = ClientInvitation(
            organisation=organisation, name=name.strip(), siren=siren, email=email,
            offer_ids=sorted(offer.pk for offer in offers), token_digest=digest, invited_by=actor.user,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        invitation.full_clean(exclude=["organisation"])
        invitation.save()
        audit.record(organisation=organisation, actor=actor, action="client_invitation.created", target=invitation,
                     changes={"name": invitation.name, "siren": siren, "offers": invitation.offer_ids})
        link = f"{settings.SITE_URL}/reseau/invitations/{raw}/"
        language = translation.get_language() or settings.LANGUAGE_CODE
        # Like member invitations, not through the outbox: the link holds a secret never stored.
        transaction.on_commit(lambda: _send_client_invitation(email, organisation.name, invitation.name, link,
                                                              language), robust=True)
    return invitation, raw


def _send_client_invitation(email: str, provider: str, client: str, link: str, language: str) -> None:
    with translation.override(language):
        body = render_to_string("compliance/email/client_invitation.txt",
                                {"provider": provider, "client": client, "link": link})
        send_mail(_("%s vous invite sur Maillon") % provider, body, settings.DEFAULT_FROM_EMAIL, [email])


def client_invitation_revoke(*, invitation: ClientInvitation, actor: Actor) -> ClientInvitation:
    with transaction.atomic():
        if invitation.status != "pending":
            raise Conflict(_("Cette invitation n'est plus en attente."), code="invitation_not_pending")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(organisation=invitation.organisation, actor=actor, action="client_invitation.revoked",
                     target=invitation, changes={})
    return invitation


def pending_client_invitation(raw_token: str) -> ClientInvitation:
    """The pending invitation of a link, or a refusal saying why the link does not work."""
    found = network.find_client_invitation(digest_secret(raw_token))
    if found is None:
        raise InvalidClientInvitation(_("Ce lien d'invitation n'existe pas."))
    if found.status != "pending":
        raise InvalidClientInvitation(_("Ce lien d'invitation a expiré ou a déjà servi."), code="invitation_used")
    return found


# Accepting ------------------------------------------------------------------------------------


def client_invitation_accept(*, raw_token: str, client: Organisation, actor: Actor) -> ClientLink:
    """Link ``client`` (an organisation the actor belongs to) to the provider of the invitation.

    One transaction: the invitation is used once, the link is created on the provider's side,
    and the client gets its supplier for the provider and the shared copies.
    """
    found = pending_client_invitation(raw_token)
    provider = found.organisation
    if provider.pk == client.pk:
        raise ServiceError(_("Une organisation ne peut pas être sa propre cliente."), code="self_link")
    with transaction.atomic():
        with organisation_context(provider):
            invitation = ClientInvitation.objects.select_for_update().get(pk=found.pk)
            if invitation.status != "pending":
                raise InvalidClientInvitation(_("Ce lien d'invitation a expiré ou a déjà servi."),
                                              code="invitation_used")
            if ClientLink.objects.filter(client_organisation=client, status=LinkStatus.ACTIVE).exists():
                raise Conflict(_("Votre organisation est déjà liée à ce prestataire."), code="already_linked")
            offer_ids = list(Offer.objects.filter(pk__in=invitation.offer_ids).values_list("pk", flat=True))
            link = ClientLink.objects.create(organisation=provider, client_organisation=client,
                                             offer_ids=sorted(offer_ids))
            invitation.accepted_at = timezone.now()
            invitation.link = link
            invitation.save(update_fields=["accepted_at", "link"])
            audit.record(organisation=provider, actor=actor, action="client_link.created", target=link,
                         changes={"client": client.name, "offers": link.offer_ids, "invitation": invitation.pk})
        with organisation_context(client):
            audit.record(organisation=client, actor=actor, action="provider_link.created", target=link,
                         changes={"provider": provider.name, "offers": link.offer_ids})
            supplier = link_sync(link, announce=False)
        with organisation_context(provider):
            ClientLink.objects.filter(pk=link.pk).update(client_supplier_id=supplier.pk)
            link.client_supplier_id = supplier.pk
    return link


def client_signup_and_accept(*, raw_token: str, email: str, password: str, organisation_name: str,
                             siren: str, kind: str = OrganisationKind.HEALTH_ESTABLISHMENT) -> tuple[User, ClientLink]:
    """A person with no account: create it, then their organisation, then accept — all or nothing."""
    pending_client_invitation(raw_token)
    email = User.objects.normalize_email(email.strip()).lower()
    siren = siren.replace(" ", "")
    try:
        validate_siren(siren)
    except ValidationError as exc:
        raise ServiceError(exc.messages[0], code="invalid_siren", field="siren") from None
    if not siren:
        raise ServiceError(_("Le SIREN de votre organisation est requis."), code="siren_required", field="siren")
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(_("Un compte existe déjà pour cette adresse : connectez-vous pour accepter."),
                       code="account_exists", field="email")
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password)
        actor = Actor.for_user(user)
        client = organisation_create(name=organisation_name, kind=kind, owner=user, actor=actor, siren=siren)
        link = client_invitation_accept(raw_token=raw_token, client=client, actor=actor)
    return user, link


# The client's copies --------------------------------------------------------------------------


def _free_name(name: str, provider_name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    candidate = f"{name} ({provider_name})"
    n = 2
    while candidate in taken:
        candidate, n = f"{name} ({provider_name} {n})", n + 1
    return candidate


def _sync_suppliers(link: ClientLink, shared: network.Shared, share: str) -> tuple[Supplier, dict[int, Supplier]]:
    """The client's supplier for the provider and one per shared subcontractor, by provider id."""
    copies = {supplier.shared_from_id: supplier for supplier in Supplier.objects.filter(provider_link_id=link.pk)}
    taken = set(Supplier.objects.exclude(provider_link_id=link.pk).values_list("name", flat=True))
    provider = shared.provider
    wanted = {None: {"name": provider.name, "siren": provider.siren, "country": "FR",
                     "transparency_url": shared.profile["transparency_url"]}}
    for supplier_id, values in shared.subcontractors.items():
        wanted[supplier_id] = {key: values[key] for key in network.SHARED_SUPPLIER_FIELDS}
    # An actor is known through the link while the provider shares something that covers it: a
    # certificate, or for a subcontractor the exemption under the provider's audit.
    covered = {row["supplier_id"] for row in shared.certificates.values()}
    for offer in shared.offers.values():
        covered |= {item["supplier_id"] for item in offer["subcontractors"]
                    if item["coverage"] == SubcontractorCoverage.EXEMPTED}
    result = {}
    for source_id, values in wanted.items():
        supplier = copies.pop(source_id, None) or Supplier(provider_link_id=link.pk, shared_from_id=source_id)
        values = {**values, "name": _free_name(values["name"], provider.name, taken)}
        if values["siren"] and Supplier.objects.filter(siren=values["siren"]).exclude(pk=supplier.pk).exists():
            values["siren"] = ""
        values["provider_share"] = share if source_id in covered else ProviderShare.ENDED
        changed = [name for name, value in values.items() if getattr(supplier, name) != value]
        taken.add(values["name"])
        if supplier.pk is None or changed:
            for name, value in values.items():
                setattr(supplier, name, value)
            supplier.full_clean(exclude=["organisation"])
            supplier.save()
        result[source_id] = supplier
    for stale in copies.values():
        # A subcontractor the provider no longer declares: its copy stays, as known history.
        if stale.provider_share != ProviderShare.ENDED:
            stale.provider_share = ProviderShare.ENDED
            stale.save(update_fields=["provider_share", "updated_at"])
    return result.pop(None), result


def _change_of(before: dict | None, after: dict | None) -> str:
    if after is None:
        return "unshared"
    if before is None:
        return "shared"
    if after["status"] != before["status"]:
        return after["status"] if after["status"] != "valid" else "reinstated"
    if set(after["activities"]) < set(before["activities"]):
        return "narrowed"
    if after["expires_on"] != before["expires_on"] or after["issued_on"] != before["issued_on"]:
        return "renewed"
    return "updated"


def _sync_certificates(shared: network.Shared, owners: dict) -> tuple[dict[int, Certificate], list[dict]]:
    """Copies of the shared certificates; returns them by provider id, and what changed."""
    copies = {c.shared_from_id: c for c in Certificate.objects.filter(
        supplier__in=[s.pk for s in owners.values()], shared_from_id__isnull=False)}
    result, changes = {}, []
    for source_id, values in shared.certificates.items():
        after = {key: values[key] for key in network.SHARED_CERTIFICATE_FIELDS}
        copy = copies.pop(source_id, None)
        before = None if copy is None else {key: getattr(copy, key) for key in network.SHARED_CERTIFICATE_FIELDS}
        if before != after:
            copy = copy or Certificate(source=CertificateSource.PROVIDER, shared_from_id=source_id)
            copy.supplier = owners[values["supplier_id"]]
            for name, value in after.items():
                setattr(copy, name, value)
            copy.full_clean(exclude=["organisation"])
            copy.save()
            changes.append({"source": source_id, "certificate": copy, "change": _change_of(before, after)})
        result[source_id] = copy
    for source_id, copy in copies.items():
        changes.append({"source": source_id, "certificate": None, "number": copy.certificate_number,
                        "change": "unshared", "supplier": copy.supplier_id})
        copy.delete()
    return result, changes


def _sync_documents(shared: network.Shared, owners: dict, certificates: dict[int, Certificate], *,
                    active: bool) -> dict[int, Evidence]:
    """Copies of the shared documents. Once the link ended they stay (a contract signed stays
    signed); while it is active, a document no longer shared goes."""
    copies = {e.shared_from_id: e for e in Evidence.objects.filter(
        supplier__in=[s.pk for s in owners.values()], shared_from_id__isnull=False)}
    result = {}
    for source_id, values in shared.documents.items():
        wanted = {key: values[key] for key in network.SHARED_EVIDENCE_FIELDS}
        wanted["supplier"] = owners.get(values["supplier_id"], owners[None])
        certificate = certificates.get(values["certificate_id"])
        wanted["certificate"] = certificate
        copy = copies.pop(source_id, None) or Evidence(shared_from_id=source_id)
        if copy.pk is None or any(getattr(copy, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(copy, name, value)
            copy.full_clean(exclude=["organisation", "file"])
            copy.save()
        result[source_id] = copy
    for copy in copies.values() if active else ():
        copy.delete()  # the file is the provider's: it stays with the provider's row
    for source_id, certificate in certificates.items():
        evidence = result.get(shared.certificates[source_id]["evidence_id"])
        if certificate.evidence_id != (evidence.pk if evidence else None):
            certificate.evidence = evidence
            certificate.save(update_fields=["evidence", "updated_at"])
    return result


def link_sync(link: ClientLink, *, announce: bool = True) -> Supplier:
    """Bring the current (client) organisation's copies in line with what the link's provider
    shares now; re-evaluate the processings relying on them and, when ``announce``, tell the
    client once about the certificates that changed. Idempotent: a second run writes nothing."""
    organisation = require_organisation()
    if link.client_organisation_id != organisation.pk:
        raise ServiceError(_("Objet introuvable."), code="does_not_exist")
    shared = network.shared_by(link)
    share = ProviderShare.ACTIVE if link.status == LinkStatus.ACTIVE else ProviderShare.ENDED
    provider_supplier, subcontractors = _sync_suppliers(link, shared, share)
    owners = {None: provider_supplier, **subcontractors}
    certificates, changes = _sync_certificates(shared, owners)
    _sync_documents(shared, owners, certificates, active=link.status == LinkStatus.ACTIVE)
    if link.status != LinkStatus.ACTIVE:
        # The client's evidence requests are no longer addressed to the provider: its inbox loses
        # them, and row-level security no longer shows them to it.
        EvidenceRequest.objects.filter(addressed_link_id=link.pk, addressed_organisation__isnull=False).update(
            addressed_organisation=None, updated_at=timezone.now())
    affected = sorted(processings_using_suppliers([s.pk for s in owners.values()]))
    before = dict(ConformityResult.objects.filter(processing_id__in=affected).values_list("processing_id", "status"))
    evaluation.evaluate_processings(affected, announce=not (announce and changes))
    if announce and changes:
        _announce(organisation, link, shared, changes, affected, before)
    return provider_supplier


def _announce(organisation, link, shared, changes, affected, before) -> None:
    after = dict(ConformityResult.objects.filter(processing_id__in=affected).values_list("processing_id", "status"))
    names = dict(Processing.objects.filter(pk__in=affected).values_list("pk", "name"))
    offers_of = {}
    for offer in shared.offers.values():
        for certificate_id in offer["certificates"] + [s["certificate_id"] for s in offer["subcontractors"]]:
            offers_of.setdefault(certificate_id, []).append({"id": offer["id"], "name": offer["name"]})
    described = []
    for change in changes:
        certificate = change["certificate"]
        described.append({
            "change": change["change"],
            "offers": offers_of.get(change["source"], []),
            "certificate": None if certificate is None else {
                "id": certificate.pk, "supplier": certificate.supplier_id, "kind": certificate.kind,
                "certificate_number": certificate.certificate_number, "certifier": certificate.certifier,
                "activities": sorted(certificate.activities), "status": certificate.status,
                "issued_on": certificate.issued_on.isoformat() if certificate.issued_on else None,
                "expires_on": certificate.expires_on.isoformat(), "source": certificate.source,
            },
            "certificate_number": certificate.certificate_number if certificate else change["number"],
        })
    data = {
        "provider": {"organisation": shared.provider.slug, "name": shared.provider.name, "link": link.pk,
                     "supplier": link.client_supplier_id},
        "changes": described,
        "processings": [{"id": pk, "name": names.get(pk, ""), "from_status": before.get(pk),
                         "to_status": after.get(pk)} for pk in affected],
    }
    provider_certificate_changed.send(sender=ClientLink, organisation=organisation, link=link, data=data)


# Consent, ending, applying --------------------------------------------------------------------


def link_set_share_status(*, link: ClientLink, share_status: bool, actor: Actor) -> ClientLink:
    """The client gives or withdraws its consent to the provider seeing its statuses."""
    organisation = require_organisation()
    if link.client_organisation_id != organisation.pk:
        raise ServiceError(_("Objet introuvable."), code="does_not_exist")
    with transaction.atomic():
        if link.share_status == share_status:
            return link
        ClientLink.all_organisations.filter(pk=link.pk, client_organisation_id=organisation.pk).update(
            share_status=share_status, updated_at=timezone.now())
        link.share_status = share_status
        audit.record(organisation=organisation, actor=actor, action="provider_link.share_status_changed",
                     target=link, changes={"share_status": share_status})
    return link


def link_end(*, link: ClientLink, actor: Actor) -> ClientLink:
    """Either side ends the link; the row and the audit trail stay. The client's copies stop
    following the provider: its certificates are removed and the chain says it no longer knows."""
    organisation = require_organisation()
    side = (LinkSide.PROVIDER if link.organisation_id == organisation.pk
            else LinkSide.CLIENT if link.client_organisation_id == organisation.pk else None)
    if side is None:
        raise ServiceError(_("Objet introuvable."), code="does_not_exist")
    with transaction.atomic():
        if link.status == LinkStatus.ENDED:
            raise Conflict(_("Ce lien a déjà pris fin."), code="link_ended")
        now = timezone.now()
        ClientLink.all_organisations.filter(pk=link.pk).update(status=LinkStatus.ENDED, ended_at=now, ended_by=side,
                                                              share_status=False, updated_at=now)
        link.status, link.ended_at, link.ended_by, link.share_status = LinkStatus.ENDED, now, side, False
        audit.record(organisation=organisation, actor=actor, action="client_link.ended", target=link,
                     changes={"ended_by": side})
        if side == LinkSide.CLIENT:
            link_sync(link, announce=False)
        else:
            outbox.enqueue("compliance.tasks.network_link_sync", link.client_organisation_id, link.pk)
    return link


def offer_apply(*, link: ClientLink, offer_id: int, processing: Processing, actor: Actor) -> list[ChainLink]:
    """Apply an offer of a linked provider to a processing: the provider as a link with the
    offer's activities and certificates, its subcontractors as sub-links with theirs."""
    organisation = require_organisation()
    _check_same_organisation(organisation, processing=processing)
    if link.client_organisation_id != organisation.pk or link.status != LinkStatus.ACTIVE:
        raise ServiceError(_("Objet introuvable."), code="does_not_exist", field="provider")
    shared = network.shared_by(link, offer_ids=[offer_id])
    offer = shared.offers.get(offer_id)
    if offer is None:
        raise ServiceError(_("Cette offre n'est pas partagée avec vous."), code="does_not_exist", field="offer")
    suppliers = {s.shared_from_id: s for s in Supplier.objects.filter(provider_link_id=link.pk)}
    copies = {c.shared_from_id: c for c in Certificate.objects.filter(
        supplier__in=[s.pk for s in suppliers.values()], shared_from_id__isnull=False)}
    documents = {e.shared_from_id: e for e in Evidence.objects.filter(
        supplier__in=[s.pk for s in suppliers.values()], shared_from_id__isnull=False)}
    if ChainLink.objects.filter(processing=processing, supplier=suppliers[None]).exists():
        raise Conflict(_("Ce prestataire figure déjà dans la chaîne de ce traitement."), code="already_applied",
                       field="processing")
    created = []
    with transaction.atomic():
        top = chain_link_create(
            actor=actor, processing=processing, supplier=suppliers[None], activities=offer["activities"],
            stores_health_data=offer["stores_health_data"], storage_countries=offer["storage_countries"],
            remote_access=offer["remote_access"],
            certificates=[copies[c] for c in offer["certificates"] if c in copies],
        )
        created.append(top)
        for item in offer["subcontractors"]:
            supplier = suppliers.get(item["supplier_id"])
            if supplier is None:
                continue
            fields = {"activities": item["activities"], "stores_health_data": item["stores_health_data"],
                      "storage_countries": offer["storage_countries"] if item["stores_health_data"] else []}
            if item["coverage"] == SubcontractorCoverage.EXEMPTED:
                fields.update(exemption_reason=ExemptionReason.COVERED_BY_PARENT_AUDIT,
                              exemption_evidence=documents.get(item["exemption_evidence_id"]))
            elif item["certificate_id"] in copies:
                fields["certificates"] = [copies[item["certificate_id"]]]
            created.append(chain_link_create(actor=actor, processing=processing, supplier=supplier, parent=top,
                                             **fields))
        audit.record(organisation=organisation, actor=actor, action="offer.applied", target=processing,
                     changes={"provider": shared.provider.name, "offer": offer["name"],
                              "links": [link.pk for link in created]})
    return created
