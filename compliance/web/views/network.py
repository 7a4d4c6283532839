"""The network's pages: the provider's offers and clients, the client's providers, the public
acceptance page of a client invitation and a provider's public trust page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance import network, services
from compliance.models import (
    Certificate,
    ClientInvitation,
    ClientLink,
    Evidence,
    EvidenceKind,
    Offer,
    OfferCertificate,
    Processing,
    ProviderProfile,
    SubcontractorCoverage,
    Supplier,
)
from compliance.web.views._shared import REFUSALS, _actor, _refused
from hds_platform import crossing
from hds_platform.audit import Actor
from hds_platform.models import Organisation
from hds_platform.params import parse_id
from hds_platform.roles import ROLE_PERMISSIONS, Perm
from hds_platform.tenancy import organisation_context
from hds_platform.web import organisation_view

# The provider's pages -------------------------------------------------------------------------


@organisation_view(Perm.READ)
@require_http_methods(["GET", "POST"])
def offer_list(request):
    profile = ProviderProfile.objects.first() or ProviderProfile(organisation=request.organisation)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "profile":
                services.provider_profile_update(
                    actor=_actor(request), description=request.POST.get("description", ""),
                    transparency_url=request.POST.get("transparency_url", "").strip(),
                    trust_page_published=request.POST.get("trust_page_published") == "on")
                messages.success(request, _("Profil de prestataire enregistré."))
            else:
                _create_offer(request)
        except REFUSALS as exc:
            _refused(request, exc)
        else:
            return redirect("compliance:offer-list", org=request.organisation.slug)
    offers = list(Offer.objects.prefetch_related("offer_certificates", "documents", "subcontractors"))
    certificates = {c.pk: c for c in Certificate.objects.filter(supplier__isnull=True)}
    documents = {e.pk: e for e in Evidence.objects.filter(supplier__isnull=True, superseded_by__isnull=True)}
    return render(request, "compliance/network_offers.html", {
        "section": "network", "tab": "offers", "profile": profile,
        "own_certificates": list(certificates.values()), "own_documents": list(documents.values()),
        "offers": [{"offer": o, "certificates": [certificates[r.certificate_id] for r in o.offer_certificates.all()
                                                 if r.certificate_id in certificates],
                    "documents": [documents[r.evidence_id] for r in o.documents.all() if r.evidence_id in documents]}
                   for o in offers],
    }, status=400 if request.method == "POST" else 200)


def _create_offer(request) -> None:
    activities = sorted({int(value) for value in request.POST.getlist("activities") if value in "123456"})
    countries = [c.strip().upper() for c in request.POST.get("storage_countries", "").split(",") if c.strip()]
    services.offer_create(
        actor=_actor(request), name=request.POST.get("name", "").strip(),
        description=request.POST.get("description", ""), activities=activities, storage_countries=countries,
        published=request.POST.get("published") == "on",
        certificates=list(Certificate.objects.filter(supplier__isnull=True,
                                                     pk__in=_ids(request.POST.getlist("certificates")))),
        documents=list(Evidence.objects.filter(pk__in=_ids(request.POST.getlist("documents")))),
    )
    messages.success(request, _("Offre enregistrée."))


def _ids(values) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


@organisation_view(Perm.READ)
@require_http_methods(["GET", "POST"])
def offer_detail(request, pk):
    """One offer: its subcontractors (certified with their certificate, or exempted under the
    provider's audit with the guarantee table as evidence, as the v2 table words it) and the
    documents it shares. Every change goes through the offer's service, so linked clients follow."""
    offer = get_object_or_404(Offer.objects.prefetch_related("subcontractors", "documents"), pk=pk)
    if request.method == "POST":
        try:
            _change_offer(request, offer)
        except REFUSALS as exc:
            _refused(request, exc)
        else:
            return redirect("compliance:offer-detail", org=request.organisation.slug, pk=offer.pk)
        offer = Offer.objects.prefetch_related("subcontractors", "documents").get(pk=offer.pk)
    subcontractors = list(offer.subcontractors.select_related("supplier", "certificate", "exemption_evidence"))
    shared = {row.evidence_id for row in offer.documents.all()}
    suppliers = list(Supplier.objects.order_by("name", "id"))
    return render(request, "compliance/network_offer.html", {
        "section": "network", "tab": "offers", "offer": offer, "subcontractors": subcontractors,
        "suppliers": suppliers, "coverages": SubcontractorCoverage.choices,
        "supplier_certificates": list(Certificate.objects.filter(supplier__isnull=False)
                                      .select_related("supplier").order_by("supplier__name", "id")),
        "guarantee_tables": list(Evidence.objects.filter(kind=EvidenceKind.EXEMPTION_PROOF, superseded_by__isnull=True)
                                 .order_by("title", "id")),
        "own_documents": [{"evidence": e, "shared": e.pk in shared} for e in
                          Evidence.objects.filter(supplier__isnull=True, superseded_by__isnull=True)
                          .order_by("title", "id")],
    }, status=400 if request.method == "POST" else 200)


_ACTIVITIES = frozenset("123456")


def _subcontractor_items(offer: Offer) -> list[dict]:
    return [{"supplier": row.supplier, "activities": row.activities, "coverage": row.coverage,
             "certificate": row.certificate, "exemption_evidence": row.exemption_evidence,
             "stores_health_data": row.stores_health_data}
            for row in offer.subcontractors.select_related("supplier", "certificate", "exemption_evidence")]


def _one(model, value):
    """The row of the current organisation a form field names, or None (the service says what is missing)."""
    row_id = parse_id(value)
    return model.objects.filter(pk=row_id).first() if row_id is not None else None


def _change_offer(request, offer: Offer) -> None:
    action = request.POST.get("action")
    if action == "documents":
        services.offer_update(offer=offer, actor=_actor(request), documents=list(Evidence.objects.filter(
            supplier__isnull=True, pk__in=_ids(request.POST.getlist("documents")))))
        messages.success(request, _("Documents partagés enregistrés."))
    elif action == "subcontractor_remove":
        supplier_id = parse_id(request.POST.get("supplier"))
        items = _subcontractor_items(offer)
        kept = [item for item in items if item["supplier"].pk != supplier_id]
        if len(kept) == len(items):
            raise Http404
        services.offer_update(offer=offer, actor=_actor(request), subcontractors=kept)
        messages.success(request, _("Sous-traitant retiré de l'offre."))
    elif action == "subcontractor":
        supplier = _one(Supplier, request.POST.get("supplier"))
        if supplier is None:
            raise ValidationError(_("Choisissez un fournisseur."), code="supplier_required")
        coverage = request.POST.get("coverage", "")
        item = {"supplier": supplier, "coverage": coverage,
                "activities": sorted({int(v) for v in request.POST.getlist("activities") if v in _ACTIVITIES}),
                "certificate": _one(Certificate, request.POST.get("certificate"))
                if coverage == SubcontractorCoverage.CERTIFIED else None,
                "exemption_evidence": _one(Evidence, request.POST.get("exemption_evidence"))
                if coverage == SubcontractorCoverage.EXEMPTED else None,
                "stores_health_data": request.POST.get("stores_health_data") == "on"}
        # Declaring a supplier already in the offer replaces its declaration.
        items = [i for i in _subcontractor_items(offer) if i["supplier"].pk != supplier.pk] + [item]
        services.offer_update(offer=offer, actor=_actor(request), subcontractors=items)
        messages.success(request, _("Sous-traitant « %s » déclaré.") % supplier.name)
    else:
        raise ValidationError(_("Action inconnue."), code="unknown_action")


@organisation_view(Perm.READ)
@require_http_methods(["GET", "POST"])
def client_list(request):
    if request.method == "POST":
        if Perm.ORGANISATION not in request.permissions:
            raise Http404
        try:
            invitation, _raw = services.client_invitation_create(
                actor=_actor(request), name=request.POST.get("name", ""), siren=request.POST.get("siren", ""),
                email=request.POST.get("email", ""),
                offers=list(Offer.objects.filter(pk__in=_ids(request.POST.getlist("offers")))))
        except REFUSALS as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Invitation envoyée à %s.") % invitation.email)
            return redirect("compliance:client-list", org=request.organisation.slug)
    links = list(ClientLink.objects.select_related("client_organisation"))
    statuses = network.consented_statuses(links)
    invitations = [i for i in ClientInvitation.objects.all() if i.status != "accepted"]
    return render(request, "compliance/network_clients.html", {
        "section": "network", "tab": "clients", "offers": list(Offer.objects.all()),
        "rows": [{"link": link, "conformity": statuses.get(link.pk)} for link in links],
        "invitations": invitations,
    }, status=400 if request.method == "POST" else 200)


@organisation_view(Perm.ORGANISATION)
@require_POST
def client_end(request, pk):
    link = get_object_or_404(ClientLink.objects.all(), pk=pk)
    try:
        services.link_end(link=link, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Le lien avec %s a pris fin.") % link.client_organisation.name)
    return redirect("compliance:client-list", org=request.organisation.slug)


@organisation_view(Perm.ORGANISATION)
@require_POST
def client_invitation_revoke(request, pk):
    invitation = get_object_or_404(ClientInvitation.objects.all(), pk=pk)
    try:
        services.client_invitation_revoke(invitation=invitation, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("L'invitation de %s est annulée.") % invitation.name)
    return redirect("compliance:client-list", org=request.organisation.slug)


# The client's pages ---------------------------------------------------------------------------


@organisation_view(Perm.READ)
@require_GET
def provider_list(request):
    links = network.links_of_client()
    return render(request, "compliance/network_providers.html", {
        "section": "network", "tab": "providers",
        "rows": [{"link": link, "shared": network.shared_by(link)} for link in links],
        "processings": list(Processing.objects.order_by("name", "id")),
    })


def _client_link(pk: int) -> ClientLink:
    link = network.link_of_client(pk)
    if link is None:
        raise Http404
    return link


@organisation_view(Perm.ORGANISATION)
@require_POST
def provider_consent(request, pk):
    link = _client_link(pk)
    share = request.POST.get("share_status") == "on"
    services.link_set_share_status(link=link, share_status=share, actor=_actor(request))
    messages.success(request, _("%s voit désormais le statut de vos traitements qui reposent sur lui.")
                     % link.organisation.name if share else
                     _("%s ne voit plus le statut de vos traitements.") % link.organisation.name)
    return redirect("compliance:provider-list", org=request.organisation.slug)


@organisation_view(Perm.ORGANISATION)
@require_POST
def provider_end(request, pk):
    link = _client_link(pk)
    try:
        services.link_end(link=link, actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Le lien avec %s a pris fin.") % link.organisation.name)
    return redirect("compliance:provider-list", org=request.organisation.slug)


@organisation_view(Perm.WRITE)
@require_POST
def provider_apply_offer(request, pk):
    link = _client_link(pk)
    processing = get_object_or_404(Processing.objects.all(), pk=parse_id(request.POST.get("processing")))
    try:
        services.offer_apply(link=link, offer_id=parse_id(request.POST.get("offer")), processing=processing,
                             actor=_actor(request))
    except REFUSALS as exc:
        _refused(request, exc)
        return redirect("compliance:provider-list", org=request.organisation.slug)
    messages.success(request, _("L'offre est appliquée à « %s ».") % processing.name)
    return redirect("compliance:processing-detail", org=request.organisation.slug, pk=processing.pk)


# Public pages ---------------------------------------------------------------------------------


def _organisations_that_may_accept(user) -> list[Organisation]:
    if not user.is_authenticated:
        return []
    return [m.organisation for m in crossing.memberships_of(user)
            if Perm.ORGANISATION in ROLE_PERMISSIONS[m.role]]


@require_http_methods(["GET", "POST"])
def client_invitation(request, token):
    """Accept a provider's invitation: a person with no account creates it and their organisation;
    a member picks one of their organisations. The link works once."""
    try:
        invitation = services.network.pending_client_invitation(token)
    except services.network.InvalidClientInvitation as exc:
        return render(request, "compliance/network_invitation.html", {"error": exc.message}, status=404)
    with organisation_context(invitation.organisation):
        offers = list(Offer.objects.filter(pk__in=invitation.offer_ids).values_list("name", flat=True))
    context = {"invitation": invitation, "provider": invitation.organisation, "offers": offers, "token": token,
               "organisations": _organisations_that_may_accept(request.user), "values": {
                   "email": invitation.email, "organisation_name": invitation.name, "siren": invitation.siren}}
    if request.method == "POST":
        try:
            client = _accept(request, token)
        except (*REFUSALS, ValueError) as exc:
            message = exc.message if hasattr(exc, "message") else "; ".join(getattr(exc, "messages", [str(exc)]))
            context.update(error=message, values={**context["values"], **request.POST.dict()})
            return render(request, "compliance/network_invitation.html", context, status=400)
        messages.success(request, _("Votre organisation est reliée à %s.") % invitation.organisation.name)
        return redirect("compliance:provider-list", org=client.slug)
    return render(request, "compliance/network_invitation.html", context)


def _accept(request, token) -> Organisation:
    if request.POST.get("action") == "signup":
        password = request.POST.get("password", "")
        validate_password(password)
        user, link = services.client_signup_and_accept(
            raw_token=token, email=request.POST.get("email", ""), password=password,
            organisation_name=request.POST.get("organisation_name", "").strip(),
            siren=request.POST.get("siren", ""))
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return link.client_organisation
    chosen = {o.slug: o for o in _organisations_that_may_accept(request.user)}.get(request.POST.get("organisation"))
    if chosen is None:
        raise ValidationError(_("Choisissez une de vos organisations."))
    services.client_invitation_accept(raw_token=token, client=chosen, actor=Actor.for_user(request.user))
    return chosen


@require_GET
def trust_page(request, slug):
    """A provider's public trust page: only what it chose to publish, with its ANS list match."""
    provider = Organisation.objects.filter(slug=slug, deleted_at__isnull=True).first()
    if provider is None:
        raise Http404
    with organisation_context(provider):
        profile = ProviderProfile.objects.filter(trust_page_published=True).first()
        if profile is None:
            raise Http404
        offers = list(Offer.objects.filter(published=True))
        rows = OfferCertificate.objects.filter(offer__in=offers).select_related("certificate")
        certificates = {row.certificate_id: row.certificate for row in rows}
    numbers = [c.certificate_number for c in certificates.values() if c.certificate_number]
    listed = network.registry_listing(numbers)
    return render(request, "compliance/trust_page.html", {
        "provider": provider, "profile": profile, "offers": offers,
        "certificates": [{"certificate": c, "listed": listed.get(c.certificate_number)}
                         for c in sorted(certificates.values(), key=lambda c: c.pk)],
        "kinds": EvidenceKind,
    })
