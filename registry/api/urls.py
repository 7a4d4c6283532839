"""API routes of this app: ``tenant_urlpatterns`` go under ``/api/v1/orgs/<org>/``,
``global_urlpatterns`` under ``/api/v1/``."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from registry.api import views

router = SimpleRouter()
router.register("hosts", views.HostViewSet, basename="registry-host")
router.register("snapshots", views.SnapshotViewSet, basename="registry-snapshot")

tenant_urlpatterns: list = []
global_urlpatterns: list = [path("registry/", include(router.urls))]
