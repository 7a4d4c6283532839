"""Pages of an organisation's compliance data, mounted under ``/o/<org>/`` (the dashboard, at
``/o/<org>/`` itself, is named ``dashboard`` in the project's URLs)."""

from django.urls import path

from compliance.web import views

app_name = "compliance"

urlpatterns = [
    path("traitements/", views.processing_list, name="processing-list"),
    path("traitements/nouveau/", views.processing_create, name="processing-create"),
    path("traitements/<int:pk>/", views.processing_detail, name="processing-detail"),
    path("traitements/<int:pk>/modifier/", views.processing_edit, name="processing-edit"),
    path("traitements/<int:pk>/supprimer/", views.processing_delete, name="processing-delete"),
    path("traitements/<int:pk>/diagramme/", views.processing_diagram, name="processing-diagram"),
    path("traitements/<int:pk>/evaluer/", views.processing_evaluate, name="processing-evaluate"),
    path("traitements/<int:pk>/chaine/", views.chain_editor, name="chain-editor"),
    path("traitements/<int:pk>/chaine/<int:link_pk>/", views.chain_link_edit, name="chain-link-edit"),
    path("traitements/<int:pk>/chaine/<int:link_pk>/retirer/", views.chain_link_delete, name="chain-link-delete"),
    path("fournisseurs/", views.supplier_list, name="supplier-list"),
    path("fournisseurs/nouveau/", views.supplier_create, name="supplier-create"),
    path("fournisseurs/<int:pk>/", views.supplier_detail, name="supplier-detail"),
    path("fournisseurs/<int:pk>/modifier/", views.supplier_edit, name="supplier-edit"),
    path("fournisseurs/<int:pk>/supprimer/", views.supplier_delete, name="supplier-delete"),
    path("fournisseurs/<int:pk>/correspondance/confirmer/", views.supplier_match_confirm,
         name="supplier-match-confirm"),
    path("fournisseurs/<int:pk>/correspondance/rejeter/", views.supplier_match_reject, name="supplier-match-reject"),
    path("certificats/", views.certificate_list, name="certificate-list"),
    path("certificats/nouveau/", views.certificate_create, name="certificate-create"),
    path("certificats/<int:pk>/supprimer/", views.certificate_delete, name="certificate-delete"),
    path("preuves/", views.evidence_list, name="evidence-list"),
    path("preuves/<int:pk>/fichier/", views.evidence_download, name="evidence-download"),
    path("preuves/<int:pk>/supprimer/", views.evidence_delete, name="evidence-delete"),
    path("registre/", views.registry_search, name="registry-search"),
]
