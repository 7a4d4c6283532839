"""The demo of ``make run`` shows every conformity status, with or without the ANS list loaded."""

from django.core.management import call_command

from compliance.models import ConformityResult, Evidence, Supplier
from hds_platform.models import Organisation
from hds_platform.tenancy import organisation_context

EXPECTED = {
    # (overall, hosting, register). HDS does not apply to its self-hosting; its register is complete, so
    # the overall answer is compliant.
    ("cabinet-durand", "Dossier patients du cabinet"): ("compliant", "not_applicable", "compliant"),
    ("medisoft", "Logiciel de cabinet en ligne (SaaS)"): ("compliant", "compliant", "compliant"),
    # No activity recorded on the link; retention and the DPIA need left blank in the register.
    ("medisoft", "Prise de rendez-vous"): ("incomplete", "incomplete", "incomplete"),
    ("medisoft", "Téléconsultation"): ("non_compliant", "non_compliant", "compliant"),
    ("nuage-sante", "Hébergement HDS des clients"): ("compliant", "compliant", "compliant"),
}


def _statuses():
    found = {}
    for organisation in Organisation.objects.all():
        with organisation_context(organisation):
            for result in ConformityResult.objects.select_related("processing"):
                found[(organisation.slug, result.processing.name)] = (
                    result.status, result.hosting_status, result.register_status)
    return found


def _matches():
    return sorted(Supplier.all_organisations.values_list("name", "registry_match_status"))


def test_demo_shows_every_status_and_loads_twice_alike(db, media):
    # load_demo imports the sample ANS list first (registry/demo_data.py), then the compliance demo
    # matches its suppliers against it.
    call_command("load_demo")
    assert _statuses() == EXPECTED
    counts = (Supplier.all_organisations.count(), Evidence.all_organisations.count())
    matches = _matches()
    call_command("load_demo")
    assert (Supplier.all_organisations.count(), Evidence.all_organisations.count()) == counts
    assert _matches() == matches
    assert matches == sorted([
        ("Clever Cloud", "suggested"),
        ("Datacenter Lumière SAS", "confirmed"), ("Datacenter Lumière SAS", "confirmed"), ("OVH SAS", "confirmed"),
        ("Sauvegarde Santé Services", "confirmed"), ("Scaleway", "confirmed"),
        ("Vidéo Express Inc.", "none"),
    ])
