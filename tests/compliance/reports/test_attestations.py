"""Attestations: signed with Ed25519, verified with the published keys; every way a token can fail
fails with its reason; rotation keeps old tokens verifiable while their key is listed."""

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from compliance.reports.attestations import keys, tokens

ISSUED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _jwk(kid):
    return keys.new_key(kid).as_dict(private=True)


@pytest.fixture
def signing(settings):
    """Two configured keys: "2026-11" signs, "2026-05" is only published."""
    current, previous = _jwk("2026-11"), _jwk("2026-05")
    settings.ATTESTATION_SIGNING_KEYS = json.dumps([current, previous])
    return current, previous


def _api(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


def test_attestation_of_the_organisation_verifies_with_the_jwks(reported, tenant, client_for, signing, frozen):
    body = _api(client_for(token=tenant.token(scope="read")), "/api/v1/orgs/tilleuls/attestation/")

    assert set(body) == {"token", "kid", "issued_at", "expires_at", "verification_url", "jwks_url"}
    assert body["kid"] == "2026-11"
    header = tokens.unverified_header(body["token"])
    assert header == {"alg": "EdDSA", "kid": "2026-11", "typ": "JWT"}
    jwks = client_for().get("/.well-known/jwks.json").json()
    assert [(k["kid"], k["kty"], k["crv"], k["alg"], "d" in k) for k in jwks["keys"]] == [
        ("2026-11", "OKP", "Ed25519", "EdDSA", False), ("2026-05", "OKP", "Ed25519", "EdDSA", False)]
    claims = tokens.verify(body["token"], tokens.public_keys(jwks))
    assert claims["iss"] == "http://127.0.0.1:8000"
    assert claims["organisation"] == {"name": "Clinique des Tilleuls", "slug": "tilleuls", "siren": "732829320",
                                      "siret": ""}
    assert claims["iat"] == int(ISSUED.timestamp())
    # No valid_until stored: at most 30 days.
    assert claims["exp"] - claims["iat"] == 30 * 24 * 3600
    assert body["expires_at"] == "2026-12-28T10:00:00+01:00"
    patient = next(p for p in claims["processings"] if p["name"] == "Dossier patient")
    assert (patient["status"], patient["hosting_status"], patient["register_status"]) == (
        "non_compliant", "non_compliant", "compliant")
    # The certificate enters the 90-day horizon then: the answer may change, but after the 30 days.
    assert patient["valid_until"] == "2027-09-02"
    assert patient["evaluated_at"] == "2026-11-28T09:00:00+00:00"
    assert patient["actors"] == [
        {"name": "Nuage Souverain", "siren": "552100554", "self": False, "activities": [1, 2, 3, 4],
         "certificates": [{"number": "HDS-NS-2024-7", "activities": [1, 2, 3, 4], "expires_on": "2027-12-01"}]},
        {"name": "<img src=x onerror=alert(1)>", "siren": "", "self": False, "activities": [5],
         "certificates": []},
    ]


def test_expiry_is_the_first_moment_an_answer_may_change(reported, tenant, client_for, signing, frozen):
    from compliance import evaluation
    from compliance.models import Certificate

    with tenant.context():
        Certificate.objects.filter(certificate_number="HDS-NS-2024-7").update(expires_on=datetime(2026, 12, 9).date())
        evaluation.evaluate_all(force=True)

    body = _api(client_for(tenant.owner), "/api/v1/orgs/tilleuls/attestation/")

    claims = tokens.verify(body["token"], tokens.public_keys(keys.public_jwks()))
    # Within the expiry horizon the warning counts the days left: the answer changes tomorrow.
    assert {p["valid_until"] for p in claims["processings"]} == {"2026-11-29"}
    assert body["expires_at"] == "2026-11-29T00:00:00+01:00"  # midnight in Paris starting that day
    assert claims["exp"] == int(datetime(2026, 11, 28, 23, 0, tzinfo=UTC).timestamp())


def test_attestation_of_one_processing(reported, tenant, client_for, signing):
    client = client_for(tenant.owner)
    body = _api(client, f"/api/v1/orgs/tilleuls/processings/{reported.hosting.pk}/attestation/")

    claims = tokens.verify(body["token"], tokens.public_keys(keys.public_jwks()))
    assert claims["scope"] == "processing"
    assert [p["id"] for p in claims["processings"]] == [reported.hosting.pk]
    assert client.get(f"/api/v1/orgs/tilleuls/processings/{reported.hosting.pk + 1000}/attestation/").status_code == 404


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["processings"][0]["status"] = "compliant"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([header, forged, signature])


def test_every_failure_has_its_reason(reported, tenant, client_for, signing, settings):
    token = _api(client_for(tenant.owner), "/api/v1/orgs/tilleuls/attestation/")["token"]
    published = tokens.public_keys(keys.public_jwks())
    assert tokens.verify(token, published)["scope"] == "organisation"

    def reason(candidate, keys_=published, now=None):
        with pytest.raises(tokens.VerificationError) as failure:
            tokens.verify(candidate, keys_, now=now)
        return failure.value.reason

    # One changed byte of the signature, and a payload changed to say "compliant".
    last = token[-2]
    assert reason(token[:-2] + ("A" if last != "A" else "B") + token[-1]) == "bad_signature"
    assert reason(_tamper(token)) == "bad_signature"
    # Expired.
    claims = tokens.verify(token, published)
    assert reason(token, now=claims["exp"]) == "expired"
    assert reason(token, now=claims["iat"] - 3600) == "not_yet_valid"
    # A key nobody publishes, and a published kid whose token another key signed.
    stranger = keys.new_key("stranger")
    assert reason(tokens.sign(claims, stranger)) == "unknown_key"
    impostor = keys.new_key("2026-11")
    assert reason(tokens.sign(claims, impostor)) == "bad_signature"
    # Not a token at all.
    assert reason("not-a-token") == "malformed"
    assert reason(token.split(".")[0] + ".e30.") == "bad_signature"
    assert reason(tokens.sign({"iss": "x"}, keys.signing_keys()[0])) == "malformed"  # no iat, no exp


def test_rotation_keeps_old_tokens_verifiable_while_their_key_is_listed(reported, tenant, client_for, settings):
    old, new = _jwk("2026-05"), _jwk("2026-11")
    client = client_for(tenant.owner)
    settings.ATTESTATION_SIGNING_KEYS = json.dumps([old])
    old_token = _api(client, "/api/v1/orgs/tilleuls/attestation/")["token"]

    settings.ATTESTATION_SIGNING_KEYS = json.dumps([new, old])  # rotate: the new key signs, the old stays listed
    new_token = _api(client, "/api/v1/orgs/tilleuls/attestation/")["token"]
    published = tokens.public_keys(client.get("/.well-known/jwks.json").json())
    assert tokens.unverified_header(new_token)["kid"] == "2026-11"
    assert tokens.verify(old_token, published)["organisation"]["slug"] == "tilleuls"
    assert tokens.verify(new_token, published)["organisation"]["slug"] == "tilleuls"

    settings.ATTESTATION_SIGNING_KEYS = json.dumps([new])  # the old key is withdrawn
    published = tokens.public_keys(client.get("/.well-known/jwks.json").json())
    with pytest.raises(tokens.VerificationError) as failure:
        tokens.verify(old_token, published)
    assert failure.value.reason == "unknown_key"
    assert tokens.verify(new_token, published)["scope"] == "organisation"


def test_expiry_follows_valid_until_and_never_exceeds_30_days():
    from compliance.reports.attestations.issuing import expiry

    assert expiry(ISSUED, None) == datetime(2026, 12, 28, 9, 0, tzinfo=UTC)
    # Midnight, Paris time, starting the first day the answer may change.
    assert expiry(ISSUED, datetime(2026, 12, 5).date()).astimezone(UTC).isoformat() == "2026-12-04T23:00:00+00:00"
    assert expiry(ISSUED, datetime(2027, 6, 1).date()) == datetime(2026, 12, 28, 9, 0, tzinfo=UTC)
    # Something ends today: stated until the end of the day.
    assert expiry(ISSUED, ISSUED.date()).astimezone(UTC).isoformat() == "2026-11-28T23:00:00+00:00"


def test_verifier_page_shows_what_a_valid_token_states(reported, tenant, client_for, signing):
    token = _api(client_for(tenant.owner), "/api/v1/orgs/tilleuls/attestation/")["token"]
    anonymous = client_for()

    scanned = anonymous.get("/verifier/", {"token": token})
    assert scanned.status_code == 200
    page = scanned.content.decode()
    assert 'data-verdict="valid"' in page
    assert "Clinique des Tilleuls · SIREN 732829320" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "&lt;link rel=stylesheet href=&quot;file:///etc/passwd&quot;&gt;" in page
    assert scanned["Cache-Control"] == "no-store"

    pasted = anonymous.post("/verifier/", {"token": token}, format="multipart")
    assert pasted.status_code == 200 and 'data-verdict="valid"' in pasted.content.decode()


@pytest.mark.parametrize(("mutate", "reason", "text"), [
    (lambda t, claims: _tamper(t), "bad_signature", "La signature ne correspond pas au contenu"),
    (lambda t, claims: tokens.sign(claims, keys.new_key("stranger")), "unknown_key",
     "une clé que Maillon ne publie pas"),
    (lambda t, claims: tokens.sign({**claims, "exp": int(time.time()) - 1}, keys.signing_keys()[0]), "expired",
     "L&#x27;attestation a expiré"),
    (lambda t, claims: "<script>alert(1)</script>", "malformed", "pas une attestation Maillon lisible"),
])
def test_verifier_page_says_why_a_token_fails(reported, tenant, client_for, signing, mutate, reason, text):
    token = _api(client_for(tenant.owner), "/api/v1/orgs/tilleuls/attestation/")["token"]
    claims = tokens.verify(token, tokens.public_keys(keys.public_jwks()))

    response = client_for().post("/verifier/", {"token": mutate(token, claims)}, format="multipart")

    assert response.status_code == 422
    page = response.content.decode()
    assert f'data-verdict="{reason}"' in page and text in page
    assert "<script>alert(1)</script>" not in page


def test_verify_attestation_command_offline(reported, tenant, client_for, signing, tmp_path, capsys):
    token = _api(client_for(tenant.owner), "/api/v1/orgs/tilleuls/attestation/")["token"]
    token_file = tmp_path / "attestation.jws"
    token_file.write_text(token + "\n")
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(keys.public_jwks()))

    call_command("verify_attestation", str(token_file), "--jwks", str(jwks_file))
    out = capsys.readouterr().out
    assert out.startswith("VALID: issued by http://127.0.0.1:8000 for Clinique des Tilleuls (SIREN 732829320)\n")
    assert "- Dossier patient: non_compliant" in out

    call_command("verify_attestation", token)  # the installation's own keys
    assert capsys.readouterr().out.startswith("VALID: ")

    with pytest.raises(SystemExit) as failure:
        call_command("verify_attestation", _tamper(token), "--jwks", str(jwks_file))
    assert failure.value.code == 1
    assert capsys.readouterr().err.startswith("INVALID: bad_signature")


def test_keys_from_the_environment_are_checked(settings):
    from django.core.exceptions import ImproperlyConfigured

    for value, message in [
        ("not json", "is not JSON"),
        ("[]", "non-empty JSON array"),
        (json.dumps([{**_jwk("a"), "kid": ""}]), "needs a kid"),
        (json.dumps([keys.new_key("a").as_dict(private=False)]), "private part"),
        (json.dumps([_jwk("a"), _jwk("a")]), "share a kid"),
        (json.dumps([{"kty": "RSA", "kid": "r"}]), "Ed25519 OKP JWK"),
    ]:
        with pytest.raises(ImproperlyConfigured, match=message):
            keys.parse_keys(value)
    settings.ATTESTATION_SIGNING_KEYS = ""
    settings.ATTESTATION_DEV_KEY_PATH = None
    with pytest.raises(ImproperlyConfigured, match="required to sign attestations in production"):
        keys.signing_keys()


def test_development_key_is_created_once_in_var(settings, tmp_path):
    settings.ATTESTATION_SIGNING_KEYS = ""
    settings.ATTESTATION_DEV_KEY_PATH = tmp_path / "var" / "attestation-signing-key.json"

    first = keys.signing_keys()[0]

    assert (settings.ATTESTATION_DEV_KEY_PATH.stat().st_mode & 0o777) == 0o600
    keys._cache.clear()
    assert keys.signing_keys()[0].kid == first.kid == first.thumbprint()
