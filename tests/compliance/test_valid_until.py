"""The engine's `valid_until`: the first date an answer may change with the same inputs.

A table of cases, each with the date expected, then a sweep over three years of days for several
inputs proving the promise itself: on every day before `valid_until` the answer (statuses and
findings, messages included) is exactly the one of the evaluation date.
"""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from compliance.conformity import RemoteAccess, evaluate
from compliance.conformity.horizons import EXPIRY_HORIZON_DAYS
from tests.compliance.test_conformity_scenarios import (
    BACKUP_CERTIFICATE,
    EDITOR,
    IAAS,
    OWN_CERTIFICATE,
    PROFESSIONAL,
    SELF_HOSTED,
    case,
    certificate,
    editor_case,
    iaas_certificate,
    iaas_link,
    link,
    processing,
    supplier,
)

ON = date(2025, 6, 2)
DAY = timedelta(days=1)
END = date(2027, 12, 1)  # the reference certificates' end
HORIZON_ENTRY = END - timedelta(days=EXPIRY_HORIZON_DAYS)  # 2 September 2027

CASES = [
    pytest.param(editor_case(), HORIZON_ENTRY, id="reference-chain-until-its-certificates-enter-the-horizon"),
    pytest.param(editor_case(iaas_certificates=(iaas_certificate(expires_on=ON + 10 * DAY),)), ON + DAY,
                 id="inside-the-horizon-the-days-left-change-daily"),
    pytest.param(editor_case(iaas_certificates=(iaas_certificate(expires_on=ON - DAY),)), HORIZON_ENTRY,
                 id="an-expired-certificate-stays-expired"),
    pytest.param(editor_case(extra_certificates=(certificate(9, IAAS, {1, 2}, issued_on=date(2026, 3, 1),
                                                             expires_on=date(2029, 2, 28)),)),
                 date(2026, 3, 1), id="a-certificate-not-yet-valid-starts"),
    pytest.param(editor_case(extra_certificates=(certificate(9, IAAS, {1, 2}, status="suspended",
                                                             expires_on=date(2026, 1, 31)),)),
                 date(2026, 2, 1), id="a-suspended-certificate-also-expires"),
    pytest.param(editor_case(iaas_certificates=(iaas_certificate(referential_version="v1"),)), date(2026, 5, 17),
                 id="a-v1-certificate-stops-counting-after-16-may-2026"),
    pytest.param(editor_case(actors=(supplier(IAAS, list_expires_on=date(2026, 1, 31)),)), date(2026, 2, 1),
                 id="the-ans-list-expiry-passes"),
    pytest.param(editor_case(iaas=iaas_link(documents_change_on=date(2026, 4, 1))), date(2026, 4, 1),
                 id="a-dated-document-ends-or-starts"),
    # The United Kingdom's renewed adequacy decision takes effect on 19 December 2025: the finding
    # naming the decision in force changes that day.
    pytest.param(editor_case(iaas=iaas_link(remote_access=(RemoteAccess("GB"),))), date(2025, 12, 19),
                 id="an-adequacy-decision-takes-effect-or-lapses"),
    pytest.param(case(PROFESSIONAL, processing_facts=SELF_HOSTED), None,
                 id="self-hosting-relies-on-no-certificate"),
    pytest.param(case(EDITOR, processing_facts=processing(identifiability="anonymised",
                                                           data_categories=("Âge", "Pathologie")),
                      links=[link(2, IAAS, {1, 2, 3, 4})], certificates=[iaas_certificate(expires_on=ON + 10 * DAY)]),
                 None, id="anonymised-data-do-not-follow-certificates"),
]


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_valid_until(data, expected):
    assert evaluate(data).valid_until == expected


SWEPT = [
    editor_case(),
    editor_case(iaas_certificates=(iaas_certificate(expires_on=ON + 100 * DAY),),
                extra_certificates=(certificate(9, IAAS, {1, 2, 3, 4}, issued_on=ON + 95 * DAY,
                                                expires_on=ON + 400 * DAY),)),
    editor_case(own_certificates=(replace(OWN_CERTIFICATE, referential_version="1.0", expires_on=date(2026, 9, 1)),),
                backup_certificates=(replace(BACKUP_CERTIFICATE, status="withdrawn"),),
                actors=(supplier(IAAS, list_expires_on=date(2025, 12, 31)),),
                iaas=iaas_link(documents_change_on=date(2026, 2, 1))),
    editor_case(iaas=iaas_link(remote_access=(RemoteAccess("GB"), RemoteAccess("CH")))),
]


def _answer(result):
    return result.status, result.hosting_status, result.register_status, result.findings


@pytest.mark.parametrize("data", SWEPT,
                         ids=["reference", "renewal-inside-the-horizon", "many-dates", "adequacy-decisions"])
def test_the_answer_never_changes_before_valid_until(data):
    """Day by day over three years: the answer changes only on or after the `valid_until` given, and
    it does change on some of those dates (the bound is not merely "never")."""
    day, result = ON, evaluate(data)
    changes = 0
    while day < ON + 1100 * DAY:
        day += DAY
        today = evaluate(replace(data, on=day))
        if result.valid_until is None or day < result.valid_until:
            assert _answer(today) == _answer(result), day
            assert today.valid_until == result.valid_until, day
        else:
            changes += _answer(today) != _answer(result)
            result = today
    assert changes > 3
