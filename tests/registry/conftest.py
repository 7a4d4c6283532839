"""Fixtures of the registry tests: raw files in memory, a clean cache, the sample lists, no network."""

import json
from pathlib import Path

import httpx
import pytest
from django.core.cache import cache

from registry import http

SAMPLES = Path(__file__).resolve().parents[2] / "registry" / "samples"
RECORDINGS = Path(__file__).resolve().parent / "recordings"
OCTOBER = "ans_hosts_2026-10.csv"
NOVEMBER = "ans_hosts_2026-11.csv"
HEADER = "Raison sociale;Activités;Organisme certificateur;N° de certificat;Référentiel;Date de délivrance;" \
         "Date de fin de validité;Page de transparence"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def recording(name: str) -> dict:
    return json.loads((RECORDINGS / name).read_text(encoding="utf-8"))


def sample_lines(name: str = OCTOBER) -> list[str]:
    """The data lines of a sample CSV (text, without the header)."""
    return sample(name).decode("cp1252").splitlines()[1:]


def csv_list(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines]).encode("utf-8")


def row(name: str, activities: str = "1 à 6", certifier: str = "LNE", number: str = "HDS-LNE-2025-0001",
        version: str = "V2", issued: str = "01/02/2025", expires: str = "31/01/2028",
        url: str = "https://example.fr/hds") -> str:
    return ";".join([name, activities, certifier, number, version, issued, expires, url])


def import_file(data: bytes, source: str = "test.csv", **kwargs):
    from registry.importing import registry_import

    return registry_import(data=data, source=source, filename=source, **kwargs)


def import_sample(name: str, **kwargs):
    result = import_file(sample(name), source=name, **kwargs)
    assert result.imported or result.unchanged, result.reason
    return result


@pytest.fixture(autouse=True)
def _registry_isolation(settings, monkeypatch):
    """Raw files in memory, an empty cache, and a network that fails the test if reached."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    cache.clear()

    def no_network(request):
        raise AssertionError(f"unexpected HTTP request in a test: {request.method} {request.url}")

    monkeypatch.setattr(http, "transport", lambda: httpx.MockTransport(no_network))
    yield
    cache.clear()


@pytest.fixture
def october(db):
    return import_sample(OCTOBER)


@pytest.fixture
def november(october):
    return import_sample(NOVEMBER)


@pytest.fixture
def mock_http(monkeypatch):
    """Route every request of the registry's client to ``handler(request) -> httpx.Response``;
    the requests made are kept in ``mock_http.requests``."""

    class Routes:
        requests: list[httpx.Request]

        def __init__(self):
            self.requests = []
            self.handler = None

        def __call__(self, handler):
            def record(request):
                self.requests.append(request)
                return handler(request)

            monkeypatch.setattr(http, "transport", lambda: httpx.MockTransport(record))
            return self

    return Routes()
