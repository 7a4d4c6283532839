import pytest

from compliance.monitoring.webhooks.signing import InvalidSignature, signature_header, verify_signature
from compliance.monitoring.webhooks.urlguard import UnsafeWebhookURL, check_webhook_url, is_public_address

SECRET = "whsec_test"
BODY = b'{"event":"conformity.changed"}'


def test_signature_round_trip_and_known_vector():
    header = signature_header(SECRET, BODY, timestamp=1_764_355_200)
    assert header == "t=1764355200,v1=" + __import__("hmac").new(
        b"whsec_test", b"1764355200." + BODY, "sha256").hexdigest()
    assert verify_signature(SECRET, header, BODY, now=1_764_355_260) == 1_764_355_200


@pytest.mark.parametrize(
    ("header", "body", "now", "reason"),
    [
        ("t=1764355200,v1=deadbeef", BODY, 1_764_355_200, "signature mismatch"),
        (None, b'{"event":"tampered"}', 1_764_355_200, "signature mismatch"),
        (None, BODY, 1_764_355_200 + 301, "timestamp outside the tolerance window"),
        ("v1=abc", BODY, 1_764_355_200, "malformed signature header"),
    ],
)
def test_signature_refusals(header, body, now, reason):
    header = header or signature_header(SECRET, BODY, timestamp=1_764_355_200)
    with pytest.raises(InvalidSignature, match=reason):
        verify_signature(SECRET, header, body, now=now)


@pytest.mark.parametrize(
    ("address", "public"),
    [("93.184.216.34", True), ("10.0.0.1", False), ("127.0.0.1", False), ("169.254.169.254", False),
     ("192.168.1.1", False), ("::1", False), ("fe80::1", False), ("::ffff:127.0.0.1", False),
     ("0.0.0.0", False), ("2606:4700:4700::1111", True), ("100.64.0.1", False)],
)
def test_public_address_classification(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    ("url", "resolved", "code"),
    [
        ("http://hooks.example.org/x", ["93.184.216.34"], "webhook_https_required"),
        ("https://user:pw@hooks.example.org/x", ["93.184.216.34"], "webhook_url_invalid"),
        ("https://internal.example.org/x", ["10.1.2.3"], "webhook_private_address"),
        ("https://metadata.example.org/x", ["169.254.169.254"], "webhook_private_address"),
        ("https://mixed.example.org/x", ["93.184.216.34", "127.0.0.1"], "webhook_private_address"),
    ],
)
def test_unsafe_urls_are_refused(settings, url, resolved, code):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(UnsafeWebhookURL) as caught:
        check_webhook_url(url, resolve=lambda host, port: resolved)
    assert caught.value.code == code


def test_public_https_url_is_accepted(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    assert check_webhook_url("https://hooks.example.org/maillon", resolve=lambda h, p: ["93.184.216.34"]) is None


def test_private_networks_allowed_by_setting(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    assert check_webhook_url("http://127.0.0.1:9999/hook", resolve=lambda h, p: ["127.0.0.1"]) is None
