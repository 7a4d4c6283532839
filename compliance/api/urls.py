"""API routes of this app: ``tenant_urlpatterns`` go under ``/api/v1/orgs/<org>/``,
``global_urlpatterns`` under ``/api/v1/``."""

tenant_urlpatterns: list = []
global_urlpatterns: list = []
