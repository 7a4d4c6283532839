"""Evaluate one processing: run the ten rule families over its chain and derive three statuses.

Two answers, one overall:
- `hosting_status` answers for the chain (every family but `register`): `not_applicable` when
  the scope rule finds HDS does not apply (anonymised data, data that are not health data,
  self-hosting of one's own patients' data with no supplier), otherwise from the chain's
  findings.
- `register_status` answers for the GDPR register (the `register` family: Art. 30, 9 and 35):
  `not_applicable` for anonymised data only (they are not personal data), otherwise from the
  register's findings, joined by the chain's when HDS does not apply (a missing DPA is still a
  GDPR gap).
- `status` is the worse of the two, from best to worst: not_applicable, compliant, incomplete,
  non_compliant. A self-hosting professional with a blank register is therefore `incomplete`,
  not `not_applicable`: HDS does not apply, the GDPR does.

From a family's findings: `non_compliant` when any is an error, otherwise `incomplete` when any
marks missing information (the catalogue's `incomplete` flag), otherwise `compliant` (warnings
and information allowed).

Findings are sorted by severity (error, warning, info), then link id (processing-level findings
first), activity, code and English message, so the same input always gives the same result.

`valid_until` is the first date after the evaluation date on which the answer (the three
statuses and every finding, messages included) may change with the same inputs, time passing
alone; None when nothing in it can. Evaluating the same inputs on any day from the evaluation
date to the day before `valid_until` gives the same answer. It is a bound, not a forecast: on
that date the answer may well stay the same. It is the earliest of the dates the rule families
that read the date give (`DATE_RULES`, each family's `changes_on`):
- validity, for every HDS certificate of an actor of a link in HDS scope (or of the parent a link
  is exempt under): the day after its end (`certificate_expired`), the day it starts
  (`certificate_not_yet_valid`), the day after 16 May 2026 for a v1 certificate;
- evidence: the day a certificate relied on enters the expiry horizon (`horizons.py`), or the next
  day once inside it (the days left are in the message), and the day a dated document behind a
  link's contract, DPA or exemption flags starts or ends (`LinkFacts.documents_change_on`, which
  the loader fills);
- registry: the day after the expiry date the ANS list shows for a confirmed, listed host;
- sovereignty (and the register's transfers): the day an adequacy decision takes effect or
  lapses for a country the chain or the register names.
A rule that starts reading the date adds its `changes_on` to `DATE_RULES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .chain import Chain
from .findings import Finding, Severity
from .inputs import EvaluationInput
from .rules import (
    backup,
    completeness,
    coverage,
    evidence,
    own_certificate,
    register,
    registry,
    scope,
    sovereignty,
    validity,
)
from .rules.scope import Scope

RULES = (
    scope.check,
    coverage.check,
    own_certificate.check,
    backup.check,
    validity.check,
    registry.check,
    sovereignty.check,
    evidence.check,
    completeness.check,
    register.check,
)


class Status(StrEnum):
    NOT_APPLICABLE = "not_applicable"
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"
    INCOMPLETE = "incomplete"


STATUS_RANK = {
    Status.NOT_APPLICABLE: 0,
    Status.COMPLIANT: 1,
    Status.INCOMPLETE: 2,
    Status.NON_COMPLIANT: 3,
}
"""From best to worst: the overall status is the highest rank of the two answers."""

DATE_RULES: tuple[Callable[[Chain], Iterable[date]], ...] = (
    validity.changes_on,
    evidence.changes_on,
    registry.changes_on,
    sovereignty.changes_on,
)
"""The families whose findings depend on the evaluation date, each giving the dates they may turn."""

REGISTER_FAMILY = "register"


def worse(*statuses: Status) -> Status:
    return max(statuses, key=STATUS_RANK.__getitem__)


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    status: Status
    findings: tuple[Finding, ...]
    hosting_status: Status
    register_status: Status
    valid_until: date | None = None

    def to_json(self) -> dict:
        return {
            "status": self.status.value,
            "hosting_status": self.hosting_status.value,
            "register_status": self.register_status.value,
            "valid_until": None if self.valid_until is None else self.valid_until.isoformat(),
            "findings": [finding.to_json() for finding in self.findings],
        }


def is_register_finding(finding: Finding) -> bool:
    return finding.code.partition(".")[0] == REGISTER_FAMILY


def evaluate(data: EvaluationInput) -> EvaluationResult:
    chain = Chain(data)
    findings = [finding for rule in RULES for finding in rule(chain)]
    findings.sort(key=Finding.sort_key)
    hosting = [finding for finding in findings if not is_register_finding(finding)]
    register = [finding for finding in findings if is_register_finding(finding)]
    if chain.scope is Scope.NOT_APPLICABLE:
        # Out of HDS scope, what the chain still owes is GDPR (a processor's DPA, Art. 28): it
        # joins the register's answer instead of vanishing with the hosting one.
        hosting_status, register = Status.NOT_APPLICABLE, findings
    else:
        hosting_status = _status(hosting)
    register_status = Status.NOT_APPLICABLE if not chain.personal else _status(register)
    return EvaluationResult(
        status=worse(hosting_status, register_status),
        findings=tuple(findings),
        hosting_status=hosting_status,
        register_status=register_status,
        valid_until=valid_until(chain),
    )


def valid_until(chain: Chain) -> date | None:
    """The first date after the evaluation date on which the answer may change on its own."""
    on = chain.on
    return min((day for changes_on in DATE_RULES for day in changes_on(chain) if day > on), default=None)


def _status(findings: list[Finding]) -> Status:
    if any(finding.severity is Severity.ERROR for finding in findings):
        return Status.NON_COMPLIANT
    if any(finding.incomplete for finding in findings):
        return Status.INCOMPLETE
    return Status.COMPLIANT
