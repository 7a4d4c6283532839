"""What row-level security costs on a tenant list endpoint.

    python bench/rls.py [--seconds 10] [--rounds 3] [--members 300] [--keep]
    make bench-rls

Builds a fresh PostgreSQL database (``maillon_bench_rls``) in the production
shape: roles from deploy/postgres-roles.sh, migrations as the owner, the app
(gunicorn, 2 sync workers) connected as the runtime role. Seeds two
organisations of ``--members`` members each, then loads
``GET /api/v1/orgs/{org}/members/`` (25 rows per page, bearer token) with wrk
(4 connections; a Python load generator when wrk is not installed), in rounds
that alternate the same data with the policies on and with row-level security
disabled on every tenant table. Prints requests/s, p50 and p99 per mode and
the ratio of throughputs (target: under 1.15), then the same two queries timed
in the database alone, as the runtime role and as the BYPASSRLS reader,
alternating batch by batch (less sensitive to other load on the machine).
Results also go to bench/results/rls.json.

Needs PostgreSQL on 127.0.0.1:5432 with the superuser ``postgres`` (PGHOST,
PGPORT, PGUSER override) reachable without a password, as in .ci/run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import production
from production import PGHOST, PGPORT, ROOT, free_port, manage, psql

DATABASE = "maillon_bench_rls"


def app_environment(var_dir: str) -> dict[str, str]:
    return production.app_environment(var_dir, DATABASE)


def prepare_database() -> None:
    production.prepare_database(DATABASE)


SEED = """
from django.db import connection
from hds_platform import services
from hds_platform.audit import Actor
from hds_platform.models import Membership, User
from hds_platform.tenancy import organisation_context

assert connection.settings_dict["USER"] == "maillon_app"
MEMBERS = {members}
actor = Actor.system("bench")
slugs = []
for n in (1, 2):
    owner = User.objects.create_user(f"owner{{n}}@bench.example")
    organisation = services.organisation_create(name=f"Bench {{n}}", kind="software_editor", owner=owner,
                                                actor=actor, slug=f"bench-{{n}}")
    users = User.objects.bulk_create(
        [User(email=f"member{{i}}@org{{n}}.bench.example", full_name=f"Member {{i}}") for i in range(MEMBERS - 1)])
    with organisation_context(organisation):
        Membership.objects.bulk_create([Membership(organisation=organisation, user=u, role="viewer") for u in users])
        if n == 1:
            _token, raw = services.api_token_create(name="bench", scope="read", actor=actor)
print(raw)
"""


def start_gunicorn(env, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hds_platform.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--worker-class", "sync", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )


def wait_until_serving(url: str, token: str) -> dict:
    import httpx

    deadline = time.monotonic() + 30
    while True:
        try:
            response = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not serve {url}")
        time.sleep(0.3)


TENANT_TABLES = ["hds_platform_membership", "hds_platform_invitation", "hds_platform_apitoken",
                 "hds_platform_auditevent"]


def set_row_level_security(enabled: bool) -> None:
    if enabled:
        statements = [f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY; ALTER TABLE {t} FORCE ROW LEVEL SECURITY"
                      for t in TENANT_TABLES]
    else:
        statements = [f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {t} DISABLE ROW LEVEL SECURITY"
                      for t in TENANT_TABLES]
    psql("; ".join(statements), database=DATABASE, user="maillon_owner")
    state = psql("SELECT bool_and(relrowsecurity AND relforcerowsecurity), bool_or(relrowsecurity) FROM pg_class "
                 f"WHERE relname IN ({', '.join(repr(t) for t in TENANT_TABLES)})", database=DATABASE)
    assert state == ("t|t" if enabled else "f|f"), state


def run_wrk(url: str, token: str, seconds: int, connections: int) -> dict:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        check=True, capture_output=True, text=True,
    )
    out = result.stdout

    def latency_ms(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency_ms("50%"),
        "p99": latency_ms("99%"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def run_python_load(url: str, token: str, seconds: int, connections: int) -> dict:
    """Fallback without wrk: one keep-alive client per connection, in threads."""
    import httpx

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        nonlocal errors
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
            while time.monotonic() < stop:
                started = time.perf_counter()
                status = client.get(url).status_code
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors += status != 200

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {"rps": len(latencies) / (time.monotonic() - began), "p50": latencies[len(latencies) // 2],
            "p99": latencies[int(len(latencies) * 0.99)], "errors": errors}


PAGE_QUERIES = [
    'SELECT COUNT(*) AS "__count" FROM "hds_platform_membership" WHERE ("hds_platform_membership"."organisation_id" = '
    '%(org)s AND "hds_platform_membership"."organisation_id" = %(org)s)',
    'SELECT m.*, u.* FROM "hds_platform_membership" m INNER JOIN "hds_platform_user" u ON (m."user_id" = u."id") '
    'WHERE (m."organisation_id" = %(org)s AND m."organisation_id" = %(org)s) ORDER BY m."id" ASC LIMIT 25',
]


def measure_queries(organisation_id: int, batches: int, per_batch: int) -> dict[str, float]:
    """The list's two queries, in the transaction shape of a request, with and without the policies.

    The same statements run as the runtime role (policies apply) and as the
    cross-tenant reader (BYPASSRLS, same data, same plan inputs), alternating
    batch by batch so that other load on the machine weighs on both alike.
    Returns the median microseconds per request-transaction for each.
    """
    import psycopg

    sessions = {
        "policies on": psycopg.connect(host=PGHOST, port=PGPORT, dbname=DATABASE, user="maillon_app"),
        "RLS bypassed": psycopg.connect(host=PGHOST, port=PGPORT, dbname=DATABASE, user="maillon_crossing"),
    }
    timings: dict[str, list[float]] = {mode: [] for mode in sessions}
    try:
        for batch in range(batches + 1):
            for mode, session in sessions.items():
                started = time.perf_counter()
                for _ in range(per_batch):
                    with session.transaction(), session.cursor() as cursor:
                        cursor.execute("SELECT set_config('app.organisation_id', %s, true)", [str(organisation_id)])
                        for sql in PAGE_QUERIES:
                            cursor.execute(sql, {"org": organisation_id})
                            rows = cursor.fetchall()
                        assert len(rows) == 25
                if batch:  # the first batch warms caches and plans
                    timings[mode].append((time.perf_counter() - started) / per_batch * 1e6)
    finally:
        for session in sessions.values():
            session.close()
    return {mode: statistics.median(values) for mode, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per mode, alternating")
    parser.add_argument("--members", type=int, default=300, help="members per organisation")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    load = run_wrk if subprocess.run(["which", "wrk"], capture_output=True).returncode == 0 else run_python_load
    prepare_database()
    with tempfile.TemporaryDirectory() as var_dir:
        env = app_environment(var_dir)
        manage(env, "migrate", "--noinput", "--database", "owner")
        token = manage(env, "shell", stdin=SEED.format(members=args.members)).strip().splitlines()[-1]
        port = free_port()
        url = f"http://127.0.0.1:{port}/api/v1/orgs/bench-1/members/"
        server = start_gunicorn(env, port)
        try:
            first = wait_until_serving(url, token)
            assert (first["count"], len(first["results"])) == (args.members, 25), first["count"]
            runs: dict[str, list[dict]] = {"policies on": [], "RLS disabled": []}
            for _round in range(args.rounds):
                for mode in runs:
                    set_row_level_security(mode == "policies on")
                    page = wait_until_serving(url, token)
                    assert [row["id"] for row in page["results"]] == [row["id"] for row in first["results"]]
                    load(url, token, 2, args.connections)  # warm-up
                    runs[mode].append(load(url, token, args.seconds, args.connections))
            set_row_level_security(True)
            organisation_id = int(psql("SELECT id FROM hds_platform_organisation WHERE slug = 'bench-1'",
                                       database=DATABASE))
            queries = measure_queries(organisation_id, batches=args.rounds * 4, per_batch=200)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    if not args.keep:
        psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    summary = {mode: {key: statistics.median(run[key] for run in results) for key in ("rps", "p50", "p99")}
               for mode, results in runs.items()}
    errors = sum(run["errors"] for results in runs.values() for run in results)
    ratio = summary["RLS disabled"]["rps"] / summary["policies on"]["rps"]
    print(f"\nRLS cost: GET /api/v1/orgs/{{org}}/members/ (25 of {args.members} rows, bearer token), "
          f"gunicorn 2 sync workers, {load.__name__.removeprefix('run_')} with {args.connections} connections, "
          f"median of {args.rounds} × {args.seconds} s")
    print(f"{'mode':<14}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for mode in ("RLS disabled", "policies on"):
        row = summary[mode]
        print(f"{mode:<14}{row['rps']:>10.0f}{row['p50']:>10.2f}{row['p99']:>10.2f}")
    print(f"ratio (req/s without RLS ÷ with RLS): {ratio:.3f}  (target < 1.15)  non-2xx responses: {errors}")
    query_ratio = queries["policies on"] / queries["RLS bypassed"]
    print(f"database only (set_config + count + page, one transaction, median µs): "
          f"bypassed {queries['RLS bypassed']:.0f}, policies on {queries['policies on']:.0f}, "
          f"ratio {query_ratio:.3f}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
          f"(other processes skew both modes alike only when they are steady: compare rounds)")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "rls.json").write_text(json.dumps(
        {"summary": summary, "runs": runs, "ratio": ratio, "queries_us": queries, "query_ratio": query_ratio,
         "errors": errors, "members": args.members,
         "seconds": args.seconds, "rounds": args.rounds, "load": load.__name__}, indent=2))
    if errors:
        raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
