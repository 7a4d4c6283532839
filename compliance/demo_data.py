"""The compliance part of the demo of ``make run``: every conformity status shows.

- MédiSoft Éditions (software editor): a compliant SaaS processing, a non-compliant one that
  mixes certified and uncertified links, and an incomplete one;
- Cabinet du Dr Durand (health professional): self-hosting its own patients' data, not applicable;
- Nuage Santé Hébergement (hosting provider): certified itself, over a certified datacenter; it
  shares an offer (its certificate, contract and DPA templates) with two linked clients, the
  Centre de santé des Lilas (the offer applied to its patient record, its status shared with the
  host) and MédiSoft Éditions (linked, status not shared, which asks it for an audit report: the
  request waits in the host's inbox, Demandes reçues), and has one invitation pending; its trust
  page is published at /confiance/nuage-sante/.

Suppliers found in the ANS list (loaded by the registry's own demo) are matched to it; without
the list, their certificates are recorded by hand with their documents. Loading twice changes
nothing: an organisation that already has processings is left as it is.
"""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from compliance import evaluation, services
from compliance.models import (
    Certificate,
    ClientLink,
    ContractClause,
    Evidence,
    EvidenceKind,
    Offer,
    Processing,
    Supplier,
)
from hds_platform.tenancy import organisation_context
from registry.matching import normalise_name
from registry.models import CertifiedHost


def minimal_pdf(text: str) -> bytes:
    """A small, valid one-page PDF showing ``text`` (ASCII), with a correct cross-reference table."""
    safe = text.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 14 Tf 72 770 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# name, SIREN, and the certificate recorded by hand when the ANS list is not loaded
# (values of the sample list, registry/samples/README.md).
HOSTS = {
    "ovh": ("OVH SAS", "424761419", [1, 2, 3, 4, 5, 6], "LNE", "HDS-LNE-2024-0042", date(2024, 6, 14),
            date(2027, 6, 13)),
    "scaleway": ("Scaleway", "433115904", [1, 2, 3, 4], "AFNOR Certification", "AFNOR 2025/40317",
                 date(2025, 3, 3), date(2028, 3, 2)),
    "clever": ("Clever Cloud", "524172699", [1, 2, 3, 4, 5, 6], "Bureau Veritas Certification", "BV-HDS-0456",
               date(2024, 12, 20), date(2027, 12, 19)),
    "lumiere": ("Datacenter Lumière SAS", "", [1, 2], "SGS", "FR25/80412", date(2025, 4, 22), date(2028, 4, 21)),
    "sauvegarde": ("Sauvegarde Santé Services", "", [6], "DEKRA", "DEKRA.HDS.24.0311", date(2024, 9, 2),
                   date(2027, 9, 1)),
}

REGISTER = {
    "legal_basis": "Art. 6(1)(b) exécution du contrat",
    "art9_condition": "Art. 9(2)(h) soins, sous le secret professionnel",
    "data_subject_categories": ["Patients"],
    "data_categories": ["Identité", "Coordonnées", "Données de santé"],
    "recipients": ["Professionnels de santé de l'équipe de soins"],
    "retention": "20 ans après le dernier passage (art. R.1112-7 CSP)",
    "security_measures": "Chiffrement au repos et en transit, authentification forte, journalisation",
    "dpia_required": True,
    "dpia_done": True,
}


def load(context) -> None:
    actor = context.actor
    for slug, build in (("medisoft", _medisoft), ("cabinet-durand", _cabinet_durand),
                        ("nuage-sante", _nuage_sante)):
        organisation = context.organisations.get(slug)
        if organisation is None:
            continue
        with organisation_context(organisation):
            if Processing.objects.exists():
                continue
            build(actor)
            evaluation.evaluate_all()
    _network(context)


def _pdf(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf(text), content_type="application/pdf")


def _host_supplier(actor, key: str, *, contract: bool = True):
    """A supplier of the sample list: matched to the list when it is loaded, else certified by hand."""
    name, siren, activities, certifier, number, issued_on, expires_on = HOSTS[key]
    supplier = services.supplier_create(actor=actor, name=name, siren=siren, country="FR")
    host = CertifiedHost.objects.filter(normalised_name=normalise_name(name)).first()
    if host is not None:
        services.supplier_registry_match_confirm(supplier=supplier, actor=actor, host=host)
    else:
        document = services.evidence_upload(actor=actor, file=_pdf(f"certificat-{key}.pdf", f"Certificat {number}"),
                                            kind="hds_certificate", title=f"Certificat HDS {name}", supplier=supplier,
                                            issued_on=issued_on, valid_until=expires_on)
        services.certificate_create(actor=actor, supplier=supplier, activities=activities, certificate_number=number,
                                    certifier=certifier, referential_version="v2", issued_on=issued_on,
                                    expires_on=expires_on, source="document", evidence=document)
    if contract:
        _contracts(actor, supplier, key)
    return supplier


def _contracts(actor, supplier, key: str) -> None:
    services.evidence_upload(actor=actor, file=_pdf(f"contrat-{key}.pdf", f"Contrat d'hebergement {supplier.name}"),
                             kind="hosting_contract", title=f"Contrat d'hébergement {supplier.name}",
                             supplier=supplier, issued_on=date(2026, 1, 5), valid_until=date(2029, 1, 4),
                             contract_clauses=ContractClause.values, contract_locations=["FR"])
    services.evidence_upload(actor=actor, file=_pdf(f"dpa-{key}.pdf", f"Accord art. 28 {supplier.name}"),
                             kind="dpa", title=f"Accord de sous-traitance {supplier.name}", supplier=supplier,
                             issued_on=date(2026, 1, 5))


def _own_contract(actor, title: str) -> None:
    """The organisation's own hosting contract with the controllers it serves, checked clause by clause."""
    services.evidence_upload(actor=actor, file=_pdf("contrat-clients.pdf", title), kind="hosting_contract",
                             title=title, issued_on=date(2026, 1, 5), contract_clauses=ContractClause.values,
                             contract_locations=["FR"])


def _own_certificate(actor, activities, number, expires_on):
    document = services.evidence_upload(actor=actor, file=_pdf("certificat-hds.pdf", f"Certificat {number}"),
                                        kind="hds_certificate", title="Notre certificat HDS",
                                        valid_until=expires_on)
    return services.certificate_create(actor=actor, supplier=None, activities=activities, certificate_number=number,
                                       certifier="AFNOR Certification", referential_version="v2",
                                       issued_on=date(2025, 2, 1), expires_on=expires_on, source="document",
                                       evidence=document)


def _medisoft(actor) -> None:
    _own_certificate(actor, [5], "AFNOR 2025/51234", date(2028, 1, 31))
    _own_contract(actor, "Contrat d'hébergement type des clients MédiSoft")
    ovh = _host_supplier(actor, "ovh")
    backup = _host_supplier(actor, "sauvegarde")
    saas = services.processing_create(
        actor=actor, name="Logiciel de cabinet en ligne (SaaS)", role="processor", health_data=True,
        identifiability="identified", hosting_mode="outsourced",
        purposes=["Hébergement et exploitation du dossier patient pour les cabinets clients"],
        controllers_served=["Cabinet du Dr Durand", "Centre de santé des Lilas"],
        controller_contact="MédiSoft Éditions, dpo@medisoft.example",
        security_measures=REGISTER["security_measures"],
    )
    infrastructure = services.chain_link_create(actor=actor, processing=saas, supplier=ovh, activities=[1, 2, 3, 4],
                                                storage_countries=["FR"])
    services.chain_link_create(actor=actor, processing=saas, supplier=None, activities=[5], parent=infrastructure,
                               storage_countries=["FR"], stores_health_data=False)
    backups = services.chain_link_create(actor=actor, processing=saas, supplier=backup, activities=[6],
                                         is_backup=True, storage_countries=["FR"])
    # The backup provider is certified for activity 6 only: its copies sit in a datacenter certified 1-2.
    services.chain_link_create(actor=actor, processing=saas, supplier=_host_supplier(actor, "lumiere", contract=False),
                               activities=[1, 2], parent=backups, storage_countries=["FR"])

    scaleway = _host_supplier(actor, "scaleway")
    video = services.supplier_create(actor=actor, name="Vidéo Express Inc.", country="US",
                                     subject_to_non_eu_law=True, non_eu_laws=["US CLOUD Act"])
    _contracts(actor, video, "video")
    teleconsultation = services.processing_create(
        actor=actor, name="Téléconsultation", role="controller", health_data=True, identifiability="identified",
        hosting_mode="outsourced", purposes=["Consultations vidéo entre patients et praticiens"],
        controller_contact="MédiSoft Éditions, dpo@medisoft.example", dpo_contact="dpo@medisoft.example",
        transfers=[{"country": "US", "safeguard": "CCT 2021/914"}], **REGISTER,
    )
    services.chain_link_create(actor=actor, processing=teleconsultation, supplier=scaleway, activities=[1, 2, 3, 4],
                               storage_countries=["FR"])
    services.chain_link_create(actor=actor, processing=teleconsultation, supplier=video, activities=[4, 5],
                               storage_countries=["FR"], remote_access=[{"country": "US", "basis": "safeguards"}])

    clever = services.supplier_create(actor=actor, name="Clever Cloud", siren=HOSTS["clever"][1], country="FR",
                                      contact_email="conformite@clever-cloud.example")
    _contracts(actor, clever, "clever")
    # A pending request: the host's certificate asked of its contact, still unanswered.
    services.evidence_request_create(
        actor=actor, supplier=clever, kinds=["hds_certificate"], contact_email=clever.contact_email,
        due_date=timezone.localdate() + timedelta(days=14),
        message="Bonjour, pourriez-vous nous transmettre votre certificat HDS en cours de validité ?",
    )
    appointments = services.processing_create(
        actor=actor, name="Prise de rendez-vous", role="controller", health_data=True, identifiability="identified",
        hosting_mode="outsourced", purposes=["Agenda en ligne des praticiens"],
        controller_contact="MédiSoft Éditions, dpo@medisoft.example",
        **{**REGISTER, "retention": "", "dpia_required": None},
    )
    services.chain_link_create(actor=actor, processing=appointments, supplier=clever, activities=[],
                               storage_countries=[])
    services.chain_link_create(actor=actor, processing=appointments, supplier=None, activities=[5],
                               stores_health_data=False)


def _cabinet_durand(actor) -> None:
    processing = services.processing_create(
        actor=actor, name="Dossier patients du cabinet", role="controller", health_data=True,
        identifiability="identified", hosting_mode="self_hosted", purposes=["Suivi médical des patients"],
        controller_contact="Dr Durand, 12 rue des Tilleuls, 69003 Lyon",
        **{**REGISTER, "dpia_required": False, "dpia_done": False},
    )
    services.chain_link_create(actor=actor, processing=processing, supplier=None, activities=[1, 2, 5],
                               storage_countries=["FR"])


def _nuage_sante(actor) -> None:
    _own_certificate(actor, [1, 2, 3, 4, 5, 6], "AFNOR 2025/60001", date(2028, 1, 31))
    _own_contract(actor, "Contrat d'hébergement HDS type de Nuage Santé")
    datacenter = _host_supplier(actor, "lumiere")
    processing = services.processing_create(
        actor=actor, name="Hébergement HDS des clients", role="processor", health_data=True,
        identifiability="identified", hosting_mode="outsourced",
        purposes=["Hébergement d'infrastructures et de plateformes pour des éditeurs de santé"],
        controllers_served=["Clients éditeurs et établissements de santé"],
        controller_contact="Nuage Santé Hébergement, dpo@nuage-sante.example",
        security_measures=REGISTER["security_measures"],
    )
    site = services.chain_link_create(actor=actor, processing=processing, supplier=datacenter, activities=[1, 2],
                                      storage_countries=["FR"])
    services.chain_link_create(actor=actor, processing=processing, supplier=None, activities=[3, 4, 5, 6],
                               parent=site, storage_countries=["FR"])


def _network(context) -> None:
    """Nuage Santé's offer, its two linked clients and a pending invitation (loaded once)."""
    host, lilas, medisoft = (context.organisations.get(slug) for slug in ("nuage-sante", "centre-lilas", "medisoft"))
    if host is None or lilas is None or medisoft is None:
        return
    actor = context.actor
    with organisation_context(host):
        if Offer.objects.exists():
            return
        certificate = Certificate.objects.get(supplier__isnull=True)
        documents = list(Evidence.objects.filter(supplier__isnull=True, kind__in=[
            EvidenceKind.HOSTING_CONTRACT, EvidenceKind.HDS_CERTIFICATE]))
        documents.append(services.evidence_upload(
            actor=actor, file=_pdf("dpa-type.pdf", "Accord de sous-traitance type (art. 28)"), kind="dpa",
            title="Accord de sous-traitance type (art. 28 RGPD)", issued_on=date(2026, 1, 5)))
        offer = services.offer_create(
            actor=actor, name="Hébergement HDS managé", activities=[1, 2, 3, 4, 5, 6], storage_countries=["FR"],
            description="Infrastructure, plateforme, infogérance et sauvegarde des données de santé, en France.",
            certificates=[certificate], documents=documents, published=True)
        services.provider_profile_update(
            actor=actor, trust_page_published=True, transparency_url="https://nuage-sante.example/transparence",
            description="Hébergeur certifié HDS (activités 1 à 6), données stockées en France.")
        invitations = {slug: services.client_invitation_create(actor=actor, name=organisation.name,
                                                               siren=organisation.siren,
                                                               email=context.owner.email, offers=[offer])[1]
                       for slug, organisation in (("centre-lilas", lilas), ("medisoft", medisoft))}
        services.client_invitation_create(actor=actor, name="Clinique du Parc", siren="", offers=[offer],
                                          email="dsi@clinique-du-parc.example")
    for client in (lilas, medisoft):
        services.client_invitation_accept(raw_token=invitations[client.slug], client=client, actor=actor)
    with organisation_context(lilas):
        link = ClientLink.all_organisations.get(client_organisation=lilas)
        processing = services.processing_create(
            actor=actor, name="Dossier patient informatisé", role="controller", health_data=True,
            identifiability="identified", hosting_mode="outsourced", purposes=["Suivi des patients du centre"],
            controller_contact="Centre de santé des Lilas, dpo@centre-lilas.example",
            **REGISTER)
        services.offer_apply(link=link, offer_id=offer.pk, processing=processing, actor=actor)
        services.link_set_share_status(link=link, share_status=True, actor=actor)
        evaluation.evaluate_all()
    with organisation_context(medisoft):
        # MédiSoft asks its linked host for a document: the request reaches Nuage Santé's inbox
        # (Demandes reçues), where the host answers with a document it already holds.
        link = ClientLink.all_organisations.get(client_organisation=medisoft)
        services.evidence_request_create(
            actor=actor, supplier=Supplier.objects.get(pk=link.client_supplier_id), kinds=["audit_report"],
            contact_email="conformite@nuage-sante.example", due_date=timezone.localdate() + timedelta(days=10),
            message="Bonjour, pourriez-vous nous transmettre votre dernier rapport d'audit HDS ?")
