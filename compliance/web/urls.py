"""Pages of an organisation's compliance data, mounted under ``/o/<org>/`` (the dashboard, at
``/o/<org>/`` itself, is named ``dashboard`` in the project's URLs)."""

from django.urls import path

from compliance.web.views import alerts, certificates, evidence, processings, registry, suppliers, webhooks

app_name = "compliance"

urlpatterns = [
    path("traitements/", processings.processing_list, name="processing-list"),
    path("traitements/nouveau/", processings.processing_create, name="processing-create"),
    path("traitements/<int:pk>/", processings.processing_detail, name="processing-detail"),
    path("traitements/<int:pk>/modifier/", processings.processing_edit, name="processing-edit"),
    path("traitements/<int:pk>/supprimer/", processings.processing_delete, name="processing-delete"),
    path("traitements/<int:pk>/diagramme/", processings.processing_diagram, name="processing-diagram"),
    path("traitements/<int:pk>/evaluer/", processings.processing_evaluate, name="processing-evaluate"),
    path("traitements/<int:pk>/chaine/", processings.chain_editor, name="chain-editor"),
    path("traitements/<int:pk>/chaine/acteurs/", processings.chain_actor_search, name="chain-actor-search"),
    path("traitements/<int:pk>/chaine/fournisseur/", processings.chain_supplier_create, name="chain-supplier-create"),
    path("traitements/<int:pk>/chaine/<int:link_pk>/", processings.chain_link_edit, name="chain-link-edit"),
    path("traitements/<int:pk>/chaine/<int:link_pk>/retirer/", processings.chain_link_delete, name="chain-link-delete"),
    path("fournisseurs/", suppliers.supplier_list, name="supplier-list"),
    path("fournisseurs/nouveau/", suppliers.supplier_create, name="supplier-create"),
    path("fournisseurs/<int:pk>/", suppliers.supplier_detail, name="supplier-detail"),
    path("fournisseurs/<int:pk>/modifier/", suppliers.supplier_edit, name="supplier-edit"),
    path("fournisseurs/<int:pk>/supprimer/", suppliers.supplier_delete, name="supplier-delete"),
    path("fournisseurs/<int:pk>/correspondance/confirmer/", suppliers.supplier_match_confirm,
         name="supplier-match-confirm"),
    path("fournisseurs/<int:pk>/correspondance/rejeter/", suppliers.supplier_match_reject,
         name="supplier-match-reject"),
    path("certificats/", certificates.certificate_list, name="certificate-list"),
    path("certificats/nouveau/", certificates.certificate_create, name="certificate-create"),
    path("certificats/<int:pk>/document/", certificates.certificate_document, name="certificate-document"),
    path("certificats/<int:pk>/supprimer/", certificates.certificate_delete, name="certificate-delete"),
    path("preuves/", evidence.evidence_list, name="evidence-list"),
    path("preuves/<int:pk>/fichier/", evidence.evidence_download, name="evidence-download"),
    path("preuves/<int:pk>/supprimer/", evidence.evidence_delete, name="evidence-delete"),
    path("preuves/<int:pk>/clauses/", evidence.evidence_contract, name="evidence-contract"),
    path("registre/", registry.registry_search, name="registry-search"),
    path("registre/ajouter/", registry.supplier_from_registry, name="supplier-from-registry"),
    path("alertes/", alerts.alert_list, name="alert-list"),
    path("alertes/<int:pk>/prise-en-compte/", alerts.alert_acknowledge, name="alert-acknowledge"),
    path("alertes/<int:pk>/resolue/", alerts.alert_resolve, name="alert-resolve"),
    path("notifications/", alerts.notification_preferences, name="notification-preferences"),
    path("parametres/webhooks/", webhooks.webhook_list, name="webhook-list"),
    path("parametres/webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook-detail"),
    path("parametres/webhooks/<int:pk>/modifier/", webhooks.webhook_edit, name="webhook-edit"),
    path("parametres/webhooks/<int:pk>/test/", webhooks.webhook_test, name="webhook-test"),
    path("parametres/webhooks/<int:pk>/activation/", webhooks.webhook_toggle, name="webhook-toggle"),
    path("parametres/webhooks/<int:pk>/supprimer/", webhooks.webhook_delete, name="webhook-delete"),
    path("parametres/webhooks/<int:pk>/envois/<int:delivery_pk>/renvoyer/", webhooks.webhook_redeliver,
         name="webhook-redeliver"),
]
