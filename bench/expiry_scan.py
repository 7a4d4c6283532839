"""The daily expiry scan at scale: every organisation scanned in-process, as a worker runs it.

    python bench/expiry_scan.py [--organisations 10000] [--certificates 50] [--keep]
    make bench-expiry BENCH_ARGS="--organisations 1000"

Builds a throwaway database next to the configured one (SQLite: ``var/bench-expiry.sqlite3``;
PostgreSQL when ``DATABASE_URL`` points at it: ``maillon_bench_expiry``), migrates it, and seeds
``--organisations`` organisations of ``--certificates`` certificates each with bulk inserts. End
dates are spread evenly from 100 days ago to 399 days ahead, so that 191 in 500 certificates are
expired or within the expiry horizon (``EXPIRY_HORIZON_DAYS``). It then calls the Celery task
``compliance.monitoring.tasks.expiry_scan`` for every organisation — the task itself, decorator,
organisation context and transaction included, with no broker — twice: the first run raises the
alerts, the second (the next day's run, or a re-delivered message) must raise none. Each run prints
organisations, certificates, alerts created, seconds, alerts/s, organisations/s, this process's CPU
seconds and SQL queries; the figures also go to ``bench/results/expiry_scan.json``.
The script checks that the first run created exactly one alert per certificate due, and the
second none.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import time_machine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hds_platform.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from compliance.conformity.horizons import EXPIRY_HORIZON_DAYS  # noqa: E402

SPREAD_DAYS = 500
OLDEST = -100
CHUNK_ORGANISATIONS = 200


def offset_of(organisation_index: int, certificate_index: int, per_organisation: int) -> int:
    """A deterministic, evenly spread end date offset in days, from -100 to 399."""
    return ((organisation_index * per_organisation + certificate_index) * 7919) % SPREAD_DAYS + OLDEST


def seed(organisations: int, per_organisation: int) -> tuple[list[int], int]:
    from compliance.models import Certificate
    from hds_platform.models import Organisation

    today = timezone.localdate()
    Organisation.objects.bulk_create(
        [Organisation(name=f"Organisation {n}", slug=f"bench-{n}", kind="software_editor")
         for n in range(organisations)], batch_size=2000,
    )
    ids = list(Organisation.objects.filter(slug__startswith="bench-").order_by("pk").values_list("pk", flat=True))
    due = 0
    for start in range(0, len(ids), CHUNK_ORGANISATIONS):
        rows = []
        for index, organisation_id in enumerate(ids[start:start + CHUNK_ORGANISATIONS], start=start):
            for number in range(per_organisation):
                offset = offset_of(index, number, per_organisation)
                due += offset <= EXPIRY_HORIZON_DAYS
                rows.append(Certificate(
                    organisation_id=organisation_id, kind="hds", activities=frozenset({1, 2, 3, 4}),
                    certificate_number=f"HDS-{index}-{number}", certifier="LNE", referential_version="v2",
                    expires_on=today + timedelta(days=offset), status="valid", source="manual",
                ))
        Certificate.all_organisations.bulk_create(rows, batch_size=2000)
    return ids, due


def scan_all(ids: list[int]) -> dict:
    from compliance.monitoring.tasks import expiry_scan

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    created = 0
    with connection.execute_wrapper(count):
        started, cpu_started = time.perf_counter(), time.process_time()
        for organisation_id in ids:
            created += expiry_scan(organisation_id)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"alerts_created": created, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "queries": queries,
            "alerts_per_second": round(created / seconds) if seconds else None,
            "organisations_per_second": round(len(ids) / seconds) if seconds else None,
            "queries_per_organisation": round(queries / len(ids), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--certificates", type=int, default=50, help="per organisation")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    options = parser.parse_args()

    settings.DEBUG = False  # no query log kept in memory: time the code, not the debug cursor
    vendor = connection.vendor
    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        "maillon_bench_expiry" if vendor == "postgresql" else str(ROOT / "var" / "bench-expiry.sqlite3"))
    databases = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
    database_name = connection.settings_dict["NAME"]
    # The scan works on the local date: a run that crossed midnight would rightly raise the next
    # day's thresholds. Start at noon, clock ticking, so that one run sees one day.
    noon = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()).replace(hour=12))
    try:
        with time_machine.travel(noon, tick=True):
            started = time.perf_counter()
            ids, due = seed(options.organisations, options.certificates)
            seeded = time.perf_counter() - started
            first = scan_all(ids)
            second = scan_all(ids)
    finally:
        if not options.keep:
            teardown_databases(databases, verbosity=0)

    certificates = options.organisations * options.certificates
    print(f"expiry scan on {vendor} ({database_name}): {options.organisations} organisations × "
          f"{options.certificates} certificates = {certificates}, {due} expired or within {EXPIRY_HORIZON_DAYS} days; "
          f"seeded in {seeded:.1f} s")
    header = ("run", "organisations", "certificates", "alerts created", "seconds", "CPU s (this process)",
              "alerts/s", "organisations/s", "queries", "queries/organisation")
    rows = [(name, options.organisations, certificates, run["alerts_created"], run["seconds"], run["cpu_seconds"],
             run["alerts_per_second"], run["organisations_per_second"], run["queries"],
             run["queries_per_organisation"])
            for name, run in (("first", first), ("again", second))]
    widths = [max(len(str(value)) for value in column) for column in zip(header, *rows, strict=True)]
    for line in (header, *rows):
        print("  ".join(str(value).rjust(width) for value, width in zip(line, widths, strict=True)))

    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "expiry_scan.json").write_text(json.dumps({
        "database": vendor, "organisations": options.organisations, "certificates": certificates, "due": due,
        "seed_seconds": round(seeded, 2), "first": first, "again": second,
    }, indent=2))
    if first["alerts_created"] != due or second["alerts_created"] != 0:
        print(f"MISMATCH: expected {due} alerts then 0", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
