"""The network's API: a provider's ``offers/``, ``provider/`` (its profile), ``clients/invitations/`` and
``clients/``; a client's ``providers/``. Linking, ending a link and consent need the
organisation permission (owners and admins); offers and applying one need write."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance import network, services
from compliance.api.serializers import ActivitiesField, RemoteAccessListField
from compliance.models import (
    Certificate,
    ClientInvitation,
    ClientLink,
    Evidence,
    LinkSide,
    Offer,
    OfferCertificate,
    OfferDocument,
    OfferSubcontractor,
    Processing,
    ProviderLink,
    ProviderProfile,
    SubcontractorCoverage,
    Supplier,
)
from hds_platform.api.base import OrganisationGenericViewSet, OrganisationModelViewSet
from hds_platform.api.fields import OptionalChoiceField, TenantPrimaryKeyRelatedField
from hds_platform.api.strict import StrictModelSerializer, StrictSerializer
from hds_platform.roles import Perm
from hds_platform.tenancy import organisation_context

# Provider profile and offers ------------------------------------------------------------------


class ProviderProfileSerializer(StrictModelSerializer):
    trust_page_url = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                           help_text="null until the profile is first changed.")

    class Meta:
        model = ProviderProfile
        fields = ["description", "transparency_url", "trust_page_published", "trust_page_url", "updated_at"]
        read_only_fields = ["updated_at"]

    def get_trust_page_url(self, obj) -> str | None:
        return f"/confiance/{self.context['organisation'].slug}/" if obj.trust_page_published else None


class ProviderProfileViewSet(OrganisationGenericViewSet):
    """The provider's profile: one per organisation (created on first change). A single object,
    not a list: no ``model`` for the list machinery."""

    serializer_class = ProviderProfileSerializer
    action_permissions = {"partial_update": Perm.ORGANISATION}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProviderProfile.all_organisations.none()
        return ProviderProfile.objects.filter(organisation=self.organisation)

    def _profile(self):
        return ProviderProfile.objects.filter(organisation=self.organisation).first() or ProviderProfile(
            organisation=self.organisation)

    @extend_schema(summary="The provider profile (trust page opt-in, transparency page)", tags=["offers"])
    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self._profile()).data)

    @extend_schema(summary="Change the provider profile", tags=["offers"])
    def partial_update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self._profile(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = services.provider_profile_update(actor=self.actor, **serializer.validated_data)
        return Response(self.get_serializer(profile).data)


class OfferSubcontractorSerializer(StrictModelSerializer):
    supplier = TenantPrimaryKeyRelatedField(model=Supplier)
    activities = ActivitiesField()
    certificate = TenantPrimaryKeyRelatedField(model=Certificate, allow_null=True, required=False)
    exemption_evidence = TenantPrimaryKeyRelatedField(model=Evidence, allow_null=True, required=False)
    coverage = serializers.ChoiceField(
        choices=SubcontractorCoverage.choices, default=SubcontractorCoverage.CERTIFIED,
        help_text=_("As the v2 guarantee table says: certified (its own certificate) or exempted (covered by "
                    "the provider's audit, with the guarantee table as evidence)."))

    class Meta:
        model = OfferSubcontractor
        fields = ["supplier", "activities", "coverage", "certificate", "exemption_evidence", "stores_health_data"]


class OfferSerializer(StrictModelSerializer):
    activities = ActivitiesField(required=False)
    storage_countries = serializers.ListField(child=serializers.CharField(max_length=2), required=False)
    remote_access_countries = RemoteAccessListField(source="remote_access", required=False)
    non_eu_laws = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    certificates = TenantPrimaryKeyRelatedField(
        model=Certificate, many=True, required=False,
        help_text=_("The provider's own certificates the offer relies on, shared with its clients."))
    subcontractors = OfferSubcontractorSerializer(many=True, required=False)
    documents = TenantPrimaryKeyRelatedField(
        model=Evidence, many=True, required=False,
        help_text=_("Documents shared with the clients: certificate copies, contract template with its "
                    "R.1111-11 clauses, DPA template."))

    class Meta:
        model = Offer
        fields = ["id", "name", "description", "activities", "stores_health_data", "storage_countries",
                  "remote_access_countries", "non_eu_laws", "non_eu_law_mitigations", "transparency_url",
                  "published", "certificates", "subcontractors", "documents", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["certificates"] = sorted(row.certificate_id for row in instance.offer_certificates.all())
        data["documents"] = sorted(row.evidence_id for row in instance.documents.all())
        data["subcontractors"] = OfferSubcontractorSerializer(instance.subcontractors.all(), many=True).data
        return data


@extend_schema_view(list=extend_schema(summary="The provider's offers (chain templates for its clients)"),
                    create=extend_schema(summary="Describe an offer"),
                    retrieve=extend_schema(summary="One offer"),
                    update=extend_schema(summary="Replace an offer (linked clients follow)"),
                    partial_update=extend_schema(summary="Change an offer (linked clients follow)"),
                    destroy=extend_schema(summary="Delete an offer no active link relies on"))
class OfferViewSet(OrganisationModelViewSet):
    model = Offer
    serializer_class = OfferSerializer

    def scope_queryset(self, queryset):
        return queryset.prefetch_related(
            _prefetch("offer_certificates", OfferCertificate), _prefetch("documents", OfferDocument),
            _prefetch("subcontractors", OfferSubcontractor))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer = services.offer_create(actor=self.actor, **_offer_fields(serializer.validated_data))
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        offer = services.offer_update(offer=serializer.instance, actor=self.actor,
                                      **_offer_fields(serializer.validated_data))
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data)

    def perform_destroy(self, instance):
        services.offer_delete(offer=instance, actor=self.actor)


def _prefetch(name, model):
    return Prefetch(name, queryset=model.objects.all())


def _offer_fields(data: dict) -> dict:
    return {**data, **({"subcontractors": [dict(item) for item in data["subcontractors"]]}
                       if "subcontractors" in data else {})}


# Clients (the provider's side) -----------------------------------------------------------------


class ClientInvitationSerializer(StrictModelSerializer):
    offers = TenantPrimaryKeyRelatedField(model=Offer, many=True, write_only=True)
    siren = serializers.CharField(max_length=11, required=False, allow_blank=True, default="")
    status = serializers.CharField(read_only=True)

    class Meta:
        model = ClientInvitation
        fields = ["id", "name", "siren", "email", "offers", "status", "created_at", "expires_at", "accepted_at"]
        read_only_fields = ["id", "created_at", "expires_at", "accepted_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["offers"] = instance.offer_ids
        return data


@extend_schema_view(list=extend_schema(summary="Client invitations sent by the provider"),
                    retrieve=extend_schema(summary="One client invitation"),
                    create=extend_schema(summary="Invite a client organisation; the e-mail carries the link"))
class ClientInvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                              OrganisationGenericViewSet):
    model = ClientInvitation
    serializer_class = ClientInvitationSerializer
    action_permissions = {"create": Perm.ORGANISATION, "revoke": Perm.ORGANISATION}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, _raw = services.client_invitation_create(actor=self.actor, **serializer.validated_data)
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, summary="Revoke a pending client invitation")
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        invitation = services.client_invitation_revoke(invitation=self.get_object(), actor=self.actor)
        return Response(self.get_serializer(invitation).data)


class ClientConformitySerializer(StrictSerializer):
    status = serializers.CharField(allow_null=True)
    processings = serializers.DictField(child=serializers.IntegerField())
    chain_declared = serializers.BooleanField()


class ClientLinkSerializer(StrictModelSerializer):
    client = serializers.SerializerMethodField()
    offers = serializers.ListField(source="offer_ids", child=serializers.IntegerField(), read_only=True)
    conformity = serializers.SerializerMethodField(
        help_text=_("The client's processings relying on the provider: only while the client consents."))
    ended_by = OptionalChoiceField(choices=LinkSide.choices, read_only=True,
                                   help_text=_("Which side ended the link; null while it is active."))

    class Meta:
        model = ClientLink
        fields = ["id", "client", "offers", "status", "share_status", "accepted_at", "ended_at", "ended_by",
                  "conformity"]
        read_only_fields = fields

    def get_client(self, obj) -> dict:
        return {"name": obj.client_organisation.name, "siren": obj.client_organisation.siren}

    def get_conformity(self, obj) -> ClientConformitySerializer(allow_null=True):
        return self.context.get("statuses", {}).get(obj.pk)


@extend_schema_view(list=extend_schema(summary="Linked clients, with the statuses they consent to share"),
                    retrieve=extend_schema(summary="One linked client"))
class ClientLinkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganisationGenericViewSet):
    model = ClientLink
    serializer_class = ClientLinkSerializer
    action_permissions = {"end": Perm.ORGANISATION}

    def scope_queryset(self, queryset):
        return queryset.select_related("client_organisation")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        links = list(self.get_queryset())
        context["statuses"] = network.consented_statuses(links)
        return context

    @extend_schema(request=None, summary="End the link with this client (history stays)")
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        link = services.link_end(link=self.get_object(), actor=self.actor)
        return Response(self.get_serializer(link).data)


# Providers (the client's side) -----------------------------------------------------------------


class ProviderLinkSerializer(StrictModelSerializer):
    provider = serializers.SerializerMethodField()
    supplier = serializers.IntegerField(source="client_supplier_id", read_only=True)
    offers = serializers.SerializerMethodField()
    ended_by = OptionalChoiceField(choices=LinkSide.choices, read_only=True,
                                   help_text=_("Which side ended the link; null while it is active."))

    class Meta:
        model = ClientLink
        fields = ["id", "provider", "supplier", "offers", "status", "share_status", "accepted_at", "ended_at",
                  "ended_by"]
        read_only_fields = ["id", "provider", "supplier", "offers", "status", "accepted_at", "ended_at", "ended_by"]

    def get_provider(self, obj) -> dict:
        return {"name": obj.organisation.name, "siren": obj.organisation.siren}

    def get_offers(self, obj) -> list[dict]:
        shared = self.context.get("shared", {}).get(obj.pk)
        if shared is None:
            return []
        return [{"id": offer["id"], "name": offer["name"], "activities": sorted(offer["activities"]),
                 "storage_countries": offer["storage_countries"], "certificates": sorted(offer["certificates"]),
                 "subcontractors": len(offer["subcontractors"])} for offer in shared.offers.values()]


class ProviderAcceptSerializer(StrictSerializer):
    invitation = serializers.CharField(help_text=_("The token of the link the invitation e-mail carries."))


class ShareStatusSerializer(StrictSerializer):
    share_status = serializers.BooleanField()


class ApplyOfferSerializer(StrictSerializer):
    offer = serializers.IntegerField()
    processing = TenantPrimaryKeyRelatedField(model=Processing)


@extend_schema_view(list=extend_schema(summary="The organisation's linked providers"))
class ProviderLinkViewSet(OrganisationGenericViewSet):
    """A client's links to its providers. The rows are the providers' (the link table both sides
    read): they are found only through :func:`compliance.network.links_of_client`."""

    model = ProviderLink
    serializer_class = ProviderLinkSerializer
    # A handful of rows read through a named reader (a list, not a queryset): neither filtered
    # nor paginated.
    filter_backends = []
    pagination_class = None
    action_permissions = {"create": Perm.ORGANISATION, "partial_update": Perm.ORGANISATION,
                          "end": Perm.ORGANISATION}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProviderLink.all_organisations.none()
        return network.links_of_client()

    def get_object(self):
        link = network.link_of_client(int(self.kwargs["pk"]))
        if link is None:
            raise Http404
        return link

    def _data(self, links):
        shared = {link.pk: network.shared_by(link) for link in links}
        return ProviderLinkSerializer(links, many=True, context={**self.get_serializer_context(), "shared": shared}
                                      ).data

    def list(self, request, *args, **kwargs):
        return Response(self._data(self.get_queryset()))

    @extend_schema(summary="One linked provider")
    def retrieve(self, request, *args, **kwargs):
        return Response(self._data([self.get_object()])[0])

    @extend_schema(request=ProviderAcceptSerializer, responses={201: ProviderLinkSerializer},
                   summary="Accept a provider's invitation for this organisation")
    def create(self, request, *args, **kwargs):
        if self.membership is None:
            return Response({"code": "person_required", "message": _("Une invitation s'accepte en personne.")},
                            status=status.HTTP_403_FORBIDDEN)
        serializer = ProviderAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Accepting writes on both sides of the link, each in its own organisation's context, in one
        # transaction the service opens: leave the request's context (nothing was written in it).
        self._tenant_stack.close()
        self._in_tenant_transaction = False
        link = services.client_invitation_accept(raw_token=serializer.validated_data["invitation"],
                                                 client=self.organisation, actor=self.actor)
        with organisation_context(self.organisation):
            data = self._data([network.link_of_client(link.pk)])[0]
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ShareStatusSerializer, summary="Give or withdraw consent to share statuses")
    def partial_update(self, request, *args, **kwargs):
        link = self.get_object()
        serializer = ShareStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.link_set_share_status(link=link, actor=self.actor, **serializer.validated_data)
        return Response(self._data([link])[0])

    @extend_schema(request=None, summary="End the link with this provider (history stays)")
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        link = services.link_end(link=self.get_object(), actor=self.actor)
        return Response(self._data([link])[0])

    @extend_schema(request=ApplyOfferSerializer, summary="Apply one of the provider's offers to a processing")
    @action(detail=True, methods=["post"], url_path="apply-offer", url_name="apply-offer")
    def apply_offer(self, request, *args, **kwargs):
        link = self.get_object()
        serializer = ApplyOfferSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        created = services.offer_apply(link=link, offer_id=serializer.validated_data["offer"],
                                       processing=serializer.validated_data["processing"], actor=self.actor)
        return Response({"processing": serializer.validated_data["processing"].pk,
                         "links": [link.pk for link in created]}, status=status.HTTP_201_CREATED)
