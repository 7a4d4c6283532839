import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # noqa: F401  (imported by drf-spectacular's validation)
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher
from django.core.management import call_command

from hds_platform.models import ApiToken, Membership, Organisation

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET = "k3Jd9-Qp2xV7zL0aRt5YwN8cBm1HsE4uGf6iOvKjXlTqPy_rZ-w8Hn2Ue"


def _run(env_extra: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("secret", ["", "short", "django-insecure-" + "x" * 60])
def test_production_refuses_to_start_with_a_weak_secret(secret):
    result = _run({"DEBUG": "false", "SECRET_KEY": secret, "ALLOWED_HOSTS": "maillon.example"}, "check")
    assert result.returncode == 1
    assert "SECRET_KEY is missing or weak" in result.stderr


def test_unreadable_boolean_stops_start_up():
    result = _run({"DEBUG": "maybe"}, "check")
    assert result.returncode == 1
    assert "DEBUG must be a boolean" in result.stderr


def test_check_deploy_under_production_settings_reports_no_issue(tmp_path):
    result = _run(
        {"DEBUG": "false", "SECRET_KEY": STRONG_SECRET, "ALLOWED_HOSTS": "maillon.example",
         "MAILLON_VAR_DIR": str(tmp_path)},
        "check", "--deploy", "--fail-level", "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_passwords_are_hashed_with_argon2_outside_the_test_suite(monkeypatch):
    """The suite hashes with MD5 to stay fast; production hashes with argon2, and reads both."""
    monkeypatch.setenv("MAILLON_TESTING", "false")
    production = runpy.run_path(str(ROOT / "hds_platform" / "settings.py"))
    assert production["PASSWORD_HASHERS"] == [
        "django.contrib.auth.hashers.Argon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    assert settings.PASSWORD_HASHERS == [
        "django.contrib.auth.hashers.MD5PasswordHasher", *production["PASSWORD_HASHERS"]]
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("correct-horse-battery-staple", hasher.salt())
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("correct-horse-battery-staple", encoded)
    assert not check_password("wrong horse", encoded)


def test_create_organisation_prints_a_working_token(db, capsys, client_for):
    call_command("create_organisation", name="Pharmacie du Port", kind="health_professional",
                 owner_email="Pharma@Example.org", token="read")
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["organisation: pharmacie-du-port", "owner: pharma@example.org"]
    raw = out[2].removeprefix("token: ")
    organisation = Organisation.objects.get(slug="pharmacie-du-port")
    assert ApiToken.all_organisations.get().organisation == organisation
    assert Membership.all_organisations.get().role == "owner"
    response = client_for(token=raw).get("/api/v1/orgs/pharmacie-du-port/members/")
    assert response.status_code == 200
    assert response.json()["results"][0]["email"] == "pharma@example.org"


def test_create_organisation_refuses_an_invalid_siren(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="n'est pas un SIREN valide"):
        call_command("create_organisation", name="X", kind="other", owner_email="x@example.org",
                     siren="123456789")
    assert Organisation.objects.count() == 0


def test_schema_is_valid_openapi_3(db, client_for, tenant):
    from drf_spectacular.validation import validate_schema

    response = client_for(user=tenant.owner).get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    assert "/api/v1/orgs/{org}/members/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "An organisation's API token (mln_…)."}


def test_spectacular_command_has_no_warning(db):
    result = _run({}, "spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
    assert result.returncode == 0, result.stderr
