"""Pages reached without an account or with no organisation in the URL, mounted at the site root:
the upload page of an evidence request (its e-mailed link is the only credential), accepting a
provider's invitation (no account needed) and a provider's public trust page."""

from django.urls import path

from compliance.web.views import evidence_request_upload, network

urlpatterns = [
    path("depot/<str:token>/", evidence_request_upload.evidence_request_upload, name="evidence-request-upload"),
    path("reseau/invitations/<str:token>/", network.client_invitation, name="client-invitation"),
    path("confiance/<slug:slug>/", network.trust_page, name="trust-page"),
]
