"""Who may see and do what on the web pages: a matrix of roles and URLs that also checks nothing changed."""

from dataclasses import dataclass

import pytest

from compliance.models import Certificate, ChainLink, ConformityResult, Evidence, Processing, Supplier
from hds_platform import services as platform_services
from hds_platform.audit import Actor
from hds_platform.models import ApiToken, Invitation, Membership, Organisation
from tests.compliance.web.pages import covered_chain, registry_host


@dataclass
class Objects:
    processing: int
    link: int
    supplier: int
    certificate: int
    evidence: int
    membership: int
    invitation: int
    token: int
    contract: int


@pytest.fixture
def objects(tenant, media) -> Objects:
    registry_host("Nuage Souverain", "HDS-NS-1")
    with tenant.context():
        processing, supplier, link = covered_chain()
        certificate = Certificate.objects.get(supplier=supplier)
        evidence = Evidence.objects.filter(supplier=supplier).first()
        actor = Actor.for_user(tenant.owner)
        invitation, _raw = platform_services.invitation_create(email="nouveau@example.org", role="viewer", actor=actor)
        token, _raw = platform_services.api_token_create(name="cabinet", scope="read", actor=actor)
        membership = Membership.objects.get(user=tenant.members["editor"])
        contract = Evidence.objects.get(supplier=supplier, kind="hosting_contract")
    return Objects(processing.pk, link.pk, supplier.pk, certificate.pk, evidence.pk, membership.pk, invitation.pk,
                   token.pk, contract.pk)


def read_urls(o: Objects) -> list[str]:
    return ["", "traitements/", f"traitements/{o.processing}/", f"traitements/{o.processing}/diagramme/",
            f"traitements/{o.processing}/chaine/", "fournisseurs/", f"fournisseurs/{o.supplier}/", "certificats/",
            "preuves/", f"preuves/{o.evidence}/fichier/", "registre/", "registre/?q=nuage"]


def write_form_urls(o: Objects) -> list[str]:
    return ["traitements/nouveau/", f"traitements/{o.processing}/modifier/",
            f"traitements/{o.processing}/chaine/{o.link}/", "fournisseurs/nouveau/",
            f"fournisseurs/{o.supplier}/modifier/", "certificats/nouveau/", f"preuves/{o.contract}/clauses/"]


def admin_urls(o: Objects) -> list[str]:
    return ["parametres/", "parametres/membres/", "parametres/jetons/", "journal/"]


def write_posts(o: Objects) -> list[tuple[str, dict]]:
    link_fields = {"actor": "self", "activities": ["5"], "storage_countries": "FR"}
    return [
        ("traitements/nouveau/", {"name": "Nouveau", "role": "controller", "identifiability": "identified"}),
        (f"traitements/{o.processing}/modifier/", {"name": "Renommé", "role": "controller",
                                                    "identifiability": "identified"}),
        (f"traitements/{o.processing}/evaluer/", {}),
        (f"traitements/{o.processing}/chaine/", link_fields),
        (f"traitements/{o.processing}/chaine/{o.link}/", {f"link-{o.link}-{k}": v for k, v in link_fields.items()}),
        (f"traitements/{o.processing}/chaine/{o.link}/retirer/", {}),
        (f"traitements/{o.processing}/supprimer/", {}),
        ("fournisseurs/nouveau/", {"name": "Autre", "country": "FR"}),
        (f"fournisseurs/{o.supplier}/modifier/", {"name": "Renommé", "country": "FR"}),
        (f"fournisseurs/{o.supplier}/correspondance/confirmer/", {}),
        (f"fournisseurs/{o.supplier}/correspondance/rejeter/", {}),
        (f"fournisseurs/{o.supplier}/supprimer/", {}),
        ("certificats/nouveau/", {"holder": "self", "kind": "hds", "activities": ["5"], "expires_on": "2030-01-01",
                                  "status": "valid"}),
        (f"certificats/{o.certificate}/supprimer/", {}),
        ("preuves/", {"kind": "other"}),
        (f"preuves/{o.evidence}/supprimer/", {}),
        (f"preuves/{o.contract}/clauses/", {"contract_checked": "on"}),
    ]


def admin_posts(o: Objects) -> list[tuple[str, dict]]:
    return [
        ("parametres/membres/", {"email": "autre@example.org", "role": "viewer"}),
        (f"parametres/membres/{o.membership}/role/", {f"m{o.membership}-role": "viewer"}),
        (f"parametres/membres/{o.membership}/retirer/", {}),
        (f"parametres/invitations/{o.invitation}/annuler/", {}),
        ("parametres/jetons/", {"name": "autre", "scope": "read"}),
        (f"parametres/jetons/{o.token}/revoquer/", {}),
    ]


def state(organisation: Organisation) -> dict:
    """Everything a refused request must leave untouched."""
    organisation.refresh_from_db()
    from hds_platform.tenancy import organisation_context

    with organisation_context(organisation):
        return {
            "audit": organisation.audit_head_seq,
            "rows": [list(model.objects.order_by("pk").values()) for model in (
                Processing, ChainLink, Supplier, Certificate, Evidence, ConformityResult, Membership, ApiToken,
                Invitation)],
        }


def url(tenant, path):
    return f"/o/{tenant.organisation.slug}/{path}"


def test_an_outsider_gets_404_on_every_page_and_action(client, tenant, other_tenant, objects):
    client.force_login(other_tenant.owner)
    before = state(tenant.organisation)
    answers = {path: client.get(url(tenant, path)).status_code
               for path in read_urls(objects) + write_form_urls(objects) + admin_urls(objects)}
    answers.update({f"POST {path}": client.post(url(tenant, path), data).status_code
                    for path, data in write_posts(objects) + admin_posts(objects)})
    assert {path: code for path, code in answers.items() if code != 404} == {}
    assert len(answers) == 46
    assert state(tenant.organisation) == before


def test_an_outsider_cannot_reach_objects_of_another_organisation_through_its_own(client, tenant, other_tenant,
                                                                                  objects):
    """Ids of this organisation's rows under the outsider's own organisation answer 404 too."""
    client.force_login(other_tenant.owner)
    before = state(tenant.organisation)
    paths = [p for p in read_urls(objects) + write_form_urls(objects) if any(c.isdigit() for c in p)]
    answers = {path: client.get(url(other_tenant, path)).status_code for path in paths}
    answers.update({f"POST {path}": client.post(url(other_tenant, path), data).status_code
                    for path, data in write_posts(objects) + admin_posts(objects) if any(c.isdigit() for c in path)})
    assert {path: code for path, code in answers.items() if code != 404} == {}
    assert len(answers) == 26
    assert state(tenant.organisation) == before


def test_a_viewer_reads_everything_sees_no_write_control_and_is_refused_every_write(client, tenant, objects):
    client.force_login(tenant.members["viewer"])
    before = state(tenant.organisation)
    for path in read_urls(objects):
        response = client.get(url(tenant, path))
        assert response.status_code == 200, path
        if path.startswith("preuves/") and path.endswith("fichier/"):
            continue
        page = response.content.decode()
        # A viewer may export: the forms that ask for a report (and only them) post elsewhere.
        offers = page.count('<form class="report-offer')
        assert page.count('hx-post="/o/tilleuls/rapports/demander/"') == offers, path
        page = page.replace('hx-post="/o/tilleuls/rapports/demander/"', "")
        # Only the shell's two forms (log out, language), none in the diagram fragment: no create, edit,
        # delete or confirm.
        assert page.count('method="post"') - offers == (0 if path.endswith("diagramme/") else 2), path
        assert "hx-post" not in page and "/nouveau/" not in page and "/modifier/" not in page, path
    answers = {path: client.get(url(tenant, path)).status_code
               for path in write_form_urls(objects) + admin_urls(objects)}
    answers.update({f"POST {path}": client.post(url(tenant, path), data).status_code
                    for path, data in write_posts(objects) + admin_posts(objects)})
    assert {path: code for path, code in answers.items() if code != 403} == {}
    assert state(tenant.organisation) == before


def test_an_editor_changes_compliance_data_but_not_the_settings(client, tenant, objects):
    client.force_login(tenant.members["editor"])
    for path in write_form_urls(objects):
        assert client.get(url(tenant, path)).status_code == 200, path
    before = state(tenant.organisation)
    answers = {path: client.get(url(tenant, path)).status_code for path in admin_urls(objects)}
    answers.update({f"POST {path}": client.post(url(tenant, path), data).status_code
                    for path, data in admin_posts(objects)})
    assert {path: code for path, code in answers.items() if code != 403} == {}
    assert state(tenant.organisation) == before
    page = client.get(url(tenant, f"fournisseurs/{objects.supplier}/")).content.decode()
    assert "Ajouter un certificat" in page and "Modifier" in page
    assert "Paramètres" not in page and "Journal" not in page


def test_an_auditor_reads_the_audit_log_and_writes_nothing(client, tenant, objects):
    client.force_login(tenant.members["auditor"])
    assert client.get(url(tenant, "journal/")).status_code == 200
    before = state(tenant.organisation)
    answers = {f"POST {path}": client.post(url(tenant, path), data).status_code
               for path, data in write_posts(objects)}
    assert {path: code for path, code in answers.items() if code != 403} == {}
    assert state(tenant.organisation) == before


def test_an_admin_manages_members_and_tokens(client, tenant, objects):
    client.force_login(tenant.members["admin"])
    for path in admin_urls(objects):
        assert client.get(url(tenant, path), follow=True).status_code == 200, path


def test_a_visitor_is_sent_to_log_in(client, tenant, objects):
    for path in read_urls(objects)[:3]:
        response = client.get(url(tenant, path))
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/?next=")
