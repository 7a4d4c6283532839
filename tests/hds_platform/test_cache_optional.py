"""The cache is optional: with Redis down every read is a miss and writes succeed (hardening, point 2)."""

import logging
import os
import uuid

import pytest
from django.core.cache import cache, caches
from redis import exceptions as redis_errors

from compliance.models import Supplier
from hds_platform import cache as resilient
from tests.compliance import builders

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "hds_platform.cache.ResilientRedisCache", "LOCATION": DEAD_REDIS,
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    monkeypatch.setattr(resilient, "CACHE_DOWN_SECONDS", 60.0)


def test_every_operation_on_a_dead_redis_behaves_as_an_empty_cache(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="hds_platform.cache"):
        assert cache.get("k") is None
        assert cache.get("k", "default") == "default"
        assert cache.set("k", 1) is None
        assert cache.add("k", 1) is False
        assert cache.get_or_set("k", 5) == 5
        assert cache.get_many(["a", "b"]) == {}
        assert cache.set_many({"a": 1}) == ["a"]
        assert cache.has_key("k") is False
        assert cache.delete("k") is False
        assert cache.incr("k") is None
        assert cache.hit("k", 60) is None
    # One warning, then Redis is left alone for CACHE_DOWN_SECONDS instead of timing out per call.
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and messages[0].startswith("cache: Redis unavailable ("), messages


def test_the_front_doors_count_and_read_on_a_dead_redis_is_a_miss(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="hds_platform.cache"):
        assert cache.hit_and_get("counter", 60, "answer") is None
    [message] = [record.getMessage() for record in caplog.records]
    assert message.startswith("cache: Redis unavailable (Error 111 connecting to 127.0.0.1:1"), message


def test_creating_and_renaming_a_supplier_with_redis_down_answer_2xx(tenant, client_for, redis_down):
    builders.registry_host("Nuage Souverain", "HDS-1")
    client = client_for(user=tenant.owner)
    base = f"/api/v1/orgs/{tenant.organisation.slug}/suppliers/"
    created = client.post(base, {"name": "Nuage Souverain", "country": "FR"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["registry_match"]["status"] == "suggested"
    renamed = client.patch(f"{base}{created.json()['id']}/", {"name": "Nuage Souverain SAS"}, format="json")
    assert renamed.status_code == 200, renamed.json()
    with tenant.context():
        assert list(Supplier.objects.values_list("name", flat=True)) == ["Nuage Souverain SAS"]


def test_the_web_supplier_form_with_redis_down_saves(tenant, client, redis_down):
    builders.registry_host("Nuage Souverain", "HDS-1")
    client.force_login(tenant.owner)
    response = client.post(f"/o/{tenant.organisation.slug}/fournisseurs/nouveau/",
                           {"name": "Nuage Souverain", "country": "FR"})
    assert response.status_code == 302
    with tenant.context():
        assert Supplier.objects.get().name == "Nuage Souverain"


@pytest.fixture
def live_redis(settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis (REDIS_URL): the embedded default has no Redis cache")
    settings.CACHES = {"default": {"BACKEND": "hds_platform.cache.ResilientRedisCache", "LOCATION": url,
                                   "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    yield caches["default"]
    caches["default"].clear()


def test_the_redis_client_is_built_once_per_pool_and_counters_count_in_one_call(live_redis):
    backend = live_redis._cache
    assert backend.get_client("a") is backend.get_client("b")
    assert backend.get_client("a", write=True) is backend.get_client("a", write=True)
    assert [live_redis.hit("counter", 30) for _ in range(3)] == [1, 2, 3]
    ttl = backend.get_client().ttl(live_redis.make_and_validate_key("counter"))
    assert 0 < ttl <= 30
    # Django's contract for incr: a missing key is an error, an existing one is incremented.
    with pytest.raises(ValueError):
        live_redis.incr("missing")
    live_redis.set("present", 4)
    assert live_redis.incr("present", 3) == 7
    assert live_redis.get("present") == 7


def test_hit_and_get_counts_and_reads_in_one_command_on_its_own_connection(live_redis):
    live_redis.set("answer", ("body", (("ETag", '"1"'),)))
    assert live_redis.hit_and_get("calls", 30, "answer") == (1, ("body", (("ETag", '"1"'),)))
    assert live_redis.hit_and_get("calls", 30, "nothing") == (2, None)
    assert live_redis.hit_and_get(None, 30, "answer") == (None, ("body", (("ETag", '"1"'),)))
    assert live_redis.get("calls") == 2
    ttl = live_redis._cache.get_client().ttl(live_redis.make_and_validate_key("calls"))
    assert 0 < ttl <= 30
    # Not one of the pool's connections: the pool's are for every other operation.
    own = live_redis._cache._own.connection
    pool = live_redis._cache._get_connection_pool(True)
    assert own not in pool._available_connections and own not in pool._in_use_connections


def _client_id(connection) -> int:
    connection.send_command("CLIENT", "ID")
    return connection.read_response()


def test_hit_and_get_opens_its_connection_again_when_the_server_closed_it(live_redis):
    live_redis.set("answer", "kept")
    assert live_redis.hit_and_get("calls", 30, "answer") == (1, "kept")
    own = live_redis._cache._own.connection
    first_id = _client_id(own)
    assert live_redis._cache.get_client().client_kill_filter(_id=first_id) == 1
    assert live_redis.hit_and_get("calls", 30, "answer") == (2, "kept")
    assert live_redis._cache._own.connection is own
    assert _client_id(own) != first_id


def test_a_forked_process_opens_its_own_connection(live_redis, monkeypatch):
    assert live_redis.hit_and_get(None, 30, "answer") == (None, None)
    parent = live_redis._cache._own.connection
    monkeypatch.setattr(resilient.os, "getpid", lambda: -1)
    assert live_redis.hit_and_get(None, 30, "answer") == (None, None)
    assert live_redis._cache._own.connection is not parent


def test_a_reply_left_unread_is_never_taken_for_the_next_commands(live_redis, monkeypatch):
    live_redis.set("first", "first answer")
    live_redis.set("second", "second answer")
    assert live_redis.hit_and_get(None, 30, "first") == (None, "first answer")
    own = live_redis._cache._own.connection
    read = own.read_response

    def timed_out(*args, **kwargs):
        raise redis_errors.TimeoutError("Timeout reading from socket")  # the reply stays in the socket

    monkeypatch.setattr(own, "read_response", timed_out)
    assert live_redis.hit_and_get(None, 30, "first") is None  # Redis treated as down: a miss
    monkeypatch.setattr(own, "read_response", read)
    monkeypatch.setattr(live_redis, "_down_until", 0.0)
    assert live_redis.hit_and_get(None, 30, "second") == (None, "second answer")
