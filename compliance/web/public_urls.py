"""Pages of the network that need no organisation in the URL: accepting a provider's invitation
(no account needed) and a provider's public trust page."""

from django.urls import path

from compliance.web.views import network

urlpatterns = [
    path("reseau/invitations/<str:token>/", network.client_invitation, name="client-invitation"),
    path("confiance/<slug:slug>/", network.trust_page, name="trust-page"),
]
