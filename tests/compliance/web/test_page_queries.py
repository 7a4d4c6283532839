"""Every page renders in a number of queries that does not grow with the rows it shows.

Each page is rendered with one row, then with twenty; the second rendering must cost exactly
the queries of the first (``django_assert_num_queries`` used as a context manager), and the
twenty rows must really be on the page.

The rows come from factories (the services' own rules are tested elsewhere; the audit log and the
tokens are written by their services, since those rows are what the pages show), and the
conformity results of every processing are stored once per batch of rows, as the task queued
after commit would.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance import evaluation
from hds_platform import services as platform_services
from hds_platform.models import Membership
from tests.compliance import builders
from tests.compliance.builders import ACTOR
from tests.compliance.web.pages import registry_host
from tests.factories import (
    CertificateFactory,
    ChainLinkFactory,
    EvidenceFactory,
    ProcessingFactory,
    SupplierFactory,
    UserFactory,
)

SOON = timezone.localdate() + timedelta(days=30)


def _uncovered_processing(i):
    processing = ProcessingFactory(name=f"Traitement {i:02}")
    ChainLinkFactory(processing=processing, supplier=SupplierFactory(name=f"Fournisseur {i:02}"),
                     activities=frozenset({1, 2}))
    CertificateFactory(supplier=None, activities=frozenset({5}), certificate_number=f"OWN-{i}", expires_on=SOON)


def _linked_supplier(base, i):
    ChainLinkFactory(processing=base["processing"], supplier=SupplierFactory(name=f"Fournisseur {i:02}"),
                     activities=frozenset({1, 2, 3}))


def _dependent_processing(base, i):
    processing = ProcessingFactory(name=f"Traitement {i:02}")
    ChainLinkFactory(processing=processing, supplier=base["supplier"], activities=frozenset({1, 2}))
    CertificateFactory(supplier=base["supplier"], certificate_number=f"C-{i}")
    EvidenceFactory(kind="dpa", supplier=base["supplier"], title=f"DPA {i}")


def _confirmed_supplier(i):
    host = registry_host(f"Hébergeur {i:02}", f"HDS-{i:02}")
    supplier = SupplierFactory(name=f"Fournisseur {i:02}", confirmed_host=host)
    CertificateFactory(supplier=supplier, certificate_number=f"DOC-{i}")


def _member(i):
    user = UserFactory(email=f"membre{i:02}@example.org")
    Membership.objects.create(user=user, role="viewer")


# name: (path, set-up returning the page's base objects, add row number i, pattern of one row, rows shown of 20)
PAGES = {
    "dashboard": ("", dict, lambda base, i: _uncovered_processing(i),
                  r'<td><a href="/o/tilleuls/traitements/\d+/">', 10),
    "processing list": ("traitements/", dict, lambda base, i: _uncovered_processing(i),
                        r'<td><a href="/o/tilleuls/traitements/\d+/">', 20),
    "processing page": ("traitements/{processing}/", lambda: {"processing": ProcessingFactory()}, _linked_supplier,
                        r'<g class="box state-', 20),
    "chain editor": ("traitements/{processing}/chaine/", lambda: {"processing": ProcessingFactory()},
                     _linked_supplier, r"<tr data-link=", 20),
    "processing list, filtered and sorted": ("traitements/?q=traitement&statut=non_compliant&tri=-maillons", dict,
                                             lambda base, i: _uncovered_processing(i),
                                             r'<td><a href="/o/tilleuls/traitements/\d+/">', 20),
    "supplier list, filtered and sorted": ("fournisseurs/?q=fournisseur&certificats=valides&tri=-echeance", dict,
                                           lambda base, i: _confirmed_supplier(i),
                                           r'<td><a href="/o/tilleuls/fournisseurs/\d+/">', 20),
    "evidence, filtered and sorted": ("preuves/?q=Pi%C3%A8ce&type=dpa&tri=-validite", dict,
                                      lambda base, i: EvidenceFactory(
                                          kind="dpa", title=f"Pièce {i:02}",
                                          supplier=SupplierFactory(name=f"Fournisseur {i:02}"), valid_until=SOON),
                                      r'/preuves/\d+/supprimer/', 20),
    "audit log, filtered": ("journal/?objet=compliance.supplier&auteur=test", dict,
                            lambda base, i: builders.supplier(f"Fournisseur {i:02}"), r'<td>Fournisseur créé</td>', 20),
    "supplier list": ("fournisseurs/", dict, lambda base, i: _confirmed_supplier(i),
                      r'<td><a href="/o/tilleuls/fournisseurs/\d+/">', 20),
    "supplier page": ("fournisseurs/{supplier}/", lambda: {"supplier": SupplierFactory(name="Hébergeur")},
                      _dependent_processing, r'<li><a href="/o/tilleuls/traitements/\d+/">', 20),
    "certificates": ("certificats/", dict, lambda base, i: CertificateFactory(
        supplier=SupplierFactory(name=f"Fournisseur {i:02}"), expires_on=SOON), r'/certificats/\d+/supprimer/', 20),
    "evidence": ("preuves/", dict, lambda base, i: EvidenceFactory(
        kind="dpa", title=f"Pièce {i:02}", supplier=SupplierFactory(name=f"Fournisseur {i:02}"), valid_until=SOON),
        r'/preuves/\d+/supprimer/', 20),
    "registry search": ("registre/?q=hebergeur", dict, lambda base, i: registry_host(f"Hébergeur {i:02}", f"N-{i}"),
                        r'<li data-host="\d+">', 20),
    "audit log": ("journal/", dict, lambda base, i: builders.supplier(f"Fournisseur {i:02}"),
                  r'<td>Fournisseur créé</td>', 20),
    "members": ("parametres/membres/", dict, lambda base, i: _member(i), r"<td>membre\d\d@example\.org", 20),
    "tokens": ("parametres/jetons/", dict, lambda base, i: platform_services.api_token_create(
        name=f"jeton {i:02}", scope="read", actor=ACTOR), r"<td>jeton \d\d<br>", 20),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_queries_do_not_grow_with_rows(name, client, tenant, media, django_assert_num_queries):
    path, set_up, add_row, row, shown = PAGES[name]
    client.force_login(tenant.owner)
    with tenant.context():
        base = set_up()
        add_row(base, 0)
        evaluation.evaluate_all()
    url = f"/o/{tenant.organisation.slug}/" + path.format(**{key: obj.pk for key, obj in base.items()})
    assert client.get(url).status_code == 200  # warm up: session, content types
    with CaptureQueriesContext(connection) as one_row:
        page = client.get(url).content.decode()
    assert len(re.findall(row, page)) == 1
    with tenant.context():
        for i in range(1, 20):
            add_row(base, i)
        evaluation.evaluate_all()
    with django_assert_num_queries(len(one_row.captured_queries)):
        page = client.get(url).content.decode()
    assert len(re.findall(row, page)) == shown

