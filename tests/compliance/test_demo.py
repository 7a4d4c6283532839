"""The demo of ``make run`` shows every conformity status, with or without the ANS list loaded."""

import pytest
from django.core.management import call_command

from compliance.models import ConformityResult, Evidence, Supplier
from hds_platform.models import Organisation
from hds_platform.tenancy import organisation_context
from tests.compliance import builders

EXPECTED = {
    ("cabinet-durand", "Dossier patients du cabinet"): "not_applicable",
    ("medisoft", "Logiciel de cabinet en ligne (SaaS)"): "compliant",
    ("medisoft", "Prise de rendez-vous"): "incomplete",
    ("medisoft", "Téléconsultation"): "non_compliant",
    ("nuage-sante", "Hébergement HDS des clients"): "compliant",
}


def _statuses():
    found = {}
    for organisation in Organisation.objects.all():
        with organisation_context(organisation):
            for result in ConformityResult.objects.select_related("processing"):
                found[(organisation.slug, result.processing.name)] = result.status
    return found


def _matches():
    return sorted(Supplier.all_organisations.values_list("name", "registry_match_status"))


@pytest.mark.parametrize("with_registry", [False, True], ids=["manual-certificates", "ans-list"])
def test_demo_shows_every_status_and_loads_twice_alike(db, media, with_registry):
    if with_registry:
        for name, number, activities in [("OVH SAS", "HDS-LNE-2024-0042", range(1, 7)),
                                         ("Scaleway", "AFNOR 2025/40317", range(1, 5)),
                                         ("Clever Cloud", "BV-HDS-0456", range(1, 7)),
                                         ("Datacenter Lumière SAS", "FR25/80412", [1, 2]),
                                         ("Sauvegarde Santé Services", "DEKRA.HDS.24.0311", [6])]:
            builders.registry_host(name, number, activities=activities)
    call_command("load_demo")
    assert _statuses() == EXPECTED
    counts = (Supplier.all_organisations.count(), Evidence.all_organisations.count())
    matches = _matches()
    call_command("load_demo")
    assert (Supplier.all_organisations.count(), Evidence.all_organisations.count()) == counts
    expected_status = "confirmed" if with_registry else "none"
    assert matches == sorted([
        ("Clever Cloud", "suggested" if with_registry else "none"),
        ("Datacenter Lumière SAS", expected_status), ("OVH SAS", expected_status),
        ("Sauvegarde Santé Services", expected_status), ("Scaleway", expected_status),
        ("Vidéo Express Inc.", "none"),
    ])
