"""The admin shows every compliance model to staff, across organisations, and hides it from others."""

import pytest
from django.urls import reverse

from compliance import evaluation, services
from compliance.models import (
    Certificate,
    ChainLink,
    ConformityResult,
    ConformityStatusChange,
    Evidence,
    EvidenceRequest,
    Processing,
    Supplier,
)
from hds_platform.audit import Actor
from tests.compliance import builders
from tests.factories import UserFactory
from tests.second_factor import login_with_second_factor

MODELS = [Supplier, Certificate, Processing, ChainLink, Evidence, EvidenceRequest, ConformityResult,
          ConformityStatusChange]


@pytest.fixture
def rows(tenant, other_tenant, media):
    for each in (tenant, other_tenant):
        with each.context():
            supplier = builders.supplier()
            certificate = builders.certificate(supplier)
            processing = builders.processing()
            builders.link(processing, supplier)
            builders.evidence("dpa", supplier=supplier, certificate=certificate)
            services.evidence_request_create(actor=Actor.system("test"), supplier=supplier, kinds=["dpa"],
                                             contact_email="contact@example.org")
            evaluation.evaluate_all()


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_staff_see_every_organisation(rows, client, model):
    staff = UserFactory(is_staff=True, is_superuser=True)
    login_with_second_factor(client, staff)
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 2
    obj = model.all_organisations.order_by("pk").last()
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code == 403


def test_members_are_kept_out_of_the_admin(rows, client, tenant):
    client.force_login(tenant.owner)
    response = client.get(reverse("admin:compliance_supplier_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_read_a_contracts_checklist_and_a_links_exemption(client, tenant, media):
    with tenant.context():
        supplier = builders.supplier()
        contract = builders.evidence("hosting_contract", supplier=supplier,
                                     contract_clauses=["certificate_scope_dates", "hosting_locations"])
        proof = builders.evidence("exemption_proof", supplier=supplier)
        link = builders.link(builders.processing(), supplier, exemption_reason="archiving_approved",
                             exemption_evidence=proof)
    login_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:compliance_evidence_change", args=[contract.pk])).content.decode()
    assert "✓ 1° Périmètre du certificat, dates de délivrance et de renouvellement<br>✗ 2° Prestations" in page
    assert "✓ 3° Lieux d&#x27;hébergement" in page and "✗ 14° Réversibilité : formats lisibles" in page
    page = client.get(reverse("admin:compliance_chainlink_changelist") + "?exemption_reason=archiving_approved")
    assert [row.pk for row in page.context["cl"].result_list] == [link.pk]
