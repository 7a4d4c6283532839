"""How far ahead Maillon looks at an end of validity, in days: one constant per horizon.

An end of validity within `EXPIRY_HORIZON_DAYS` is "expiring": the engine warns about the
certificate (rule 8, `rules/evidence.py`), the expiry scan raises its first alert, and the pages
and the API list and count it. The scan then reminds at each nearer horizon (`EXPIRY_THRESHOLDS`),
and the conformity summary counts the certificates that reached each of them (`EXPIRY_WINDOWS`).
"""

EXPIRY_HORIZON_DAYS = 90
SECOND_REMINDER_DAYS = 60
THIRD_REMINDER_DAYS = 30
LAST_REMINDER_DAYS = 7

EXPIRED_THRESHOLD = 0
"""The threshold of an alert about something already expired."""

EXPIRY_THRESHOLDS = (EXPIRY_HORIZON_DAYS, SECOND_REMINDER_DAYS, THIRD_REMINDER_DAYS, LAST_REMINDER_DAYS,
                     EXPIRED_THRESHOLD)
"""Days before an end of validity at which the expiry scan raises an alert, farthest first."""

EXPIRY_WINDOWS = (THIRD_REMINDER_DAYS, SECOND_REMINDER_DAYS, EXPIRY_HORIZON_DAYS)
"""The windows in which the conformity summary counts expiring certificates, nearest first."""
