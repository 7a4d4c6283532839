"""Public routes of attestations (no login): the key set and the verification page."""

from django.urls import path

from compliance.reports.attestations import views

urlpatterns = [
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("verifier/", views.verify, name="attestation-verify"),
]
