"""Evaluate one processing: run the nine rule families over its chain and derive a status.

Status:
- `not_applicable` when the scope rule finds HDS does not apply (anonymised data, data that are
  not health data, self-hosting of one's own patients' data with no supplier). The findings
  still list what the GDPR asks (information on self-hosting duties, register gaps, missing
  DPAs); the status is about HDS.
- otherwise `non_compliant` when any finding is an error,
- otherwise `incomplete` when any finding marks missing information (the catalogue's
  `incomplete` flag),
- otherwise `compliant` (warnings and information allowed).

Findings are sorted by severity (error, warning, info), then link id (processing-level findings
first), activity, code and English message, so the same input always gives the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .chain import Chain
from .findings import Finding, Severity
from .inputs import EvaluationInput
from .rules import (
    backup,
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
    register.check,
)


class Status(StrEnum):
    NOT_APPLICABLE = "not_applicable"
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    status: Status
    findings: tuple[Finding, ...]

    def to_json(self) -> dict:
        return {"status": self.status.value, "findings": [finding.to_json() for finding in self.findings]}


def evaluate(data: EvaluationInput) -> EvaluationResult:
    chain = Chain(data)
    findings = [finding for rule in RULES for finding in rule(chain)]
    findings.sort(key=Finding.sort_key)
    return EvaluationResult(status=_status(chain.scope, findings), findings=tuple(findings))


def _status(scope: Scope, findings: list[Finding]) -> Status:
    if scope is Scope.NOT_APPLICABLE:
        return Status.NOT_APPLICABLE
    if any(finding.severity is Severity.ERROR for finding in findings):
        return Status.NON_COMPLIANT
    if any(finding.incomplete for finding in findings):
        return Status.INCOMPLETE
    return Status.COMPLIANT
