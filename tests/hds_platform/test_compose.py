"""docker-compose.yml gives each service the database role it needs and no more (hardening, point 7).

Docker does not run here: the file is read as YAML (with its merge keys) and its services checked."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
APP_SERVICES = {"migrate", "web", "worker", "worker-webhooks", "relay", "beat"}


@pytest.fixture(scope="module")
def services():
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def _environment(service) -> dict[str, str]:
    return {key: str(value) for key, value in (service.get("environment") or {}).items()}


def _mentions(service, variable) -> bool:
    return any(f"${{{variable}" in value for value in _environment(service).values())


def test_the_owner_password_goes_to_the_migrate_service_only(services):
    assert set(services) == APP_SERVICES | {"db", "redis"}
    # The database itself sets the roles' passwords on its first start (deploy/postgres-roles.sh).
    assert {name for name, service in services.items() if _mentions(service, "OWNER_DB_PASSWORD")} == {
        "migrate", "db"}
    assert {name for name, service in services.items() if "MIGRATION_DATABASE_URL" in _environment(service)} == {
        "migrate"}
    assert _environment(services["migrate"])["MIGRATION_DATABASE_URL"].startswith("postgres://maillon_owner:")
    assert services["migrate"]["command"][-2:] == ["--database", "owner"]


def test_web_workers_relay_and_beat_connect_as_the_runtime_role(services):
    for name in APP_SERVICES:
        environment = _environment(services[name])
        assert re.match(r"postgres://maillon_app:\$\{APP_DB_PASSWORD", environment["DATABASE_URL"]), name
        assert environment["CROSS_TENANT_DATABASE_URL"].startswith("postgres://maillon_crossing:"), name


def test_the_anchor_key_goes_to_the_anchoring_worker_and_never_with_the_owner_password(services):
    assert {name for name, service in services.items() if "AUDIT_ANCHOR_KEY" in _environment(service)} == {"worker"}


def test_webhooks_have_their_own_worker_and_every_queue_is_consumed(services):
    def queues(name):
        command = services[name]["command"]
        return set(command[command.index("-Q") + 1].split(","))

    assert queues("worker-webhooks") == {"webhooks"}
    assert queues("worker") | queues("worker-webhooks") == set(settings.MAILLON_QUEUES)
    assert not queues("worker") & queues("worker-webhooks")
    concurrency = services["worker-webhooks"]["command"]
    assert int(concurrency[concurrency.index("--concurrency") + 1]) > settings.WEBHOOK_MAX_IN_FLIGHT_PER_ORGANISATION


def test_the_roles_script_creates_an_owner_that_bypasses_nothing_and_a_runtime_role_that_owns_nothing():
    script = (COMPOSE.parent / "deploy" / "postgres-roles.sh").read_text(encoding="utf-8")
    assert "ALTER ROLE maillon_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE;" in script
    assert "ALTER ROLE maillon_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;" in script
