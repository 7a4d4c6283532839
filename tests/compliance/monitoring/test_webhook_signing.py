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
     ("0.0.0.0", False), ("2606:4700:4700::1111", True), ("100.64.0.1", False),
     # IPv6 forms that wrap a private IPv4 address (the probe's findings), and IPv6's own private ranges.
     ("64:ff9b::a9fe:a9fe", False), ("64:ff9b::7f00:1", False), ("64:ff9b:1::a00:1", False),
     ("2002:7f00:1::", False), ("2002:a9fe:a9fe::1", False), ("::7f00:1", False), ("::a00:1", False),
     ("::ffff:a9fe:a9fe", False), ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False), ("fc00::1", False),
     ("fd12:3456::1", False), ("fe80::1%eth0", False), ("ff02::1", False), ("2001:db8::1", False),
     ("::", False), ("224.0.0.1", False), ("240.0.0.1", False),
     # A NAT64 or 6to4 form of a public address is as public as the address it wraps.
     ("64:ff9b::5db8:d822", True), ("2002:5db8:d822::1", True)],
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
        ("https://hooks.example.org:8443/x", ["93.184.216.34"], "webhook_port_not_allowed"),
        ("https://hooks.example.org:80/x", ["93.184.216.34"], "webhook_port_not_allowed"),
        ("https://hooks.example.org:99999/x", ["93.184.216.34"], "webhook_url_invalid"),
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
    settings.WEBHOOK_EXTRA_PORTS = frozenset({9999})
    assert check_webhook_url("http://127.0.0.1:9999/hook", resolve=lambda h, p: ["127.0.0.1"]) is None


WRAPPED_PRIVATE_HOSTS = ["[64:ff9b::a9fe:a9fe]", "[2002:7f00:1::]", "[::7f00:1]"]


@pytest.mark.parametrize("host", WRAPPED_PRIVATE_HOSTS)
@pytest.mark.parametrize("port", ["", ":443", ":8443", ":22"])
def test_the_ipv6_literals_of_the_probe_are_refused_on_any_port(settings, host, port):
    """The URLs the probe saved: an IPv6 literal resolves to itself, so the real resolver is used."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(UnsafeWebhookURL) as caught:
        check_webhook_url(f"https://{host}{port}/hook")
    assert caught.value.code == ("webhook_private_address" if port in ("", ":443") else "webhook_port_not_allowed")


def test_private_networks_allow_port_80_and_only_the_extra_ports_listed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_EXTRA_PORTS = frozenset({8123})
    assert check_webhook_url("http://10.0.0.5/hook", resolve=lambda h, p: ["10.0.0.5"]) is None
    assert check_webhook_url("http://10.0.0.5:8123/hook", resolve=lambda h, p: ["10.0.0.5"]) is None
    with pytest.raises(UnsafeWebhookURL) as caught:
        check_webhook_url("http://10.0.0.5:8124/hook", resolve=lambda h, p: ["10.0.0.5"])
    assert caught.value.code == "webhook_port_not_allowed"


def test_extra_ports_are_ignored_without_private_networks(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    settings.WEBHOOK_EXTRA_PORTS = frozenset({8443})
    with pytest.raises(UnsafeWebhookURL) as caught:
        check_webhook_url("https://hooks.example.org:8443/x", resolve=lambda h, p: ["93.184.216.34"])
    assert caught.value.code == "webhook_port_not_allowed"
