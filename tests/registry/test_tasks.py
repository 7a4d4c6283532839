import httpx
import pytest
from celery import current_app
from celery.exceptions import Retry

from hds_platform import outbox
from hds_platform.models import OutboxMessage
from registry import http, signals, tasks
from registry.importing import registry_import
from registry.models import CertifiedHost, Change, Snapshot
from registry.selectors import current_snapshot
from tests.registry.conftest import NOVEMBER, OCTOBER, import_sample, sample

URL = "https://esante.example/hebergeurs-certifies.csv"
ETAG = '"5f3c-62a1b"'
LAST_MODIFIED = "Fri, 27 Nov 2026 06:00:00 GMT"


@pytest.fixture
def source(settings):
    settings.REGISTRY_SOURCE_URL = URL
    return URL


def serve(body: bytes, *, etag=ETAG, last_modified=LAST_MODIFIED):
    """A server that answers 304 to a request carrying its validators, else 200 with ``body``."""

    def handler(request):
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(200, content=body, headers={"ETag": etag, "Last-Modified": last_modified})

    return handler


# --- The daily refresh ---------------------------------------------------------------------------


def test_refresh_imports_the_list_and_keeps_its_validators(db, source, mock_http):
    mock_http(serve(sample(OCTOBER)))

    outcome = tasks.refresh_registry.apply().get()

    snapshot = Snapshot.objects.get()
    assert outcome == {"status": "imported", "snapshot": snapshot.pk}
    assert (snapshot.source, snapshot.status, snapshot.etag, snapshot.last_modified, snapshot.actor_label) == (
        URL, "imported", ETAG, LAST_MODIFIED, "task:refresh_registry")
    assert CertifiedHost.objects.filter(listed=True).count() == 300
    [request] = mock_http.requests
    assert (str(request.url), request.method) == (URL, "GET")
    assert "If-None-Match" not in request.headers and "If-Modified-Since" not in request.headers
    assert request.headers["User-Agent"].startswith("Maillon/")


def test_refresh_asks_conditionally_and_a_304_does_nothing(db, source, mock_http):
    mock_http(serve(sample(OCTOBER)))
    tasks.refresh_registry.apply().get()
    snapshot = Snapshot.objects.get()

    outcome = tasks.refresh_registry.apply().get()

    assert outcome == {"status": "not_modified", "snapshot": snapshot.pk}
    second = mock_http.requests[1]
    assert (second.headers["If-None-Match"], second.headers["If-Modified-Since"]) == (ETAG, LAST_MODIFIED)
    assert Snapshot.objects.count() == 1
    assert Change.objects.count() == 300


def test_refresh_of_a_new_version_imports_it(db, source, mock_http):
    mock_http(serve(sample(OCTOBER)))
    tasks.refresh_registry.apply().get()
    mock_http(serve(sample(NOVEMBER), etag='"new"', last_modified="Sat, 28 Nov 2026 06:00:00 GMT"))

    outcome = tasks.refresh_registry.apply().get()

    november = current_snapshot()
    assert outcome == {"status": "imported", "snapshot": november.pk}
    assert (november.etag, november.added_count, november.removed_count) == ('"new"', 2, 1)
    assert mock_http.requests[1].headers["If-None-Match"] == ETAG


def test_refresh_of_the_same_content_without_conditional_support_is_a_no_op(db, source, mock_http):
    mock_http(lambda request: httpx.Response(200, content=sample(OCTOBER)))
    first = tasks.refresh_registry.apply().get()

    second = tasks.refresh_registry.apply().get()

    assert second == {"status": "unchanged", "snapshot": first["snapshot"]}
    assert Snapshot.objects.count() == 1


def test_conditional_validators_come_from_the_last_snapshot_of_that_url(db, source, mock_http):
    import_sample(OCTOBER)  # uploaded by hand: no validators
    mock_http(serve(sample(NOVEMBER)))

    tasks.refresh_registry.apply().get()

    assert "If-None-Match" not in mock_http.requests[0].headers
    tasks.refresh_registry.apply().get()
    assert mock_http.requests[1].headers["If-None-Match"] == ETAG


def test_a_rejected_download_is_recorded_and_the_list_stays(db, source, mock_http):
    october = import_sample(OCTOBER).snapshot
    mock_http(serve(b"Fournisseur;Adresse\nOVH;Roubaix\n"))

    outcome = tasks.refresh_registry.apply().get()

    rejected = Snapshot.objects.get(status="rejected")
    assert outcome == {"status": "rejected", "snapshot": rejected.pk}
    assert (rejected.source, rejected.reason_code, rejected.etag) == (URL, "no_recognised_columns", ETAG)
    assert current_snapshot() == october
    assert CertifiedHost.objects.filter(listed=True).count() == 300


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_server_error_is_retried_later_and_changes_nothing(db, source, mock_http, status):
    october = import_sample(OCTOBER).snapshot
    mock_http(lambda request: httpx.Response(status))

    with pytest.raises(Retry):
        tasks.refresh_registry.apply()

    assert (Snapshot.objects.count(), current_snapshot()) == (1, october)


def test_a_network_failure_is_retried_later(db, source, mock_http):
    def unreachable(request):
        raise httpx.ConnectTimeout("timed out", request=request)

    mock_http(unreachable)

    with pytest.raises(Retry):
        tasks.refresh_registry.apply()
    assert Snapshot.objects.count() == 0


@pytest.mark.parametrize("status", [403, 404, 410])
def test_a_client_error_fails_without_retry(db, source, mock_http, status):
    mock_http(lambda request: httpx.Response(status))

    with pytest.raises(http.DownloadError, match=f"Le serveur a répondu {status}") as raised:
        tasks.refresh_registry.apply()

    assert raised.value.transient is False
    assert Snapshot.objects.count() == 0


def test_a_download_larger_than_allowed_is_refused_while_it_streams(db, source, mock_http, settings):
    settings.REGISTRY_MAX_FILE_BYTES = 1024
    mock_http(lambda request: httpx.Response(200, content=iter([b"x" * 1000, b"x" * 1000])))

    with pytest.raises(http.DownloadError, match="dépasse la taille maximale"):
        tasks.refresh_registry.apply()
    assert Snapshot.objects.count() == 0


def test_refresh_without_a_source_does_nothing(db, settings):
    settings.REGISTRY_SOURCE_URL = ""

    assert tasks.refresh_registry.apply().get() == {"status": "not_configured"}
    assert Snapshot.objects.count() == 0


def test_task_options_and_queues():
    router = current_app.amqp.router

    assert tasks.refresh_registry.name == "registry.tasks.refresh_registry"
    assert {task.name: (router.route({}, task.name)["queue"].name, task.acks_late,
                        task.soft_time_limit, task.time_limit)
            for task in (tasks.refresh_registry, tasks.after_import)} == {
        "registry.tasks.refresh_registry": ("registry", True, 600, 660),
        "registry.tasks.after_import": ("registry", True, 120, 150),
    }
    # The organisation work an import causes is the compliance app's (registry.signals.hosts_changed).
    assert "registry.tasks.recheck_organisation" not in current_app.tasks


# --- Announcing the hosts an import changed ------------------------------------------------------


@pytest.fixture
def announced():
    """What ``registry.signals.hosts_changed`` announced, besides the receivers of the apps above."""
    calls = []

    def record(sender, *, snapshot_id, host_ids, **kwargs):
        assert sender is Snapshot
        calls.append((snapshot_id, host_ids))

    signals.hosts_changed.connect(record, dispatch_uid="tests.announced")
    yield calls
    signals.hosts_changed.disconnect(dispatch_uid="tests.announced")


def ids_of(*names):
    return sorted(CertifiedHost.objects.filter(name__in=names).values_list("id", flat=True))


def test_after_an_import_the_hosts_it_changed_are_announced_once(db, announced, django_capture_on_commit_callbacks):
    import_sample(OCTOBER)
    announced.clear()

    with django_capture_on_commit_callbacks(execute=True):
        november = import_sample(NOVEMBER)

    assert announced == [(november.snapshot.pk, sorted(november.changed_host_ids))]
    assert len(november.changed_host_ids) == 16
    assert set(ids_of("Estérel Hébergement Santé", "Opale Datacenter", "Ventoux Cloud Santé")) <= (
        november.changed_host_ids)
    assert not set(ids_of("OVH SAS", "Scaleway")) & november.changed_host_ids


def test_after_import_announces_the_snapshot_and_its_changed_hosts(db, announced):
    import_sample(OCTOBER)
    november = import_sample(NOVEMBER)
    announced.clear()

    assert tasks.after_import.apply(args=[november.snapshot.pk]).get() == 16

    assert announced == [(november.snapshot.pk, sorted(november.changed_host_ids))]


def test_after_import_of_a_snapshot_that_changed_nothing_announces_nothing(db, announced):
    october = import_sample(OCTOBER).snapshot
    same_rows = registry_import(data=sample(OCTOBER).replace(b"\r\n", b"\n"), source="lf.csv")
    announced.clear()

    assert same_rows.imported and same_rows.changed_host_ids == frozenset()

    assert tasks.after_import.apply(args=[same_rows.snapshot.pk]).get() == 0

    assert announced == []
    assert list(OutboxMessage.objects.values_list("task_name", "args")) == [
        ("registry.tasks.after_import", [october.pk])]  # October's own, not sent in this test


def test_the_receivers_record_their_work_in_the_task_transaction_all_or_nothing(db, monkeypatch):
    import_sample(OCTOBER)
    november = import_sample(NOVEMBER).snapshot
    OutboxMessage.objects.all().delete()

    def enqueue(sender, *, snapshot_id, host_ids, **kwargs):
        outbox.enqueue("tests.follow_up", snapshot_id)

    def fail(sender, **kwargs):
        raise RuntimeError("receiver failed")

    monkeypatch.setattr(signals.hosts_changed, "receivers", [])
    signals.hosts_changed.connect(enqueue, weak=False)
    signals.hosts_changed.connect(fail, weak=False)

    with pytest.raises(RuntimeError, match="receiver failed"):
        tasks.after_import.apply(args=[november.pk])

    assert OutboxMessage.objects.count() == 0


def test_without_receivers_an_import_announces_to_nobody_and_enqueues_nothing(db, monkeypatch):
    import_sample(OCTOBER)
    november = import_sample(NOVEMBER).snapshot
    OutboxMessage.objects.all().delete()
    monkeypatch.setattr(signals.hosts_changed, "receivers", [])

    assert tasks.after_import.apply(args=[november.pk]).get() == 16

    assert OutboxMessage.objects.count() == 0


def test_the_changed_hosts_are_announced_sorted_and_each_once(db, announced):
    import_sample(OCTOBER)
    november = import_sample(NOVEMBER).snapshot
    camargue = ids_of("Camargue Data")  # three changes of one host: certifier, dates, certificate
    announced.clear()

    tasks.after_import.apply(args=[november.pk]).get()

    [(snapshot_id, host_ids)] = announced
    assert (snapshot_id, host_ids) == (november.pk, sorted(set(host_ids)))
    assert Change.objects.filter(snapshot=november, host_id__in=camargue).count() == 3
    assert host_ids.count(camargue[0]) == 1
