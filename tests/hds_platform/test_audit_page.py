"""The audit log reads as sentences: who, what, which object (linked) and each change before → after."""

import re
from html import unescape

from django.utils import translation

from compliance import services
from hds_platform.audit import Actor
from tests.compliance import builders


def text(response) -> str:
    return unescape(response.content.decode())


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-action="[\w.]+">(.*?)</tr>', page, re.S)


def test_events_name_their_object_and_show_changes_in_words(client, tenant):
    actor = Actor.for_user(tenant.owner)
    with tenant.context():
        supplier = services.supplier_create(actor=actor, name="Nuage Santé", country="FR")
        processing = builders.processing("Téléconsultation")
        link = services.chain_link_create(actor=actor, processing=processing, supplier=None, activities=[5])
        services.supplier_update(supplier=supplier, actor=actor, name="Nuage Santé SAS")
    client.force_login(tenant.members["auditor"])
    page = text(client.get(f"/o/{tenant.organisation.slug}/journal/"))
    assert "chain_link.created" not in page.replace('data-action="chain_link.created"', "")
    assert "None" not in page
    newest, created_link = rows(page)[0], rows(page)[1]
    who = f"<td>{tenant.owner.full_name} <owner@tilleuls.example></td>"
    assert f"{who}<td>Fournisseur modifié</td>" in newest.replace("\n      ", "")
    assert f'Fournisseur <a href="/o/tilleuls/fournisseurs/{supplier.pk}/">Nuage Santé SAS</a>' in newest
    assert "<dt>Raison sociale</dt><dd><del>Nuage Santé</del> → <ins>Nuage Santé SAS</ins></dd>" in newest
    assert "<td>Maillon ajouté</td>" in created_link
    assert (f'Maillon <a href="/o/tilleuls/traitements/{processing.pk}/chaine/{link.pk}/">'
            "votre organisation → Téléconsultation</a>") in created_link
    assert "<dt>Traitement</dt><dd>Téléconsultation</dd>" in created_link
    assert "<dt>Acteur</dt><dd>—</dd>" in created_link
    creation = rows(page)[-1]
    assert "<dt>Type</dt><dd>Éditeur de logiciel</dd>" in creation


def test_the_log_filters_by_object_and_author_and_sorts(client, tenant):
    actor = Actor.for_user(tenant.owner)
    with tenant.context():
        services.supplier_create(actor=actor, name="Nuage Santé", country="FR")
        builders.processing("Téléconsultation")
    client.force_login(tenant.members["auditor"])
    base = f"/o/{tenant.organisation.slug}/journal/"
    page = text(client.get(base, {"objet": "compliance.supplier"}))
    assert re.findall(r'<tr data-action="([\w.]+)">', page) == ["supplier.created"]
    assert "<td>Fournisseur créé</td>" in page
    assert rows(text(client.get(base, {"auteur": "personne@ailleurs"}))) == []
    by_owner = rows(text(client.get(base, {"auteur": "OWNER@tilleuls"})))
    assert len(by_owner) == 3 and all("<owner@tilleuls.example></td>" in row for row in by_owner)
    oldest = text(client.get(base, {"tri": "anciens"}))
    seqs = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', oldest)]
    assert seqs == sorted(seqs) and len(seqs) >= 2


def test_an_evidence_request_reads_in_words_and_links_to_its_page(client, tenant):
    import datetime

    actor = Actor.for_user(tenant.owner)
    with tenant.context():
        supplier = services.supplier_create(actor=actor, name="Nuage Santé", country="FR")
        request, _link = services.evidence_request_create(
            actor=actor, supplier=supplier, kinds=["hds_certificate"], contact_email="contact@nuage.example",
            due_date=datetime.date.today() + datetime.timedelta(days=10), message="Votre certificat, svp.")
    client.force_login(tenant.members["auditor"])
    newest = rows(text(client.get(f"/o/{tenant.organisation.slug}/journal/")))[0]
    assert "<td>Pièces demandées à un fournisseur</td>" in newest.replace("\n      ", "")
    assert f'Demande de pièces <a href="/o/tilleuls/demandes/{request.pk}/">Nuage Santé</a>' in newest
    with translation.override("en"):
        english = rows(text(client.get(f"/o/{tenant.organisation.slug}/journal/", HTTP_ACCEPT_LANGUAGE="en")))[0]
    assert "Documents requested from a supplier" in english
