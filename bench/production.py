"""What the PostgreSQL benchmarks share: a throw-away database in the production shape.

The database gets the roles of ``deploy/postgres-roles.sh``; the app runs as the runtime role
``maillon_app`` with ``DEBUG=false``, migrations as the owner ``maillon_owner``, as in production.
Scripts import it as ``production`` (Python puts ``bench/`` first on the path of ``bench/x.py``).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "5432")
PGUSER = os.environ.get("PGUSER", "postgres")


def psql(sql: str, database: str = "postgres", user: str = PGUSER) -> str:
    result = subprocess.run(
        ["psql", "-h", PGHOST, "-p", PGPORT, "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
        check=True, capture_output=True, text=True,
    )
    return result.stdout.strip()


def url_for(role: str, database: str) -> str:
    return f"postgres://{role}@{PGHOST}:{PGPORT}/{database}"


def app_environment(var_dir: str, database: str, **extra: str) -> dict[str, str]:
    """The environment of the app on ``database``: the runtime role, the owner for migrations."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MAILLON_", "REDIS_", "CELERY_"))}
    env.update({
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "MAILLON_VAR_DIR": var_dir,
        "DATABASE_URL": url_for("maillon_app", database),
        "MIGRATION_DATABASE_URL": url_for("maillon_owner", database),
        "DATABASE_CROSS_TENANT_ROLE": "maillon_crossing",
        "DB_CONN_MAX_AGE": "600",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "PYTHONPATH": str(ROOT),
        **extra,
    })
    return env


def prepare_database(database: str, *, quiet: bool = False) -> None:
    """``database`` created afresh, with the production roles."""
    psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    psql(f"CREATE DATABASE {database}")
    subprocess.run(["sh", str(ROOT / "deploy" / "postgres-roles.sh")], check=True, capture_output=quiet,
                   env={**os.environ, "MAILLON_DB": database, "PGHOST": PGHOST, "PGPORT": PGPORT, "PGUSER": PGUSER})


def manage(env, *args, stdin: str | None = None) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, input=stdin,
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
