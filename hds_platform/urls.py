from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from compliance.web.views import dashboard
from hds_platform import error_pages, health, uploads, views
from hds_platform.accounts import public_views
from hds_platform.accounts import views as account_views
from hds_platform.api.schema_view import CachedSpectacularAPIView
from hds_platform.api.views import ApiIndexView
from hds_platform.oauth import views as oauth_views

handler400 = uploads.bad_request
handler500 = error_pages.server_error

urlpatterns = [
    # The API first: no page route can match /api/…, and the API is what is called all day
    # (each route tried before the right one costs every request its match).
    path("api/v1/", include("hds_platform.api.urls")),
    path("api/", ApiIndexView.as_view(), name="api-index"),
    path("api/schema/", CachedSpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's set-up as a script file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("oauth/", include("hds_platform.oauth.urls")),
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
    path("connexion/", auth_views.LoginView.as_view(template_name="hds_platform/login.html",
                                                   redirect_authenticated_user=True), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitations/<str:token>/", public_views.invitation_page, name="invitation-accept"),
    path("inscription/", public_views.signup_view, name="signup"),
    path("inscription/envoyee/", public_views.signup_done, name="signup-done"),
    path("inscription/verifier/<str:token>/", public_views.verify_email, name="verify-email"),
    path("compte/verification/renvoyer/", public_views.resend_verification, name="resend-verification"),
    path("mot-de-passe/oublie/", public_views.PasswordResetView.as_view(), name="password-reset"),
    path("mot-de-passe/oublie/envoye/", public_views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("mot-de-passe/nouveau/<uidb64>/<token>/", public_views.PasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("mot-de-passe/nouveau/termine/", public_views.PasswordResetCompleteView.as_view(),
         name="password-reset-complete"),
    path("", include("compliance.web.public_urls")),
    path("compte/", account_views.account, name="account"),
    path("compte/double-authentification/verifier/", account_views.mfa_verify, name="mfa-verify"),
    path("compte/double-authentification/activer/", account_views.mfa_setup, name="mfa-setup"),
    path("compte/double-authentification/codes/", account_views.mfa_recovery_codes, name="mfa-recovery-codes"),
    path("compte/double-authentification/desactiver/", account_views.mfa_remove, name="mfa-remove"),
    path("compte/mot-de-passe/", account_views.password_change, name="password-change"),
    path("compte/confirmer/", account_views.reauthenticate, name="reauthenticate"),
    path("compte/applications/", oauth_views.my_applications, name="my-applications"),
    path("o/<slug:org>/parametres/", views.settings_home, name="settings"),
    path("o/<slug:org>/parametres/membres/", views.settings_members, name="settings-members"),
    path("o/<slug:org>/parametres/membres/<int:pk>/role/", views.member_change_role, name="settings-member-role"),
    path("o/<slug:org>/parametres/membres/<int:pk>/retirer/", views.member_remove, name="settings-member-remove"),
    path("o/<slug:org>/parametres/invitations/<int:pk>/annuler/", views.invitation_revoke,
         name="settings-invitation-revoke"),
    path("o/<slug:org>/parametres/securite/", views.settings_security, name="settings-security"),
    path("o/<slug:org>/parametres/supprimer/", views.settings_delete, name="settings-delete"),
    path("o/<slug:org>/parametres/jetons/", views.settings_tokens, name="settings-tokens"),
    path("o/<slug:org>/parametres/jetons/<int:pk>/revoquer/", views.token_revoke, name="settings-token-revoke"),
    path("o/<slug:org>/parametres/applications/", oauth_views.settings_apps, name="settings-apps"),
    path("o/<slug:org>/parametres/applications/<int:pk>/revoquer/", oauth_views.settings_app_revoke,
         name="settings-app-revoke"),
    path("o/<slug:org>/journal/", views.audit_log, name="audit-log"),
    path("o/<slug:org>/", dashboard.dashboard, name="dashboard"),
    path("o/<slug:org>/", include("compliance.web.urls")),
    path("o/<slug:org>/rapports/", include("compliance.reports.web.urls")),
    path("", include("compliance.reports.attestations.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
