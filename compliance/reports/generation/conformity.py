"""The conformity dossier (PDF): a summary by status, then per processing its chain diagram, its
findings with their legal references, the certificates relied on and the evidence on file.

It carries its attestation: a QR code of the verification link on the cover (and one per
processing), and the whole token attached to the PDF as ``attestation.jws``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from compliance.models import (
    STATUS_LABELS,
    CertificateStatus,
    ConformityStatus,
    Evidence,
    Processing,
    RegistryMatchStatus,
)
from compliance.reports import pdf
from compliance.reports.answers import Actor, Answers, answer_fields, load_answers
from compliance.reports.attestations import issuing
from compliance.reports.attestations.qr import qr_data_uri
from compliance.reports.generation.base import Progress, Written
from compliance.reports.models import Report
from compliance.web.pages import ChainView, build_chain_view

ATTESTATION_FILE = "attestation.jws"
STATUS_ORDER = (ConformityStatus.NON_COMPLIANT, ConformityStatus.INCOMPLETE, ConformityStatus.COMPLIANT,
                ConformityStatus.NOT_APPLICABLE, "")


@dataclass
class ActorRow:
    actor: Actor
    certificates: list
    registry: str


@dataclass
class Section:
    processing: Processing
    result: object
    status: str
    hosting_status: str | None
    register_status: str | None
    valid_until: date | None
    chain: ChainView
    actors: list[ActorRow]
    evidence: list[Evidence]
    token: str
    qr: str | None = None


@dataclass
class Dossier:
    answers: Answers
    scope_processing: Processing | None
    generated_at: datetime
    requested_by: str
    sections: list[Section] = field(default_factory=list)
    attestation: issuing.Attestation | None = None


def _registry_label(actor: Actor) -> str:
    supplier = actor.supplier
    if supplier is None:
        return "—"
    label = str(dict(RegistryMatchStatus.choices).get(supplier.registry_match_status, supplier.registry_match_status))
    if supplier.registry_host_id and supplier.registry_match_status in (RegistryMatchStatus.CONFIRMED,
                                                                         RegistryMatchStatus.SUGGESTED):
        return _("%(match)s : %(host)s") % {"match": label, "host": supplier.registry_host.name}
    return label


def _evidence_by_processing(answers: Answers) -> dict[int, list[Evidence]]:
    """Current evidence of each processing: its own, and that of the suppliers in its chain."""
    suppliers_of: dict[int, set[int]] = {
        p.pk: {link.supplier_id for link in answers.links.get(p.pk, []) if link.supplier_id}
        for p in answers.processings
    }
    every_supplier = set().union(*suppliers_of.values()) if suppliers_of else set()
    rows = list(Evidence.objects.filter(superseded_by__isnull=True)
                .filter(Q(processing_id__in=list(suppliers_of)) | Q(supplier_id__in=every_supplier))
                .order_by("kind", "title", "id"))
    found: dict[int, list[Evidence]] = defaultdict(list)
    for processing in answers.processings:
        suppliers = suppliers_of[processing.pk]
        found[processing.pk] = [e for e in rows if e.processing_id == processing.pk
                                or (e.supplier_id in suppliers and e.processing_id in (None, processing.pk))]
    return found


def _mark_certificates(answers: Answers) -> None:
    for certificates in answers.certificates.values():
        for certificate in certificates:
            certificate.expired = certificate.expires_on < answers.today
            certificate.usable = certificate.status == CertificateStatus.VALID and not certificate.expired


def load_dossier(processing_ids: list[int] | None, *, language: str, requested_by: str,
                 single: bool = False) -> Dossier:
    """Everything a dossier of these processings (all when None) states, read in a constant number of
    queries (inside the context). ``single``: the dossier of one processing."""
    answers = load_answers(processing_ids)
    _mark_certificates(answers)
    evidence = _evidence_by_processing(answers)
    organisation_name = answers.organisation.name
    dossier = Dossier(answers=answers, scope_processing=answers.processings[0] if single else None,
                      generated_at=timezone.now(), requested_by=requested_by)
    dossier.attestation = issuing.issue(answers, scope="processing" if single else "organisation",
                                        issued_at=dossier.generated_at)
    for processing in answers.processings:
        result = answers.results.get(processing.pk)
        hosting_status, valid_until = answer_fields(result)
        dossier.sections.append(Section(
            processing=processing, result=result, status=result.status if result else "",
            hosting_status=hosting_status, register_status=result.register_status if result else None,
            valid_until=valid_until,
            chain=build_chain_view(processing, answers.links.get(processing.pk, []), result, organisation_name,
                                   english=language == "en"),
            actors=[ActorRow(actor=a, certificates=a.certificates, registry=_registry_label(a))
                    for a in answers.actors(processing)],
            evidence=evidence.get(processing.pk, []),
            token=dossier.attestation.token if single else issuing.issue(
                _only(answers, processing), scope="processing", issued_at=dossier.generated_at).token,
        ))
    return dossier


def load(report: Report) -> Dossier:
    single = report.processing_id is not None
    return load_dossier([report.processing_id] if single else None, language=report.language,
                        requested_by=report.requested_by_label, single=single)


def _only(answers: Answers, processing: Processing) -> Answers:
    return Answers(organisation=answers.organisation, today=answers.today, processings=[processing],
                   results=answers.results, links=answers.links, certificates=answers.certificates)


def context(dossier: Dossier) -> dict:
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for section in dossier.sections:
        counts[section.status] += 1
    title = _("Dossier de conformité HDS")
    return {
        "language": translation.get_language(), "title": title,
        "organisation": dossier.answers.organisation, "generated_at": dossier.generated_at,
        "requested_by": dossier.requested_by, "scope_processing": dossier.scope_processing,
        "summary": [{"status": status, "label": STATUS_LABELS[status], "count": counts[status]}
                    for status in STATUS_ORDER if counts[status] or status],
        "sections": dossier.sections, "attestation": dossier.attestation,
        "attestation_qr": qr_data_uri(dossier.attestation.verification_url),
        "verifier_url": f"{settings.SITE_URL}{reverse('attestation-verify')}",
    }


def render_dossier(dossier: Dossier, out: BinaryIO, progress: Progress, *, start: int, end: int) -> int:
    """Write the dossier's PDF into ``out``, moving the progress from ``start`` to ``end``; returns its pages."""
    sections_html = []
    total = max(len(dossier.sections), 1)
    half = start + (end - start) // 2
    context_ = context(dossier)
    for index, section in enumerate(dossier.sections, start=1):
        if len(dossier.sections) > 1:
            section.qr = qr_data_uri(issuing.verification_url(section.token))
        sections_html.append(render_to_string("reports/pdf/_conformity_section.html", {"section": section}))
        progress(start + (half - start) * index // total)
    # Each section comes from an auto-escaping template: joining them adds no unescaped text.
    context_["sections_html"] = mark_safe("".join(sections_html))  # noqa: S308
    pages = pdf.render("reports/pdf/conformity.html", context_, out, title=context_["title"], attachments=[
        pdf.PdfAttachment(name=ATTESTATION_FILE, data=dossier.attestation.token.encode(),
                          description=_("Attestation signée (JWS compact)")),
    ])
    progress(end)
    return pages


def write(dossier: Dossier, out: BinaryIO, fmt: str, progress: Progress) -> Written:
    return Written(pages=render_dossier(dossier, out, progress, start=20, end=95))
