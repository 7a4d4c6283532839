"""Suppliers (CSV, XLSX): identifiers, registry match, certificates, the activities they perform in
the organisation's chains, and the next expiry.

XLSX has two sheets: one row per supplier, then one row per certificate (typed dates); CSV is the
first table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import selectors
from compliance.models import Certificate, ChainLink, RegistryMatchStatus, Supplier
from compliance.reports import tabular
from compliance.reports.generation.base import Progress, Written
from compliance.reports.models import Report, ReportFormat


@dataclass
class SupplierRow:
    supplier: Supplier
    certificates: list[Certificate]
    activities: set[int]
    processings: int


def load(report: Report) -> list[SupplierRow]:
    """Suppliers with their registry host, certificates and chain links: three queries."""
    today = timezone.localdate()
    suppliers = list(selectors.suppliers(today=today).order_by("name", "id"))
    certificates: dict[int, list[Certificate]] = defaultdict(list)
    for certificate in Certificate.objects.filter(supplier__isnull=False).order_by("expires_on", "id"):
        certificates[certificate.supplier_id].append(certificate)
    activities: dict[int, set[int]] = defaultdict(set)
    processings: dict[int, set[int]] = defaultdict(set)
    for supplier_id, processing_id, link_activities in ChainLink.objects.filter(supplier__isnull=False).values_list(
            "supplier_id", "processing_id", "activities"):
        activities[supplier_id] |= set(link_activities or ())
        processings[supplier_id].add(processing_id)
    return [SupplierRow(supplier=s, certificates=certificates.get(s.pk, []), activities=activities.get(s.pk, set()),
                        processings=len(processings.get(s.pk, ()))) for s in suppliers]


def _numbers(values) -> str:
    return ", ".join(str(n) for n in sorted(values or ()))


def _certificate_text(certificate: Certificate) -> str:
    return (f"{certificate.get_kind_display()} {certificate.certificate_number or '?'} "
            f"[{_numbers(certificate.activities)}] → {certificate.expires_on.isoformat()} "
            f"({certificate.get_status_display()})")


def _host_name(supplier: Supplier) -> str:
    if supplier.registry_host_id and supplier.registry_match_status in (RegistryMatchStatus.CONFIRMED,
                                                                         RegistryMatchStatus.SUGGESTED):
        return supplier.registry_host.name
    return ""


def supplier_table(rows: list[SupplierRow]) -> tabular.Table:
    headers = [_("Fournisseur"), "SIREN", "SIRET", _("Numéro de TVA"), _("Pays"), _("Correspondance liste ANS"),
               _("Hébergeur de la liste ANS"), _("Score"), _("Activités réalisées"), _("Traitements"),
               _("Certificats"), _("Certificats valides"), _("Prochaine expiration"),
               _("Soumis à un droit extra-européen"), _("Lois concernées")]
    return tabular.Table(title=_("Fournisseurs"), headers=headers, rows=[
        [row.supplier.name, row.supplier.siren, row.supplier.siret, row.supplier.vat_number, row.supplier.country,
         row.supplier.get_registry_match_status_display(), _host_name(row.supplier),
         row.supplier.registry_match_score, _numbers(row.activities), row.processings,
         " ; ".join(_certificate_text(c) for c in row.certificates), row.supplier.certificates_valid,
         row.supplier.next_expiry, _("Oui") if row.supplier.subject_to_non_eu_law else _("Non"),
         " ; ".join(row.supplier.non_eu_laws or ())]
        for row in rows
    ])


def certificate_table(rows: list[SupplierRow], today: date) -> tabular.Table:
    headers = [_("Fournisseur"), _("Type"), _("Numéro"), _("Organisme certificateur"), _("Référentiel"),
               _("Activités couvertes"), _("Délivré le"), _("Valable jusqu'au"), _("Jours restants"), _("État"),
               _("Source")]
    return tabular.Table(title=_("Certificats"), headers=headers, rows=[
        [row.supplier.name, c.get_kind_display(), c.certificate_number, c.certifier, c.referential_version,
         _numbers(c.activities), c.issued_on, c.expires_on, (c.expires_on - today).days, c.get_status_display(),
         c.get_source_display()]
        for row in rows for c in row.certificates
    ])


def write(rows: list[SupplierRow], out: BinaryIO, fmt: str, progress: Progress) -> Written:
    if fmt == ReportFormat.CSV:
        tabular.write_csv([supplier_table(rows)], out)
    else:
        tabular.write_xlsx([supplier_table(rows), certificate_table(rows, timezone.localdate())], out)
    return Written()
