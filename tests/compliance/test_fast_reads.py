"""The hot reads answer byte for byte what the serializer-based version answers.

Each expected body is rendered here from the API's serializers (``SupplierSerializer``,
``ProcessingSerializer``, ``HostSerializer``, ``ConformityResultSerializer``,
``ConformitySummarySerializer``) over the same rows, paginated by DRF's paginator and rendered
by DRF's ``JSONRenderer``: whatever path a view takes to answer faster, the bytes must not change.
"""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from compliance import evaluation, selectors
from compliance.api.serializers import (
    ConformityResultSerializer,
    ConformitySummarySerializer,
    ProcessingSerializer,
    SupplierSerializer,
)
from compliance.models import CertificateStatus, RegistryMatchMethod, RegistryMatchStatus, Supplier
from hds_platform.api.pagination import CursorPagination
from registry import selectors as registry_selectors
from registry.api.serializers import HostSerializer
from registry.models import CertifiedHost
from tests.factories import (
    CertificateFactory,
    CertifiedHostFactory,
    ChainLinkFactory,
    HostCertificateFactory,
    ProcessingFactory,
    SupplierFactory,
)

TODAY = date(2026, 11, 28)


@pytest.fixture
def organisation_rows(tenant, frozen):
    """Suppliers in every match state with certificates in every state, processings with and
    without a stored result, hosts with several, one or no current certificate."""
    two_current = HostCertificateFactory(host__name="Nuage Cloud Santé", certificate_number="HDS-A-1",
                                         activities=frozenset({1, 2, 3, 4}), expires_on=date(2027, 3, 1)).host
    HostCertificateFactory(host=two_current, certificate_number="HDS-A-2", activities=frozenset({5, 6}),
                           expires_on=date(2028, 1, 9), issued_on=None, transparency_url="")
    one_current = HostCertificateFactory(host__name="Cloud Sauvegarde", certificate_number="HDS-B-1",
                                         activities=frozenset({6}), expires_on=date(2027, 5, 2)).host
    HostCertificateFactory(host=one_current, certificate_number="HDS-B-0", current=False, expires_on=date(2029, 1, 1))
    none_current = CertifiedHostFactory(name="Ancien Cloud Médical")
    HostCertificateFactory(host=none_current, certificate_number="HDS-C-0", current=False)
    CertifiedHostFactory(name="Retiré Cloud", listed=False)
    no_expiry = HostCertificateFactory(host__name="Cloud Sans Date", certificate_number="",
                                       expires_on=None, issued_on=None, referential_version="").host
    with tenant.context():
        confirmed = SupplierFactory(name="Alpha Hébergement", confirmed_host=two_current, siren="732829320",
                                    registry_match_score=97, registry_match_method=RegistryMatchMethod.SIREN)
        SupplierFactory(name="Bêta Sauvegarde", registry_host=one_current,
                        registry_match_status=RegistryMatchStatus.SUGGESTED, registry_match_score=88,
                        registry_match_method=RegistryMatchMethod.NAME_FUZZY, country="DE",
                        subject_to_non_eu_law=True, non_eu_laws=["US CLOUD Act", "FISA 702"],
                        non_eu_law_mitigations="Chiffrement côté client « clé maîtrisée »\u2028fin")
        SupplierFactory(name="Gamma Rejeté", registry_match_status=RegistryMatchStatus.REJECTED,
                        registry_rejected_hosts=[none_current.pk, one_current.pk])
        SupplierFactory(name="Delta Sans Date", confirmed_host=no_expiry)
        plain = SupplierFactory(name="Epsilon", transparency_url="https://epsilon.example/hds")
        CertificateFactory(supplier=plain, expires_on=TODAY + timedelta(days=20))
        CertificateFactory(supplier=plain, expires_on=TODAY + timedelta(days=200))
        CertificateFactory(supplier=plain, expires_on=TODAY - timedelta(days=3))
        CertificateFactory(supplier=plain, status=CertificateStatus.SUSPENDED)
        CertificateFactory(supplier=None, certificate_number="OWN-1", expires_on=TODAY + timedelta(days=45))
        for n in range(6):
            SupplierFactory(name=f"Fournisseur {n:02d}")
        evaluated = ProcessingFactory(name="Dossier patient", transfers=[{"country": "US", "safeguard": "CCT"}],
                                      controllers_served=["Clinique A", "Clinique B"], role="processor")
        ChainLinkFactory(processing=evaluated, supplier=confirmed, activities=frozenset({1, 2, 3, 4, 5}))
        ChainLinkFactory(processing=ProcessingFactory(name="Agenda"), supplier=plain)
        ProcessingFactory(name="Anonymisé", identifiability="anonymised", health_data=False)
        evaluation.evaluate_all(on=TODAY)
        ProcessingFactory(name="Pas encore évalué", retention="")
        for n in range(5):
            ProcessingFactory(name=f"Traitement {n:02d}")
    return {"processing": evaluated}


def _expected_page(path, rows, serializer_class, context=None):
    """The paginated body as the serializer-based list rendered it (``rows`` ordered as the list is:
    the cursor paginator pages by that ordering, ended by the id)."""
    request = Request(APIRequestFactory().get(path))
    paginator = CursorPagination()
    page = paginator.paginate_queryset(rows, request, SimpleNamespace(filter_backends=[], ordering=None))
    data = serializer_class(page, many=True, context=context or {}).data
    return JSONRenderer().render(paginator.get_paginated_response(data).data)


def _get(client, path, **extra):
    response = client.get(path, **extra)
    assert response.status_code == 200, response.content
    return response.content


SUPPLIER_PAGES = ["", "?page_size=25", "?page_size=4", "?page_size=4&page=2", "?page=last&page_size=4",
                  "?name=cloud", "?registry_match=suggested", "?ordering=-name&page_size=3"]


@pytest.mark.parametrize("query", SUPPLIER_PAGES)
def test_supplier_list_bytes(tenant, client_for, organisation_rows, query):
    path = f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/{query}"
    body = _get(client_for(token=tenant.token(scope="read")), path)
    with tenant.context():
        rows = selectors.suppliers(today=TODAY)
        if "name=cloud" in query:
            rows = rows.filter(name__icontains="cloud")
        if "registry_match=" in query:
            rows = rows.filter(registry_match_status="suggested")
        rows = rows.order_by("-name", "-id") if "ordering=-name" in query else rows.order_by("name", "id")
        assert body == _expected_page(path, rows, SupplierSerializer)


PROCESSING_PAGES = ["", "?page_size=25", "?page_size=3&page=3", "?conformity_status=non_compliant",
                    "?ordering=-conformity_status"]


@pytest.mark.parametrize("query", PROCESSING_PAGES)
def test_processing_list_bytes(tenant, client_for, organisation_rows, query):
    path = f"/api/v1/orgs/{tenant.organisation.slug}/processings/{query}"
    body = _get(client_for(user=tenant.members["viewer"]), path)
    with tenant.context():
        rows = selectors.processings()
        if "conformity_status=" in query:
            rows = rows.filter(conformity_status="non_compliant")
        ordering = ["-conformity_status"] if "ordering=" in query else ["name", "id"]
        assert body == _expected_page(path, rows.order_by(*ordering), ProcessingSerializer)


HOST_SEARCHES = ["?q=cloud&page_size=25", "?q=cloud&page_size=2&page=2", "", "?listed=all", "?q=CLOUD%20sant%C3%A9",
                 "?activity=6", "?certificate_number=hds-b-0"]


@pytest.mark.parametrize("query", HOST_SEARCHES)
def test_registry_search_bytes(tenant, client_for, organisation_rows, query):
    path = f"/api/v1/registry/hosts/{query}"
    body = _get(client_for(token=tenant.token(scope="read")), path)
    filters = {"q": "", "certificate_number": "", "activities": (), "listed": True}
    if "q=cloud" in query:
        filters["q"] = "cloud"
    if "CLOUD" in query:
        filters["q"] = "CLOUD santé"
    if "listed=all" in query:
        filters["listed"] = None
    if "activity=6" in query:
        filters["activities"] = (6,)
    if "certificate_number" in query:
        filters["certificate_number"] = "hds-b-0"
    rows = registry_selectors.search_hosts(hosts=CertifiedHost.objects.all(), **filters)
    assert body == _expected_page(path, rows, HostSerializer)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_conformity_answer_bytes(tenant, client_for, organisation_rows, language):
    processing = organisation_rows["processing"]
    path = f"/api/v1/orgs/{tenant.organisation.slug}/processings/{processing.pk}/conformity/"
    body = _get(client_for(token=tenant.token(scope="read")), path, HTTP_ACCEPT_LANGUAGE=language)
    with tenant.context(), translation.override(language):
        result = selectors.conformity_result(processing.pk)
        expected = JSONRenderer().render(ConformityResultSerializer(result).data)
    assert body == expected
    assert result.findings  # the answer carries findings, in the language asked


def test_summary_bytes(tenant, client_for, organisation_rows):
    body = _get(client_for(token=tenant.token(scope="read")), f"/api/v1/orgs/{tenant.organisation.slug}/conformity/")
    with tenant.context():
        expected = JSONRenderer().render(ConformitySummarySerializer(selectors.conformity_summary(today=TODAY)).data)
    assert body == expected
    assert b'"within_30_days":1' in body


def test_fixture_covers_every_match_state(tenant, organisation_rows):
    with tenant.context():
        states = set(Supplier.objects.values_list("registry_match_status", flat=True))
    assert states == {"confirmed", "suggested", "rejected", "none"}


def test_the_fast_paths_are_taken(tenant, organisation_rows):
    """Each serializer above is one the plain builders reproduce: were a field added that they
    cannot, the views would fall back to the serializer and this test would say so."""
    from compliance.api import readers

    assert readers.SUPPLIER_PLAN is not None
    assert readers.PROCESSING_PLAN is not None
    with tenant.context():
        body = readers.conformity_body(organisation_rows["processing"].pk)
    assert body is not None and list(body) == ConformityResultSerializer.Meta.fields
