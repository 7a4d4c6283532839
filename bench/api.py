"""The hot reads of the API and the pages, as ratios to a bare DRF view served the same way.

    python bench/api.py [--seconds 10] [--rounds 2] [--connections 4] [--only suppliers,…] [--keep]
    make bench-api

Builds a fresh PostgreSQL database (``maillon_bench_api``) in the production shape: roles from
deploy/postgres-roles.sh, migrations as the owner, the app connected as the runtime role. Seeds
through the services: the sample ANS list (300 hosts), one organisation with 25 suppliers
matched to it (one certificate each, copied from the list) and 25 processings whose chains have
three levels, all evaluated. Starts Maillon (gunicorn, 2 sync workers, ``DEBUG=false``) and the
bare DRF view of bench/bare_drf.py (gunicorn, 2 sync workers) side by side, checks every URL
answers 200, then, in each round, loads every row in turn with wrk (1 thread,
``--connections`` connections), each right after the bare view. Each row's ratio is its
requests/s divided by that of the bare view measured just before it (the machine's speed drifts
within a round; a pair measured together drifts alike); the table shows the median over the
rounds. Queries per request
come from one more request per row, made in-process (Django test client,
``CaptureQueriesContext``) against the same database with the same settings.

Needs wrk (``apt-get install wrk``) and PostgreSQL on 127.0.0.1:5432 reachable as ``postgres``
without a password (PGHOST, PGPORT, PGUSER override). Results also go to bench/results/api.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import production
from production import ROOT, free_port, manage, psql

DATABASE = "maillon_bench_api"
REDIS_URL = "redis://127.0.0.1:6379/14"
SLUG = "bench"

#: (key, label, path, how it authenticates, goal as a ratio to the bare view)
ROWS = [
    ("suppliers", "GET …/suppliers/?page_size=25", "/api/v1/orgs/{slug}/suppliers/?page_size=25", "token", 0.3),
    ("processings", "GET …/processings/?page_size=25", "/api/v1/orgs/{slug}/processings/?page_size=25", "token",
     0.3),
    ("registry", "GET /api/v1/registry/hosts/?q=cloud&page_size=25", "/api/v1/registry/hosts/?q=cloud&page_size=25",
     "token", 0.3),
    ("summary", "GET …/conformity/ (summary)", "/api/v1/orgs/{slug}/conformity/", "token", 0.5),
    ("conformity", "GET …/processings/{id}/conformity/", "/api/v1/orgs/{slug}/processings/{processing}/conformity/",
     "token", 0.5),
    ("conformity_304", "same, If-None-Match (304)", "/api/v1/orgs/{slug}/processings/{processing}/conformity/",
     "token-etag", 0.5),
    ("dashboard", "page: dashboard /o/{org}/", "/o/{slug}/", "session", 0.2),
    ("supplier_page", "page: suppliers /o/{org}/fournisseurs/", "/o/{slug}/fournisseurs/", "session", 0.2),
]


def app_environment(var_dir: str) -> dict[str, str]:
    # Production's shape: Redis for the cache and the rate limits, which are counted on every
    # request as in production but set far above what wrk sends (a 429 would measure nothing).
    unlimited = str(10**9)
    return production.app_environment(
        var_dir, DATABASE, MAILLON_TESTING="false", REDIS_URL=os.environ.get("BENCH_REDIS_URL", REDIS_URL),
        RATE_LIMIT_STANDARD_PER_MINUTE=unlimited, RATE_LIMIT_LARGE_PER_MINUTE=unlimited,
        RATE_LIMIT_SESSION_PER_MINUTE=unlimited)


def prepare_database() -> None:
    production.prepare_database(DATABASE, quiet=True)


SEED = """
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils import timezone
from django.utils.crypto import get_random_string
from compliance import evaluation, services as compliance_services
from compliance.models import CertificateStatus, Supplier
from hds_platform import services
from hds_platform.accounts import sessions
from hds_platform.audit import Actor
from hds_platform.models import User
from hds_platform.tenancy import organisation_context
from registry.importing import registry_import
from registry.models import CertifiedHost

assert connection.settings_dict["USER"] == "maillon_app"
sample = settings.BASE_DIR / "registry" / "samples" / "ans_hosts_2026-10.csv"
result = registry_import(data=sample.read_bytes(), source=sample.name, filename=sample.name)
assert not result.rejected, result.reason

owner = User.objects.create_user("owner@bench.example", password="bench-password-2026",
                                 email_verified_at=timezone.now())
actor = Actor.for_user(owner)
organisation = services.organisation_create(name="Bench Santé", kind="software_editor", owner=owner,
                                            actor=Actor.system("bench"), slug="{slug}")
hosts = [host for host in CertifiedHost.objects.filter(listed=True).prefetch_related("certificates")
         .order_by("normalised_name", "id") if [c for c in host.certificates.all() if c.current]][:25]
with organisation_context(organisation):
    _token, raw = services.api_token_create(name="bench", scope="read", actor=actor)
    suppliers = []
    for host in hosts:
        supplier = compliance_services.supplier_create(actor=actor, name=host.name, country="FR")
        suppliers.append(compliance_services.supplier_registry_match_confirm(supplier=supplier, actor=actor,
                                                                              host=host))
    activities = {{s.pk: sorted(next(c for c in s.registry_host.certificates.all() if c.current).activities)
                  for s in suppliers}}
    processings = []
    for n in range(25):
        processing = compliance_services.processing_create(
            actor=actor, name=f"Traitement {{n:02d}}", purposes=["Suivi des patients"], legal_basis="Art. 6(1)(b)",
            art9_condition="Art. 9(2)(h)", data_subject_categories=["Patients"], data_categories=["Santé"],
            recipients=["Soignants"], retention="20 ans", security_measures="Chiffrement", health_data=True,
            identifiability="identified", hosting_mode="outsourced", role="controller")
        parent = None
        for level in range(3):
            supplier = suppliers[(n + level) % len(suppliers)]
            parent = compliance_services.chain_link_create(
                actor=actor, processing=processing, supplier=supplier, parent=parent,
                activities=activities[supplier.pk], stores_health_data=level == 0, storage_countries=["FR"])
        processings.append(processing)
    evaluation.evaluate_all()
    assert Supplier.objects.filter(registry_match_status="confirmed").count() == 25
session = SessionStore()
session[SESSION_KEY] = str(owner.pk)
# As the login view leaves it: the backend that loads the person (django-axes' only refuses),
# the session policy's stamps (a session without them counts as expired).
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
sessions.start(session, has_mfa=False)
session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
session.create()
# A browser holds the CSRF cookie it was given with the login form.
csrf = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
print(json.dumps({{"token": raw, "session": session.session_key, "csrf": csrf, "processing": processings[0].pk}}))
"""

COUNT_QUERIES = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

setup = json.loads({setup!r})
counts = {{}}
for key, path, auth in {rows!r}:
    client = Client(HTTP_HOST="127.0.0.1")
    headers = {{"Authorization": "Bearer " + setup["token"]}} if auth.startswith("token") else {{}}
    if auth == "session":
        client.cookies["sessionid"] = setup["session"]
        client.cookies["csrftoken"] = setup["csrf"]
    first = client.get(path, headers=headers)
    if auth == "token-etag":
        headers["If-None-Match"] = first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    assert response.status_code == (304 if auth == "token-etag" else 200), (path, response.status_code)
    counts[key] = len(queries)
print(json.dumps(counts))
"""


def start_gunicorn(env, port: int, app: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, *extra, "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--worker-class", "sync", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )


def wait_until_serving(url: str, headers: dict[str, str], expected: int = 200) -> str:
    """Wait for the URL to answer ``expected``; returns its ETag (if any)."""
    import httpx

    deadline = time.monotonic() + 60
    while True:
        try:
            response = httpx.get(url, headers=headers, timeout=10)
            if response.status_code == expected:
                return response.headers.get("ETag", "")
            raise SystemExit(f"{url} answered {response.status_code}: {response.text[:500]}")
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not serve {url}")
        time.sleep(0.3)


def run_wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout

    def latency_ms(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency_ms("50%"),
        "p99": latency_ms("99%"),
        "errors": (int(errors.group(1)) if errors else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    }


def _cpu_seconds(pid: int) -> float:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes(match) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat.rsplit(")", 1)[1].split()
            if match(int(entry), name, int(fields[2])):
                pids.append(int(entry))
    return pids


def cpu_snapshot(server_group: int) -> dict[str, float]:
    """CPU seconds used so far by the app's gunicorn (its process group) and by PostgreSQL (every
    ``postgres`` process of the machine: the bench's backends, the server's own work)."""
    if not os.path.isdir("/proc"):
        return {}
    app = _processes(lambda pid, name, _s: os.getpgid(pid) == server_group if _pid_alive(pid) else False)
    database = _processes(lambda _pid, name, _s: name == "postgres")
    return {"app": sum(map(_cpu_seconds, app)), "db": sum(map(_cpu_seconds, database))}


def _pid_alive(pid: int) -> bool:
    try:
        os.getpgid(pid)
    except OSError:
        return False
    return True


def headers_for(auth: str, setup: dict) -> dict[str, str]:
    if auth == "token":
        return {"Authorization": f"Bearer {setup['token']}"}
    if auth == "token-etag":
        return {"Authorization": f"Bearer {setup['token']}", "If-None-Match": setup["etag"]}
    if auth == "session":
        return {"Cookie": f"sessionid={setup['session']}; csrftoken={setup['csrf']}"}
    return {}


def print_table(summary: dict, bare: dict, queries: dict, rows: list, heading: str) -> None:
    print(f"\n{heading}\n")
    print("| row | req/s | p50 ms | p99 ms | queries | app CPU ms/req | db CPU ms/req | ratio to bare | goal |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")

    def cpu(row: dict, side: str) -> str:
        return f"{row[side]:.2f}" if side in row else "–"

    print(f"| bare DRF view | {bare['rps']:.0f} | {bare['p50']:.1f} | {bare['p99']:.1f} | 0 | {cpu(bare, 'app_ms')} | "
          f"0 | 1.00× | |")
    for key, label, _path, _auth, goal in rows:
        row = summary[key]
        mark = "met" if row["ratio"] >= goal else "NOT met"
        print(f"| `{label}` | {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | {queries[key]} | "
              f"{cpu(row, 'app_ms')} | {cpu(row, 'db_ms')} | {row['ratio']:.2f}× | ≥ {goal}× ({mark}) |")


def measure(url: str, headers: dict, pid: int, args) -> dict:
    """One wrk measurement after a warm-up, with the CPU the server (and PostgreSQL) spent on it."""
    run_wrk(url, headers, 2, args.connections)  # warm-up
    before = cpu_snapshot(pid)
    run = run_wrk(url, headers, args.seconds, args.connections)
    after = cpu_snapshot(pid)
    for side in before:
        run[f"{side}_ms"] = (after[side] - before[side]) * 1000 / max(run["requests"], 1)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=2, help="rounds (the bare view, then every row)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", default="", help="comma-separated row keys (default: every row)")
    parser.add_argument("--label", default="", help="a name for this run, kept in the results file")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (Debian: apt-get install wrk)")
    rows = [row for row in ROWS if not args.only or row[0] in args.only.split(",")]

    prepare_database()
    servers: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as var_dir:
        env = app_environment(var_dir)
        try:
            manage(env, "migrate", "--noinput", "--database", "owner")
            manage(env, "collectstatic", "--noinput")
            setup = json.loads(manage(env, "shell", stdin=SEED.format(slug=SLUG)).strip().splitlines()[-1])
            paths = {key: path.format(slug=SLUG, processing=setup["processing"]) for key, _l, path, _a, _g in rows}
            queries = json.loads(manage(env, "shell", stdin=COUNT_QUERIES.format(
                setup=json.dumps(setup), rows=[(key, paths[key], auth) for key, _l, _p, auth, _g in rows],
            )).strip().splitlines()[-1])
            app_port, bare_port = free_port(), free_port()
            servers.append(start_gunicorn(env, app_port, "hds_platform.wsgi:application"))
            servers.append(start_gunicorn({**env, "DJANGO_SETTINGS_MODULE": "bare_drf"}, bare_port,
                                          "bare_drf:application", "--pythonpath", str(ROOT / "bench")))
            bare_url = f"http://127.0.0.1:{bare_port}/bare/"
            wait_until_serving(bare_url, {})
            urls = {key: f"http://127.0.0.1:{app_port}{paths[key]}" for key in paths}
            for key, _l, _p, auth, _g in rows:
                if auth == "token-etag":
                    setup["etag"] = wait_until_serving(urls[key], headers_for("token", setup))
                    wait_until_serving(urls[key], headers_for(auth, setup), expected=304)
                else:
                    wait_until_serving(urls[key], headers_for(auth, setup))
            runs: dict[str, list[dict]] = {"bare": [], **{key: [] for key, *_ in rows}}
            for _round in range(args.rounds):
                for key, _l, _p, auth, _g in rows:
                    # The bare view right before each row: the machine's speed drifts within a round
                    # (other tenants of the host), and a pair measured together drifts alike.
                    bare_run = measure(bare_url, {}, servers[1].pid, args)
                    bare_run.pop("db_ms", None)  # it reads no database
                    runs["bare"].append(bare_run)
                    run = measure(urls[key], headers_for(auth, setup), servers[0].pid, args)
                    run["ratio"] = run["rps"] / bare_run["rps"]
                    runs[key].append(run)
        finally:
            for server in servers:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
    if not args.keep:
        psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    def median_of(results: list[dict]) -> dict:
        return {name: statistics.median(run[name] for run in results) for name in results[0] if name != "errors"}

    bare = median_of(runs["bare"])
    summary = {key: median_of(runs[key]) for key, *_ in rows}
    errors = sum(run["errors"] for results in runs.values() for run in results)
    load = os.getloadavg()
    print_table(summary, bare, queries, rows,
                f"wrk 1 thread, {args.connections} connections, {args.seconds} s per row, median of {args.rounds} "
                f"round(s); gunicorn 2 sync workers, PostgreSQL, DEBUG=false")
    print(f"\nnon-2xx responses or socket errors: {errors}; load average at the end: "
          f"{' '.join(f'{x:.2f}' for x in load)} on {os.cpu_count()} cores")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / "api.json").write_text(json.dumps({
        "label": args.label, "bare": bare, "summary": summary, "queries": queries, "runs": runs, "errors": errors,
        "seconds": args.seconds, "rounds": args.rounds, "connections": args.connections, "load": load,
    }, indent=2))
    if errors:
        raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
