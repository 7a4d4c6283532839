"""Report pages, mounted under ``/o/<org>/rapports/``."""

from django.urls import path

from compliance.reports.web import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="report-list"),
    path("demander/", views.report_request, name="report-request"),
    path("<int:pk>/etat/", views.report_status, name="report-status"),
    path("<int:pk>/fichier/", views.report_download, name="report-download"),
]
