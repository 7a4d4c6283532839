from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from compliance.web.views import dashboard
from hds_platform import health, views
from hds_platform.api.schema_view import CachedSpectacularAPIView

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
    path("connexion/", auth_views.LoginView.as_view(template_name="hds_platform/login.html",
                                                   redirect_authenticated_user=True), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("o/<slug:org>/parametres/", views.settings_home, name="settings"),
    path("o/<slug:org>/parametres/membres/", views.settings_members, name="settings-members"),
    path("o/<slug:org>/parametres/membres/<int:pk>/role/", views.member_change_role, name="settings-member-role"),
    path("o/<slug:org>/parametres/membres/<int:pk>/retirer/", views.member_remove, name="settings-member-remove"),
    path("o/<slug:org>/parametres/invitations/<int:pk>/annuler/", views.invitation_revoke,
         name="settings-invitation-revoke"),
    path("o/<slug:org>/parametres/jetons/", views.settings_tokens, name="settings-tokens"),
    path("o/<slug:org>/parametres/jetons/<int:pk>/revoquer/", views.token_revoke, name="settings-token-revoke"),
    path("o/<slug:org>/journal/", views.audit_log, name="audit-log"),
    path("o/<slug:org>/", dashboard.dashboard, name="dashboard"),
    path("o/<slug:org>/", include("compliance.web.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("hds_platform.api.urls")),
    path("api/schema/", CachedSpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
