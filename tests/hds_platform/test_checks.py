"""The system check that every model is tenant-owned (or shared on purpose) and unique per organisation."""

from django.apps import apps
from django.core import checks
from django.db import models
from django.test.utils import isolate_apps

from hds_platform.checks import SHARED_APPS, SHARED_MODELS, check_tenant_models, tenant_models_check
from hds_platform.tenancy import TenantModel


def _ids_and_messages(messages):
    return [(m.id, m.msg) for m in messages]


def test_the_project_passes_the_check():
    assert tenant_models_check() == []
    assert [m for m in checks.run_checks() if m.id.startswith("maillon.")] == []


def test_the_shared_allow_list_is_explicit():
    assert sorted(SHARED_APPS) == ["admin", "auth", "axes", "contenttypes", "django_celery_beat",
                                   "oauth2_provider", "otp_static", "otp_totp", "registry", "sessions"]
    assert sorted(SHARED_MODELS) == ["hds_platform.AuditAnchor", "hds_platform.DataGeneration",
                                     "hds_platform.OAuthAccessToken",
                                     "hds_platform.OAuthApplication", "hds_platform.OAuthGrant",
                                     "hds_platform.OAuthIDToken", "hds_platform.OAuthRefreshToken",
                                     "hds_platform.Organisation", "hds_platform.OutboxMessage",
                                     "hds_platform.PersonRecord", "hds_platform.User"]
    shared = sorted(m._meta.label for m in apps.get_models() if not issubclass(m, TenantModel))
    tenant_owned = sorted(m._meta.label for m in apps.get_models() if issubclass(m, TenantModel))
    assert tenant_owned == ["compliance.Alert", "compliance.Certificate", "compliance.ChainLink",
                            "compliance.ChainLinkCertificate", "compliance.ClientInvitation", "compliance.ClientLink",
                            "compliance.ConformityResult",
                            "compliance.ConformityStatusChange", "compliance.Evidence",
                            "compliance.EvidenceRequest", "compliance.IncomingEvidenceRequest",
                            "compliance.NotificationPreference", "compliance.Offer",
                            "compliance.OfferCertificate", "compliance.OfferDocument", "compliance.OfferSubcontractor",
                            "compliance.Processing", "compliance.ProviderLink", "compliance.ProviderProfile",
                            "compliance.Supplier", "compliance.WebhookDelivery", "compliance.WebhookEndpoint",
                            "compliance.WebhookEvent", "hds_platform.ApiToken",
                            "hds_platform.AppConnection", "hds_platform.AuditEvent", "hds_platform.IdempotencyKey",
                            "hds_platform.Invitation", "hds_platform.Membership",
                            "reports.Report"]
    assert all(label.split(".")[0] in SHARED_APPS or label in SHARED_MODELS for label in shared)


@isolate_apps("tests")
def test_a_model_of_no_organisation_is_reported():
    class Supplier(models.Model):  # noqa: DJ008
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "tests"

    class Note(models.Model):  # noqa: DJ008
        organisation = models.ForeignKey("hds_platform.Organisation", on_delete=models.CASCADE)

        class Meta:
            app_label = "tests"

    assert _ids_and_messages(check_tenant_models([Supplier, Note])) == [
        ("maillon.E001", "tests.Supplier belongs to no organisation."),
        ("maillon.E001", "tests.Note belongs to no organisation."),
    ]


@isolate_apps("tests")
def test_a_unique_constraint_without_organisation_is_reported():
    class Certificate(TenantModel):
        number = models.CharField(max_length=20, unique=True)
        name = models.CharField(max_length=20)
        code = models.CharField(max_length=20)
        kind = models.CharField(max_length=20)

        class Meta(TenantModel.Meta):
            app_label = "tests"
            unique_together = [("code", "kind")]
            constraints = [
                models.UniqueConstraint(fields=["name"], name="certificate_unique_name"),
                models.UniqueConstraint(fields=["organisation", "kind"], name="certificate_unique_kind"),
            ]

    assert _ids_and_messages(check_tenant_models([Certificate])) == [
        ("maillon.E002", "tests.Certificate: field 'number' (unique=True) does not include organisation."),
        ("maillon.E002", "tests.Certificate: unique_together ('code', 'kind') does not include organisation."),
        ("maillon.E002", "tests.Certificate: constraint 'certificate_unique_name' does not include organisation."),
    ]


@isolate_apps("tests")
def test_a_well_formed_tenant_model_and_shared_models_pass():
    class Processing(TenantModel):
        name = models.CharField(max_length=20)

        class Meta(TenantModel.Meta):
            app_label = "tests"
            constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="processing_unique_name")]

    assert check_tenant_models([Processing, *apps.get_app_config("registry").get_models()]) == []


@isolate_apps("tests")
def test_a_many_to_many_table_between_tenant_models_is_reported():
    class Evidence(TenantModel):
        class Meta(TenantModel.Meta):
            app_label = "tests"

    class Supplier(TenantModel):
        evidence = models.ManyToManyField(Evidence)

        class Meta(TenantModel.Meta):
            app_label = "tests"

    through = Supplier._meta.get_field("evidence").remote_field.through
    assert _ids_and_messages(check_tenant_models([Evidence, Supplier, through])) == [
        ("maillon.E001", "tests.Supplier_evidence belongs to no organisation."),
    ]
