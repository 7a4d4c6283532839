"""How to make one object of every tenant model, for the cross-tenant probe.

The probe (tests/test_cross_tenant_probe.py) gives the victim organisation an
object of *every* concrete TenantModel, then attacks every tenant route with
their ids. A tenant model with no factory here makes the probe fail, naming
the model: adding a model means adding its factory, so no table escapes.

A factory takes a :class:`tests.conftest.Tenant` and returns a saved instance
owned by that tenant's organisation; make it through the services where a
rule applies, and make every call create a new row (unique names).

Three hint tables cover what the probe cannot guess:

* ``PATH_PARAMETERS``: a URL keyword that is neither the view's own lookup nor
  ``<model>_pk`` / ``<model>_id`` → ``("app.Model", "field")``;
* ``PAYLOAD_REFERENCES``: a writable request field that refers to a tenant row
  without being a DRF related field (e.g. a custom "self or supplier id" field)
  → ``{("SerializerName", "field"): "app.Model"}``;
* ``READ_AS``: a row two organisations read, or the proxy model through which its other side reads
  it → the fields naming the organisations that may read it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from django.db import models
from django.utils import timezone

from hds_platform import audit, services
from hds_platform.audit import Actor
from hds_platform.models import IdempotencyKey, Membership
from hds_platform.roles import Role
from tests.factories import UserFactory

Factory = Callable[["Tenant"], models.Model]  # noqa: F821 (tests.conftest.Tenant)

FACTORIES: dict[str, Factory] = {}
PATH_PARAMETERS: dict[str, tuple[str, str]] = {}
PAYLOAD_REFERENCES: dict[tuple[str, str], str] = {}
#: A row two organisations read (a provider–client link): model label → the fields naming the
#: organisations that may read it through that model (default: ``organisation``). Its other side
#: reads it through a proxy model listed here too, which the probe builds with the proxy's own
#: factory (the tenant on that side).
READ_AS: dict[str, tuple[str, ...]] = {}

_serial = itertools.count(1)


def tenant_object(label: str):
    """Register the factory of the tenant model ``label`` ("app_label.ModelName")."""

    def register(factory: Factory) -> Factory:
        FACTORIES[label] = factory
        return factory

    return register


def missing_factories(tenant_models) -> list[str]:
    return sorted(model._meta.label for model in tenant_models if model._meta.label not in FACTORIES)


def missing_factories_message(labels: list[str]) -> str:
    return (
        f"No factory for the tenant model(s) {', '.join(labels)}: the cross-tenant probe cannot attack what it "
        f"cannot create. Add one per model to tests/tenant_objects.py, e.g.\n\n"
        f"@tenant_object({labels[0]!r})\ndef _make(tenant):\n    with tenant.context():\n"
        f"        return <create one through its service>\n"
    )


@tenant_object("hds_platform.Membership")
def _membership(tenant):
    with tenant.context():
        return Membership.objects.create(user=UserFactory(), role=Role.VIEWER)


@tenant_object("hds_platform.Invitation")
def _invitation(tenant):
    with tenant.context():
        invitation, _raw = services.invitation_create(
            email=f"probe{next(_serial)}@example.org", role=Role.EDITOR, actor=Actor.for_user(tenant.owner)
        )
    return invitation


@tenant_object("hds_platform.ApiToken")
def _api_token(tenant):
    with tenant.context():
        token, _raw = services.api_token_create(
            name=f"probe {next(_serial)}", scope="read", actor=Actor.for_user(tenant.owner)
        )
    return token


@tenant_object("hds_platform.AppConnection")
def _app_connection(tenant):
    from hds_platform.oauth.services import connection_grant
    from tests.oauth_support import register_app

    app = register_app(tenant.owner, name=f"probe app {next(_serial)}")
    with tenant.context():
        return connection_grant(application=app.application, scope="conformity:read",
                                actor=Actor.for_user(tenant.owner))


@tenant_object("hds_platform.AuditEvent")
def _audit_event(tenant):
    with tenant.context():
        return audit.record(organisation=tenant.organisation, actor=Actor.system("probe"), action="probe.created")


@tenant_object("hds_platform.IdempotencyKey")
def _idempotency_key(tenant):
    with tenant.context():
        now = timezone.now()
        return IdempotencyKey.objects.create(
            key=f"probe-{next(_serial)}", fingerprint="0" * 64, method="POST", path="/api/v1/", status_code=201,
            response_body=b"{}", response_headers={"Content-Type": "application/json"}, created_at=now,
            expires_at=now)


# compliance ----------------------------------------------------------------------------------


def _compliance_actor():
    return Actor.system("probe")


def _probe_supplier():
    from compliance import services as compliance_services

    return compliance_services.supplier_create(actor=_compliance_actor(), name=f"Fournisseur {next(_serial)}")


def _probe_processing():
    from compliance import services as compliance_services

    return compliance_services.processing_create(actor=_compliance_actor(), name=f"Traitement {next(_serial)}",
                                                 hosting_mode="outsourced")


@tenant_object("compliance.Supplier")
def _supplier(tenant):
    with tenant.context():
        return _probe_supplier()


@tenant_object("compliance.Certificate")
def _certificate(tenant):
    from datetime import date

    from compliance import services as compliance_services

    with tenant.context():
        return compliance_services.certificate_create(
            actor=_compliance_actor(), supplier=_probe_supplier(), activities=[1, 2],
            certificate_number=f"HDS-{next(_serial)}", expires_on=date(2030, 1, 1),
        )


@tenant_object("compliance.Processing")
def _processing(tenant):
    with tenant.context():
        return _probe_processing()


@tenant_object("compliance.ChainLink")
def _chain_link(tenant):
    from compliance import services as compliance_services

    with tenant.context():
        return compliance_services.chain_link_create(actor=_compliance_actor(), processing=_probe_processing(),
                                                     supplier=_probe_supplier(), activities=[1, 2])


@tenant_object("compliance.ChainLinkCertificate")
def _chain_link_certificate(tenant):
    from datetime import date

    from compliance import services as compliance_services
    from compliance.models import ChainLinkCertificate

    with tenant.context():
        supplier = _probe_supplier()
        certificate = compliance_services.certificate_create(
            actor=_compliance_actor(), supplier=supplier, activities=[1, 2],
            certificate_number=f"HDS-{next(_serial)}", expires_on=date(2030, 1, 1),
        )
        link = compliance_services.chain_link_create(actor=_compliance_actor(), processing=_probe_processing(),
                                                     supplier=supplier, activities=[1, 2], certificates=[certificate])
        return ChainLinkCertificate.objects.get(link=link)


@tenant_object("compliance.Evidence")
def _evidence(tenant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from compliance import services as compliance_services
    from compliance.demo_data import minimal_pdf

    with tenant.context():
        return compliance_services.evidence_upload(
            actor=_compliance_actor(), file=SimpleUploadedFile("preuve.pdf", minimal_pdf("probe")), kind="dpa",
            supplier=_probe_supplier(),
        )


@tenant_object("compliance.EvidenceRequest")
def _evidence_request(tenant):
    """A request whose contact has answered: accept, reject, cancel and the file all have a target."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from compliance import services as compliance_services
    from compliance.demo_data import minimal_pdf

    with tenant.context():
        request, raw = compliance_services.evidence_request_create(
            actor=_compliance_actor(), supplier=_probe_supplier(), kinds=["dpa"],
            contact_email=f"contact{next(_serial)}@example.org",
        )
    compliance_services.evidence_request_submit(raw_token=raw, file=SimpleUploadedFile("dpa.pdf", minimal_pdf("probe")))
    with tenant.context():
        return type(request).objects.get(pk=request.pk)


@tenant_object("compliance.ConformityResult")
def _conformity_result(tenant):
    from compliance import evaluation

    with tenant.context():
        return evaluation.evaluate_processing(_probe_processing())


@tenant_object("compliance.ConformityStatusChange")
def _conformity_status_change(tenant):
    from compliance import evaluation
    from compliance.models import ConformityStatusChange

    with tenant.context():
        processing = _probe_processing()
        evaluation.evaluate_processing(processing)
        return ConformityStatusChange.objects.get(processing=processing)


# A chain link's URL names its processing: take it from the link, so that the pair is real.
PATH_PARAMETERS["processing_pk"] = ("compliance.ChainLink", "processing_id")


# reports -------------------------------------------------------------------------------------


@tenant_object("reports.Report")
def _report(tenant):
    from compliance.reports import services as report_services

    with tenant.context():
        return report_services.report_request(actor=Actor.for_user(tenant.owner), kind="suppliers", format="csv")
