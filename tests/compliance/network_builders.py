"""A hosting company with an offer to share, and its clients, for the network's tests (and the
factories of the network's tables for the cross-tenant probe)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from django.core import mail
from django.test import TestCase

from compliance import services
from compliance.models import Certificate, ClientLink, Evidence, Offer, Supplier
from hds_platform.audit import Actor
from hds_platform.models import Organisation, OrganisationKind
from hds_platform.tenancy import organisation_context
from tests.compliance import builders
from tests.factories import UserFactory, make_organisation
from tests.tenant_objects import READ_AS, tenant_object

HOST_SIREN = "732829320"
CLIENT_SIREN = "552100554"
_serial = itertools.count(1)


@dataclass
class HostOffer:
    organisation: Organisation
    offer: Offer
    certificate: Certificate
    contract: Evidence
    dpa: Evidence

    def context(self):
        return organisation_context(self.organisation)


def hosting_offer(organisation: Organisation, *, name: str = "Hébergement HDS managé") -> HostOffer:
    """The provider's own certificate (1 to 5, with its document), its hosting contract template
    (every R.1111-11 clause, France) and its DPA, shared through one offer."""
    with organisation_context(organisation):
        certificate = builders.certificate(None, activities=[1, 2, 3, 4, 5],
                                           certificate_number=f"HDS-HOST-{next(_serial)}")
        document = builders.evidence("hds_certificate", certificate=certificate, title="Certificat HDS")
        services.certificate_update(certificate=certificate, actor=builders.ACTOR, evidence=document)
        contract = builders.evidence("hosting_contract", title="Contrat d'hébergement (modèle)")
        dpa = builders.evidence("dpa", title="Accord de sous-traitance (modèle)")
        offer = services.offer_create(
            actor=builders.ACTOR, name=name, activities=[1, 2, 3, 4, 5], storage_countries=["FR"],
            certificates=[certificate], documents=[contract, dpa, document], published=True,
        )
    return HostOffer(organisation, offer, certificate, contract, dpa)


def host_organisation(name: str = "Hébergeur Azur", slug: str = "azur") -> Organisation:
    owner = UserFactory(email=f"owner@{slug}.example")
    return make_organisation(name, owner, kind=OrganisationKind.HOSTING_PROVIDER, slug=slug, siren=HOST_SIREN)


def invite(host: HostOffer, email: str = "dsi@clinique-nord.example", name: str = "Clinique du Nord") -> str:
    """Invite a client by e-mail; returns the token of the link the e-mail carries."""
    sent = len(mail.outbox)
    # The e-mail leaves after commit; inside a test's transaction (no commit), run it all the same.
    with TestCase.captureOnCommitCallbacks(execute=True), host.context():
        services.client_invitation_create(actor=builders.ACTOR, name=name, siren=CLIENT_SIREN, email=email,
                                          offers=[host.offer])
    return token_in(mail.outbox[sent].body)


def token_in(body: str) -> str:
    return re.search(r"/reseau/invitations/([\w-]+)/", body).group(1)


def linked_client(host: HostOffer, organisation: Organisation, owner) -> ClientLink:
    token = invite(host, email=owner.email, name=organisation.name)
    return services.client_invitation_accept(raw_token=token, client=organisation, actor=Actor.for_user(owner))


# The cross-tenant probe's factories -----------------------------------------------------------


def _probe_host(tenant) -> HostOffer:
    return hosting_offer(tenant.organisation, name=f"Offre {next(_serial)}")


@tenant_object("compliance.ProviderProfile")
def _provider_profile(tenant):
    with tenant.context():
        return services.provider_profile_update(actor=builders.ACTOR, description="Hébergeur",
                                                trust_page_published=True)


@tenant_object("compliance.Offer")
def _offer(tenant):
    return _probe_host(tenant).offer


@tenant_object("compliance.OfferCertificate")
def _offer_certificate(tenant):
    from compliance.models import OfferCertificate

    offer = _probe_host(tenant).offer
    with tenant.context():
        return OfferCertificate.objects.filter(offer=offer).first()


@tenant_object("compliance.OfferDocument")
def _offer_document(tenant):
    from compliance.models import OfferDocument

    offer = _probe_host(tenant).offer
    with tenant.context():
        return OfferDocument.objects.filter(offer=offer).first()


@tenant_object("compliance.OfferSubcontractor")
def _offer_subcontractor(tenant):
    from compliance.models import OfferSubcontractor

    host = _probe_host(tenant)
    with tenant.context():
        supplier = builders.supplier(f"Sous-traitant {next(_serial)}")
        certificate = builders.certificate(supplier, activities=[1, 2])
        services.offer_update(offer=host.offer, actor=builders.ACTOR, subcontractors=[
            {"supplier": supplier, "activities": [1, 2], "certificate": certificate}])
        return OfferSubcontractor.objects.get(offer=host.offer)


@tenant_object("compliance.ClientInvitation")
def _client_invitation(tenant):
    host = _probe_host(tenant)
    with tenant.context():
        return services.client_invitation_create(actor=builders.ACTOR, name=f"Client {next(_serial)}",
                                                 email=f"client{next(_serial)}@example.org", offers=[host.offer])[0]


@tenant_object("compliance.ClientLink")
def _client_link(tenant):
    host = _probe_host(tenant)
    serial = next(_serial)
    owner = UserFactory(email=f"client{serial}@probe.example")
    client = make_organisation(f"Client lié {serial}", owner, kind=OrganisationKind.HEALTH_ESTABLISHMENT)
    return linked_client(host, client, owner)


READ_AS["compliance.ClientLink"] = ("organisation", "client_organisation")
READ_AS["compliance.ProviderLink"] = ("client_organisation",)


@tenant_object("compliance.ProviderLink")
def _provider_link(tenant):
    """A link whose client is ``tenant`` (its provider another organisation), as ``…/providers/`` reads it."""
    from compliance.models import ProviderLink

    serial = next(_serial)
    host = hosting_offer(host_organisation(f"Hébergeur {serial}", f"hebergeur-{serial}"))
    link = linked_client(host, tenant.organisation, tenant.owner)
    return ProviderLink.all_organisations.get(pk=link.pk)


READ_AS["compliance.EvidenceRequest"] = ("organisation", "addressed_organisation")
READ_AS["compliance.IncomingEvidenceRequest"] = ("addressed_organisation",)


@tenant_object("compliance.IncomingEvidenceRequest")
def _incoming_evidence_request(tenant):
    """A request a linked client addressed to ``tenant`` as its provider, as ``…/incoming-evidence-requests/``
    reads it: the client's row, in ``tenant``'s inbox."""
    from compliance.models import IncomingEvidenceRequest

    host = _probe_host(tenant)
    serial = next(_serial)
    owner = UserFactory(email=f"asker{serial}@probe.example")
    client = make_organisation(f"Client demandeur {serial}", owner, kind=OrganisationKind.HEALTH_ESTABLISHMENT)
    link = linked_client(host, client, owner)
    with organisation_context(client):
        request, _raw = services.evidence_request_create(
            actor=builders.ACTOR, supplier=Supplier.objects.get(pk=link.client_supplier_id),
            kinds=["hds_certificate", "dpa"], contact_email=f"contact{serial}@probe.example")
    return IncomingEvidenceRequest.all_organisations.get(pk=request.pk)
