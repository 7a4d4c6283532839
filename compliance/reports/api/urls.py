"""Routes of the reports API, mounted under ``/api/v1/orgs/<org>/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from compliance.reports.api import views

router = SimpleRouter()
router.register("reports", views.ReportViewSet, basename="report")

tenant_urlpatterns: list = [
    *router.urls,
    path("attestation/", views.AttestationView.as_view(), name="attestation"),
    path("processings/<int:processing_pk>/attestation/", views.ProcessingAttestationView.as_view(),
         name="processing-attestation"),
]
