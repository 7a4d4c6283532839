"""Importing a supplier list: a dry run that says what each row would do, then an all-or-nothing apply.

Each row is matched to an existing supplier by SIREN first (given, or the first nine digits of a
SIRET), then by name (compared with case and spacing folded); no match creates a supplier. A
row's outcome is ``created``, ``updated`` (with the fields that change), ``unchanged`` or
``error`` (each with a stable code and a message). An empty cell leaves the existing value as it
is: an import adds and corrects, it never blanks. Every row that is not an error also shows the
ANS list host that matching would suggest (or the one already confirmed).

Applying runs the same plan inside one transaction: if any row is an error nothing is written
and :class:`ImportRefused` carries the per-row report; otherwise each row goes through
``supplier_create`` / ``supplier_update`` (validated, matched, audited), and one
``supplier.imported`` audit event records the file's sha256 and the counts.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries

from compliance.models import RegistryMatchStatus, Supplier
from compliance.services.suppliers import _normalise_supplier_fields, supplier_create, supplier_update
from compliance.supplier_files import SourceRow, SupplierFile, read_supplier_file
from hds_platform import audit, writes
from hds_platform.audit import Actor
from hds_platform.errors import ServiceError
from hds_platform.tenancy import require_organisation
from registry.selectors import HostMatcher

IMPORTED_FIELDS = ("name", "siren", "siret", "vat_number", "country", "contact_email")
CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"


class ImportRefused(ServiceError):
    """Applying was refused because rows have errors; ``report`` says which and why."""

    code = "import_has_errors"

    def __init__(self, report: dict):
        super().__init__(_("Le fichier contient des lignes en erreur : rien n'a été importé. Corrigez-les et "
                           "envoyez-le à nouveau."), code=self.code)
        self.report = report


@dataclass
class RowPlan:
    line: int
    status: str
    name: str = ""
    values: dict = field(default_factory=dict)
    supplier: Supplier | None = None
    changes: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    registry_match: dict | None = None

    def as_dict(self) -> dict:
        return {"line": self.line, "status": self.status, "name": self.name,
                "supplier": self.supplier.pk if self.supplier is not None and self.supplier.pk else None,
                "values": self.values, "changes": self.changes, "errors": self.errors,
                "registry_match": self.registry_match}


def _error(code: str, message: str, field_name: str | None = None) -> dict:
    return {"code": code, "message": message, "field": field_name}


def _row_values(row: SourceRow) -> tuple[dict, list[dict]]:
    """The row's non-empty cells as supplier fields, normalised; errors for what cannot be read."""
    values, errors = {}, []
    raw = dict(row.values)
    combined = raw.pop("siren_or_siret", "")
    if combined:
        digits = "".join(combined.split())
        if len(digits) == 14:
            raw.setdefault("siret", digits)
        elif len(digits) == 9:
            raw.setdefault("siren", digits)
        else:
            errors.append(_error("invalid_siren", _("« %s » n'est ni un SIREN (9 chiffres) ni un SIRET (14 chiffres).")
                                 % combined, "siren"))
    for name in IMPORTED_FIELDS:
        if raw.get(name):
            values[name] = raw[name]
    if "country" in values and len(values["country"]) != 2:
        code = countries.by_name(values["country"]) or countries.by_name(values["country"], language="fr")
        if code:
            values["country"] = code
        else:
            errors.append(_error("invalid_country", _("« %s » n'est ni un pays connu ni un code ISO 3166 à deux "
                                                      "lettres.") % values.pop("country"), "country"))
    values = _normalise_supplier_fields(values)
    if values.get("siret") and not values.get("siren"):
        values["siren"] = values["siret"][:9]
    if not values.get("name"):
        errors.append(_error("name_required", _("Le nom du fournisseur est vide."), "name"))
    return values, errors


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


class _Existing:
    """The organisation's suppliers, by SIREN and by folded name (one query)."""

    def __init__(self):
        self.by_siren: dict[str, Supplier] = {}
        self.by_name: dict[str, Supplier] = {}
        for supplier in Supplier.objects.select_related("registry_host").order_by("id"):
            if supplier.siren:
                self.by_siren[supplier.siren] = supplier
            self.by_name[_fold(supplier.name)] = supplier

    def find(self, values: dict) -> Supplier | None:
        if values.get("siren") and values["siren"] in self.by_siren:
            return self.by_siren[values["siren"]]
        return self.by_name.get(_fold(values.get("name", "")))


def _validation_errors(error: ValidationError) -> list[dict]:
    found = []
    for name, errors in error.error_dict.items() if hasattr(error, "error_dict") else [(None, error.error_list)]:
        for item in errors:
            found.append(_error(item.code or "invalid", " ".join(item.messages),
                                None if name == "__all__" else name))
    return found


def _plan_row(row: SourceRow, existing: _Existing, seen: dict[str, int], matcher: HostMatcher) -> RowPlan:
    values, errors = _row_values(row)
    plan = RowPlan(line=row.line, status=ERROR, name=values.get("name", ""), values=values)
    if errors:
        plan.errors = errors
        return plan
    for key in (f"siren:{values['siren']}" if values.get("siren") else "", f"name:{_fold(values['name'])}"):
        if key and key in seen:
            plan.errors = [_error("duplicate_in_file", _("Ce fournisseur figure déjà à la ligne %s du fichier.")
                                  % seen[key], "siren" if key.startswith("siren") else "name")]
            return plan
    for key in (f"siren:{values['siren']}" if values.get("siren") else "", f"name:{_fold(values['name'])}"):
        if key:
            seen[key] = row.line
    supplier = existing.find(values)
    if supplier is None:
        candidate = Supplier(organisation=require_organisation())
        writes.assign_changes(candidate, values)
        plan.status, plan.supplier = CREATED, candidate
    else:
        candidate = copy.copy(supplier)  # the plan never changes what it read
        plan.changes = writes.assign_changes(candidate, values)
        plan.status, plan.supplier = (UPDATED if plan.changes else UNCHANGED), supplier
    try:
        candidate.full_clean()
    except ValidationError as error:
        plan.status, plan.errors = ERROR, _validation_errors(error)
        return plan
    plan.registry_match = _registry_match(candidate, matcher)
    return plan


def _registry_match(supplier: Supplier, matcher: HostMatcher) -> dict | None:
    if supplier.registry_match_status == RegistryMatchStatus.CONFIRMED and supplier.registry_host_id:
        host = supplier.registry_host
        return {"status": "confirmed", "host": host.pk, "host_name": host.name,
                "method": supplier.registry_match_method, "score": supplier.registry_match_score}
    rejected = set(supplier.registry_rejected_hosts or [])
    for candidate in matcher.candidates(name=supplier.name, siren=supplier.siren):
        if candidate.host.pk not in rejected:
            status = "confirmed" if candidate.method == "certificate_number" else "suggested"
            return {"status": status, "host": candidate.host.pk, "host_name": candidate.host.name,
                    "method": candidate.method, "score": round(candidate.score)}
    return None


def plan_import(parsed: SupplierFile) -> list[RowPlan]:
    existing = _Existing()
    seen: dict[str, int] = {}
    matcher = HostMatcher()
    return [_plan_row(row, existing, seen, matcher) for row in parsed.rows]


def _report(parsed: SupplierFile, plans: list[RowPlan], *, dry_run: bool, applied: bool, sha256: str) -> dict:
    summary = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, ERROR: 0}
    for plan in plans:
        summary[plan.status] += 1
    return {"dry_run": dry_run, "applied": applied, "sha256": sha256, "format": parsed.format,
            "encoding": parsed.encoding, "delimiter": parsed.delimiter, "columns": parsed.columns,
            "ignored_columns": parsed.ignored_columns, "summary": summary,
            "rows": [plan.as_dict() for plan in plans]}


def supplier_import(*, actor: Actor, data: bytes, filename: str = "", dry_run: bool) -> dict:
    """Plan (``dry_run``) or apply a supplier list; returns the per-row report.

    Applying is all-or-nothing: any error row raises :class:`ImportRefused` and writes nothing."""
    organisation = require_organisation()
    parsed = read_supplier_file(data)
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        plans = plan_import(parsed)
        if dry_run:
            return _report(parsed, plans, dry_run=True, applied=False, sha256=sha256)
        if any(plan.status == ERROR for plan in plans):
            raise ImportRefused(_report(parsed, plans, dry_run=False, applied=False, sha256=sha256))
        for plan in plans:
            if plan.status == CREATED:
                plan.supplier = supplier_create(actor=actor, **plan.values)
            elif plan.status == UPDATED:
                fields = {name: plan.values[name] for name in plan.changes}
                plan.supplier = supplier_update(supplier=plan.supplier, actor=actor, **fields)
        report = _report(parsed, plans, dry_run=False, applied=True, sha256=sha256)
        audit.record(organisation=organisation, actor=actor, action="supplier.imported", target=None,
                     changes={"file": filename[-200:], "sha256": sha256, "summary": report["summary"]})
    return report
