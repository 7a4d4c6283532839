"""``/api/v1/``: global routes, then every tenant route under ``orgs/<org>/``.

Each app contributes ``tenant_urlpatterns`` (mounted under the organisation)
and ``global_urlpatterns`` from its ``api/urls.py``.
"""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from compliance.api import urls as compliance_urls
from compliance.monitoring.api import urls as monitoring_urls
from compliance.reports.api import urls as reports_urls
from hds_platform.api import views
from hds_platform.oauth import api as oauth_api
from registry.api import urls as registry_urls

router = SimpleRouter()
router.register("members", views.MemberViewSet, basename="member")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("tokens", views.ApiTokenViewSet, basename="apitoken")
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")
router.register("connected-apps", oauth_api.AppConnectionViewSet, basename="appconnection")

tenant_urlpatterns = [
    *router.urls,
    *compliance_urls.tenant_urlpatterns,
    *monitoring_urls.tenant_urlpatterns,
    *reports_urls.tenant_urlpatterns,
]

urlpatterns = [
    path("", views.ApiIndexView.as_view(), name="api-v1-index"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/reauthenticate/", views.ReauthenticateView.as_view(), name="me-reauthenticate"),
    path("apps/", oauth_api.ApplicationListView.as_view(), name="applications"),
    path("invitations/accept/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("orgs/<slug:org>/", include(tenant_urlpatterns)),
    *registry_urls.global_urlpatterns,
    *compliance_urls.global_urlpatterns,
]
