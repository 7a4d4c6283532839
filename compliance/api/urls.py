"""API routes of this app: ``tenant_urlpatterns`` go under ``/api/v1/orgs/<org>/``,
``global_urlpatterns`` under ``/api/v1/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from compliance.api import evidence_requests, network, supplier_import, views

router = SimpleRouter()
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("certificates", views.CertificateViewSet, basename="certificate")
router.register("processings", views.ProcessingViewSet, basename="processing")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("evidence-requests", evidence_requests.EvidenceRequestViewSet, basename="evidence-request")
router.register("incoming-evidence-requests", evidence_requests.IncomingEvidenceRequestViewSet,
                basename="incoming-evidence-request")
router.register("offers", network.OfferViewSet, basename="offer")
router.register("clients/invitations", network.ClientInvitationViewSet, basename="client-invitation")
router.register("clients", network.ClientLinkViewSet, basename="client-link")
router.register("providers", network.ProviderLinkViewSet, basename="provider-link")
provider_profile = network.ProviderProfileViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

chain_list = views.ChainLinkViewSet.as_view({"get": "list", "post": "create"})
chain_detail = views.ChainLinkViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
supplier_certificates = views.SupplierCertificateViewSet.as_view({"get": "list", "post": "create"})

tenant_urlpatterns: list = [
    *router.urls,
    path("suppliers/import/", supplier_import.SupplierImportView.as_view(), name="supplier-import"),
    path("conformity/", views.ConformitySummaryView.as_view(), name="conformity-summary"),
    path("provider/", provider_profile, name="provider-profile"),
    path("suppliers/<int:supplier_pk>/certificates/", supplier_certificates, name="supplier-certificates"),
    path("processings/<int:processing_pk>/chain/", chain_list, name="chain-list"),
    path("processings/<int:processing_pk>/chain/<int:pk>/", chain_detail, name="chain-detail"),
]
global_urlpatterns: list = []
