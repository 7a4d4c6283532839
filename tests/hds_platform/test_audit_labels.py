"""Every event the code writes to the audit log has words in the log's page, in both languages."""

import re
from pathlib import Path

from django.utils import translation

from hds_platform.audit_display import action_label

ROOT = Path(__file__).resolve().parents[2]
# audit.record(..., action="x.y", ...) and accounts.events.record_for_person(user, "x.y", ...)
RECORDED = re.compile(r'(?:action=|record_for_person\([\w.]+, )"([a-z_]+\.[a-z_.]+)"')


def _recorded_actions() -> set[str]:
    found = set()
    for package in ("hds_platform", "compliance", "registry"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found.update(RECORDED.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_recorded_action_is_worded_in_french_and_english():
    actions = _recorded_actions()
    # The scan finds the events of every part of the product (a broken pattern would find none).
    assert {"supplier.created", "evidence_request.submitted", "incoming_evidence_request.answered",
            "app_connection.granted", "auth.login_succeeded", "client_link.ended"} <= actions
    unworded = sorted(action for action in actions if action_label(action) == action)
    assert unworded == []
    with translation.override("en"):
        assert action_label("incoming_evidence_request.answered") == "Request received: document sent"
        assert action_label("auth.login_succeeded") == "Signed in"
        untranslated = sorted(action for action in actions
                              if action_label(action) == str(translation.override("fr")(action_label)(action)))
    assert untranslated == []
