"""examples/practice_software.py, run against Maillon in-process (httpx over WSGI), so that the
example cannot rot: connect two practices, read their conformity, refresh, see a change."""

import importlib.util
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import time_machine
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from tests.factories import ProcessingFactory
from tests.oauth_support import REDIRECT_URI, consent, register_app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "practice_software.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("practice_software", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture
def http():
    """httpx calling Maillon's WSGI application in-process. Like Django's test client, it must not
    close the database connection around each request: that would end the test's transaction. (The
    test client connects that handler again after each of its own requests, so every call here
    disconnects it first.)"""
    django_app = get_wsgi_application()

    def app(environ, start_response):
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        return django_app(environ, start_response)

    try:
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://testserver") as client:
            yield client
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _connect(example, http, app, tenant):
    """The owner's part is the browser (the test client); the rest is the example's code."""
    verifier, challenge = example.pkce_pair()
    url = example.authorization_url(app, challenge, state="abc")
    assert url.startswith("http://testserver/oauth/authorize/?response_type=code&client_id=")
    browser = Client()
    browser.force_login(tenant.owner)
    registered = type("Registered", (), {"client_id": app.client_id})
    answer = consent(browser, registered, tenant.organisation, example.SCOPES, challenge)
    redirect = answer["Location"].replace("state=st4te", "state=abc")
    code = example.code_from_answer(redirect, "abc")
    return example.exchange_code(http, app, code, verifier)


def test_the_example_connects_practices_reads_conformity_refreshes_and_syncs(example, http, tenant, other_tenant):
    registered = register_app(tenant.owner, name="Logiciel Cabinet")
    app = example.App("http://testserver", registered.client_id, REDIRECT_URI, registered.client_secret)
    with tenant.context():
        first = ProcessingFactory(name="Dossier patient")
    with other_tenant.context():
        ProcessingFactory(name="Agenda")

    practices = {}
    for each in (tenant, other_tenant):
        tokens = _connect(example, http, app, each)
        assert tokens.organisation == each.organisation.slug
        assert tokens.scope == "conformity:read"
        practices[tokens.organisation] = {"tokens": tokens, "copy": {}}

    for practice in practices.values():
        changes, practice["tokens"] = example.sync_from_conformity_list(http, app, practice["tokens"],
                                                                         practice["copy"])
        assert len(changes) == 1
        assert practice["copy"]["summary"]["processings"] == 1
    assert [row["name"] for row in practices["tilleuls"]["copy"]["processings"].values()] == ["Dossier patient"]
    assert [row["name"] for row in practices["voisin"]["copy"]["processings"].values()] == ["Agenda"]

    # An hour later the access token has expired: the example refreshes it and goes on.
    practice = practices["tilleuls"]
    old = practice["tokens"]
    with tenant.context():
        ProcessingFactory(name="Téléconsultation")
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        changes, practice["tokens"] = example.sync_from_conformity_list(http, app, old, practice["copy"])
    assert practice["tokens"].access_token != old.access_token
    assert practice["tokens"].refresh_token != old.refresh_token
    assert [(pid == first.pk, before) for pid, before, _after in changes] == [(False, None)]
    assert sorted(row["name"] for row in practice["copy"]["processings"].values()) == [
        "Dossier patient", "Téléconsultation"]


def test_a_refused_authorisation_is_reported(example):
    with pytest.raises(RuntimeError, match="authorisation refused: access_denied"):
        example.code_from_answer(f"{REDIRECT_URI}?error=access_denied&state=abc", "abc")
    with pytest.raises(RuntimeError, match="the state does not match"):
        example.code_from_answer(f"{REDIRECT_URI}?code=x&state=other", "abc")
    assert example.code_from_answer("  rawcode ", "abc") == "rawcode"


def test_the_example_follows_the_event_feed_between_daily_full_reads(example, http, tenant):
    from compliance import evaluation, services
    from compliance.models import ConformityResult
    from hds_platform.audit import Actor

    registered = register_app(tenant.owner, name="Logiciel Cabinet")
    app = example.App("http://testserver", registered.client_id, REDIRECT_URI, registered.client_secret)
    with tenant.context():
        processing = ProcessingFactory(name="Dossier patient", health_data=True)
        evaluation.evaluate_processings([processing.pk])
    tokens = _connect(example, http, app, tenant)
    copy = {}

    changes, tokens = example.sync_from_events(http, app, tokens, copy)  # the first run reads everything
    first_status = copy["processings"][str(processing.pk)]["status"]
    assert (len(changes), first_status is not None) == (1, True)

    changes, tokens = example.sync_from_events(http, app, tokens, copy)  # nothing happened since
    assert changes == []

    with tenant.context():  # out of HDS scope: the answer changes, and an event says so
        services.processing_update(processing=processing, actor=Actor.system("test"), health_data=False)
        evaluation.evaluate_processings([processing.pk])
        now = ConformityResult.objects.get(processing=processing).status
    assert (first_status, now) == ("incomplete", "compliant")
    changes, tokens = example.sync_from_events(http, app, tokens, copy)
    assert changes == [(processing.pk, "incomplete", "compliant")]
    assert copy["processings"][str(processing.pk)]["status"] == "compliant"
    assert copy["summary"]["by_status"]["compliant"] == 1

    changes, tokens = example.sync_from_events(http, app, tokens, copy)  # the same event is not applied twice
    assert changes == []
