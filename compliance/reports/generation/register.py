"""The GDPR Art. 30 register (PDF, CSV, XLSX): controller entries (Art. 30(1)) and processor entries
(Art. 30(2)), the latter from the processings the organisation carries out as a processor.

XLSX has one sheet per role with typed dates; CSV is one table with a role column (the columns of
both roles), UTF-8 with BOM and ``;`` for French spreadsheets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance.models import STATUS_LABELS, ChainLink, ConformityResult, Processing, ProcessingRole
from compliance.reports import pdf, tabular
from compliance.reports.generation.base import Progress, Written
from compliance.reports.models import Report, ReportFormat
from hds_platform.models import Organisation
from hds_platform.tenancy import require_organisation

CONTROLLER, PROCESSOR = ProcessingRole.CONTROLLER.value, ProcessingRole.PROCESSOR.value


@dataclass
class Entry:
    processing: Processing
    status: str
    evaluated_at: datetime | None
    actors: list[str]


@dataclass
class Register:
    organisation: Organisation
    generated_at: datetime
    requested_by: str
    entries: list[Entry]

    def of_role(self, role: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.processing.role == role]


def load(report: Report) -> Register:
    """The processings, their status and the actors of their chain: three queries."""
    organisation = require_organisation()
    processings = list(Processing.objects.order_by("name", "id"))
    results = {r.processing_id: r for r in ConformityResult.objects.only("processing_id", "status", "evaluated_at")}
    actors: dict[int, list[str]] = defaultdict(list)
    for link in ChainLink.objects.select_related("supplier").order_by("processing_id", "id"):
        name = link.supplier.name if link.supplier_id else organisation.name
        activities = ", ".join(str(n) for n in sorted(link.activities or ()))
        label = f"{name} ({activities})" if activities else name
        if label not in actors[link.processing_id]:
            actors[link.processing_id].append(label)
    entries = [Entry(processing=p, status=results[p.pk].status if p.pk in results else "",
                     evaluated_at=results[p.pk].evaluated_at if p.pk in results else None,
                     actors=actors.get(p.pk, [])) for p in processings]
    return Register(organisation=organisation, generated_at=timezone.now(), requested_by=report.requested_by_label,
                    entries=entries)


def _lines(values) -> str:
    return "; ".join(str(value) for value in values or ())


def _transfers(processing: Processing) -> str:
    return "; ".join(f"{t.get('country', '')} — {t.get('safeguard') or _('aucune garantie')}"
                     for t in processing.transfers or ())


def _yes_no(value: bool | None) -> str:
    if value is None:
        return _("Non évalué")
    return _("Oui") if value else _("Non")


@dataclass(frozen=True)
class Column:
    header: object  # a lazy translation
    value: Callable[[Entry], object]
    roles: tuple[str, ...] = (CONTROLLER, PROCESSOR)


def P(getter: Callable[[Processing], object]) -> Callable[[Entry], object]:
    """A column read from the entry's processing."""
    return lambda entry: getter(entry.processing)


COLUMNS = (
    Column(gettext_lazy("Traitement"), P(lambda p: p.name)),
    Column(gettext_lazy("Responsables servis (art. 30(2)(a))"), P(lambda p: _lines(p.controllers_served)),
           (PROCESSOR,)),
    Column(gettext_lazy("Responsable et contact (art. 30(1)(a))"), P(lambda p: p.controller_contact)),
    Column(gettext_lazy("Contact du DPO"), P(lambda p: p.dpo_contact)),
    Column(gettext_lazy("Finalités ou catégories de traitements (b)"), P(lambda p: _lines(p.purposes))),
    Column(gettext_lazy("Base légale (art. 6)"), P(lambda p: p.legal_basis), (CONTROLLER,)),
    Column(gettext_lazy("Condition de l'art. 9(2)"), P(lambda p: p.art9_condition), (CONTROLLER,)),
    Column(gettext_lazy("Catégories de personnes (c)"), P(lambda p: _lines(p.data_subject_categories)),
           (CONTROLLER,)),
    Column(gettext_lazy("Catégories de données (c)"), P(lambda p: _lines(p.data_categories)), (CONTROLLER,)),
    Column(gettext_lazy("Données de santé"), P(lambda p: _yes_no(p.health_data))),
    Column(gettext_lazy("Identification"), P(lambda p: p.get_identifiability_display())),
    Column(gettext_lazy("Destinataires (d)"), P(lambda p: _lines(p.recipients)), (CONTROLLER,)),
    Column(gettext_lazy("Transferts hors UE et garanties (e)"), P(_transfers)),
    Column(gettext_lazy("Durée de conservation (f)"), P(lambda p: p.retention), (CONTROLLER,)),
    Column(gettext_lazy("Mesures de sécurité (g)"), P(lambda p: p.security_measures)),
    Column(gettext_lazy("AIPD requise"), P(lambda p: _yes_no(p.dpia_required)), (CONTROLLER,)),
    Column(gettext_lazy("AIPD réalisée"), P(lambda p: _yes_no(p.dpia_done)), (CONTROLLER,)),
    Column(gettext_lazy("Mode d'hébergement"), P(lambda p: p.get_hosting_mode_display())),
    Column(gettext_lazy("Acteurs de la chaîne (activités HDS)"), lambda entry: _lines(entry.actors)),
    Column(gettext_lazy("Conformité"), lambda entry: str(STATUS_LABELS.get(entry.status, entry.status))),
    Column(gettext_lazy("Évalué le"), lambda entry: entry.evaluated_at),
    Column(gettext_lazy("Créé le"), P(lambda p: p.created_at.date())),
    Column(gettext_lazy("Modifié le"), P(lambda p: p.updated_at)),
)

ROLE_TITLES = {CONTROLLER: gettext_lazy("Responsable de traitement"), PROCESSOR: gettext_lazy("Sous-traitant")}


def tables_by_role(register: Register) -> list[tabular.Table]:
    tables = []
    for role in (CONTROLLER, PROCESSOR):
        columns = [column for column in COLUMNS if role in column.roles]
        tables.append(tabular.Table(
            title=str(ROLE_TITLES[role]), headers=[str(column.header) for column in columns],
            rows=[[column.value(entry) for column in columns] for entry in register.of_role(role)],
        ))
    return tables


def one_table(register: Register) -> tabular.Table:
    headers = [_("Rôle"), *(str(column.header) for column in COLUMNS)]
    rows = []
    for entry in register.entries:
        role = entry.processing.role
        rows.append([str(ROLE_TITLES.get(role, role)),
                     *(column.value(entry) if role in column.roles else "" for column in COLUMNS)])
    return tabular.Table(title=_("Registre"), headers=headers, rows=rows)


def write(register: Register, out: BinaryIO, fmt: str, progress: Progress) -> Written:
    if fmt == ReportFormat.CSV:
        tabular.write_csv([one_table(register)], out)
        return Written()
    if fmt == ReportFormat.XLSX:
        tabular.write_xlsx(tables_by_role(register), out)
        return Written()
    title = _("Registre des activités de traitement (RGPD art. 30)")
    pages = pdf.render("reports/pdf/register.html", {
        "language": translation.get_language(), "title": title, "organisation": register.organisation,
        "generated_at": register.generated_at, "requested_by": register.requested_by,
        "controller_entries": register.of_role(CONTROLLER), "processor_entries": register.of_role(PROCESSOR),
    }, out, title=title)
    progress(95)
    return Written(pages=pages)
