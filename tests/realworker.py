"""A real Celery worker and a real Redis for the tests that prove the wiring.

They need PostgreSQL (the worker is another process: it must see the rows the
test commits, which an in-memory SQLite test database cannot share) and a Redis
server binary. Each test gets its own Redis server on a free port, so stopping
it (to prove that follow-up work survives a broker outage) disturbs nobody.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery import current_app
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

needs_real_services = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres") or shutil.which("redis-server") is None,
    reason="needs PostgreSQL (DATABASE_URL) so a worker process sees committed rows, and a redis-server binary",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def broker(url: str):
    """Point this process's Celery app at ``url`` and disable eager mode, then restore.

    A refused connection fails at once (no reconnection attempts): a test of a broker outage
    needs one refusal, not seconds of retries."""
    conf = current_app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.broker_transport_options)
    _reset_pools()
    conf.broker_url = url
    conf.task_always_eager = False
    conf.broker_transport_options = {**conf.broker_transport_options, "max_retries": 0}
    try:
        yield
    finally:
        _reset_pools()
        conf.broker_url, conf.task_always_eager, conf.broker_transport_options = saved


def _reset_pools() -> None:
    from kombu import pools

    pools.reset()
    current_app._pool = None
    current_app.amqp._producer_pool = None


ALL_QUEUES = "default,registry,reports,webhooks"


class Worker:
    """A worker process; ``queues`` and ``concurrency`` as in docker-compose.yml when a test needs
    the production layout (one worker for webhooks, one for the rest)."""

    def __init__(self, broker_url: str, env: dict[str, str] | None = None, *, queues: str = ALL_QUEUES,
                 concurrency: int = 2, name: str = "test"):
        self.broker_url = broker_url
        self.extra_env = env or {}
        self.queues, self.concurrency, self.name = queues, concurrency, name
        self.process: subprocess.Popen | None = None
        self.log_path = ROOT / "var" / f"{name}-worker-{os.getpid()}.log"

    def start(self) -> None:
        db = connection.settings_dict
        env = dict(os.environ)
        env.update(
            DATABASE_URL=(f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                          f"{db['PORT'] or 5432}/{db['NAME']}"),
            REDIS_URL=self.broker_url,
            CELERY_TASK_ALWAYS_EAGER="false",
            MAILLON_TESTING="1",
        )
        env.update(self.extra_env)
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hds_platform", "worker", "--include", "tests.worker_tasks",
             "-Q", self.queues, "-P", "threads", "-c", str(self.concurrency), "--without-mingle",
             "--without-gossip", "--without-heartbeat", "-l", "INFO", "-n", f"{self.name}-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text():
                return
            if self.process.poll() is not None:
                raise RuntimeError("worker exited:\n" + self.log_path.read_text())
            time.sleep(0.1)
        raise RuntimeError("worker did not become ready:\n" + self.log_path.read_text())

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text()


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def redis_server():
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def real_worker(redis_server):
    with broker(redis_server.url):
        worker = Worker(redis_server.url)
        worker.start()
        try:
            yield worker
        finally:
            worker.stop()
