"""The demo of ``make run`` shows every conformity status, with or without the ANS list loaded."""

from django.core.management import call_command

from compliance.models import (
    Certificate,
    ClientInvitation,
    ClientLink,
    ConformityResult,
    Evidence,
    EvidenceRequest,
    Supplier,
)
from compliance.services import evidence_requests
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
    # The host's offer applied as a chain template, its certificate shared through the link.
    ("centre-lilas", "Dossier patient informatisé"): ("compliant", "compliant", "compliant"),
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
        ("Vidéo Express Inc.", "none"), ("Nuage Santé Hébergement", "none"), ("Nuage Santé Hébergement", "none"),
    ])


def test_demo_shows_a_hosting_company_with_two_linked_clients(db, media):
    call_command("load_demo")
    call_command("load_demo")

    links = ClientLink.all_organisations.order_by("client_organisation__name")
    assert [(link.organisation.slug, link.client_organisation.slug, link.status, link.share_status)
            for link in links] == [("nuage-sante", "centre-lilas", "active", True),
                                   ("nuage-sante", "medisoft", "active", False)]
    host = Organisation.objects.get(slug="nuage-sante")
    with organisation_context(host):
        assert [(i.name, i.status) for i in ClientInvitation.objects.all()] == [
            ("Clinique du Parc", "pending"), ("MédiSoft Éditions", "accepted"),
            ("Centre de santé des Lilas", "accepted")]
    with organisation_context(Organisation.objects.get(slug="centre-lilas")):
        assert list(Certificate.objects.values_list("source", "certificate_number")) == [
            ("provider", "AFNOR 2025/60001")]
    # Two pending evidence requests: MédiSoft's to Clever Cloud (by e-mail only) and MédiSoft's to
    # its linked host, which also waits in Nuage Santé's inbox.
    medisoft = Organisation.objects.get(slug="medisoft")
    with organisation_context(medisoft):
        assert sorted((r.supplier.name, r.kinds, r.status, r.addressed_organisation_id)
                      for r in EvidenceRequest.objects.select_related("supplier")) == [
            ("Clever Cloud", ["hds_certificate"], "requested", None),
            ("Nuage Santé Hébergement", ["audit_report"], "requested", host.pk)]
    with organisation_context(host):
        assert [(r.organisation_id, r.kinds) for r in evidence_requests.inbox()] == [(medisoft.pk, ["audit_report"])]
