"""The expiry horizons: each defined once, and every reader names the same days."""

from compliance.api.serializers import CertificatesSummarySerializer, ExpiringCertificatesSerializer
from compliance.conformity.horizons import (
    EXPIRED_THRESHOLD,
    EXPIRY_HORIZON_DAYS,
    EXPIRY_THRESHOLDS,
    EXPIRY_WINDOWS,
    LAST_REMINDER_DAYS,
    SECOND_REMINDER_DAYS,
    THIRD_REMINDER_DAYS,
)
from compliance.models import Alert


def test_each_horizon_has_its_value():
    assert (EXPIRY_HORIZON_DAYS, SECOND_REMINDER_DAYS, THIRD_REMINDER_DAYS, LAST_REMINDER_DAYS) == (90, 60, 30, 7)
    assert EXPIRED_THRESHOLD == 0
    assert EXPIRY_THRESHOLDS == (90, 60, 30, 7, 0)
    assert EXPIRY_WINDOWS == (30, 60, 90)


def test_the_alert_threshold_help_text_lists_the_thresholds():
    assert str(Alert._meta.get_field("threshold").help_text) == "Expiry alerts: 90, 60, 30, 7, or 0 when expired."


def test_the_api_field_names_carry_the_horizons():
    assert list(CertificatesSummarySerializer().fields) == [
        "valid", "expiring_within_90_days", "expired_or_invalid", "next_expiry"]
    assert list(ExpiringCertificatesSerializer().fields) == [
        "within_30_days", "within_60_days", "within_90_days", "certificates"]
    assert str(ExpiringCertificatesSerializer().fields["certificates"].help_text) == (
        "Valid certificates expiring within 90 days, soonest first.")
