"""Pages reached without an account, mounted at the site root: the upload page of an evidence
request, whose e-mailed link is the only credential."""

from django.urls import path

from compliance.web.views import evidence_request_upload

urlpatterns = [
    path("depot/<str:token>/", evidence_request_upload.evidence_request_upload, name="evidence-request-upload"),
]
