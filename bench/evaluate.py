"""Benchmark: evaluate 10,000 processings of 20 links each through the real loader, engine and
result writes, and print processings per second and queries per processing.

    python bench/evaluate.py [--organisations 100] [--processings 100] [--links 20]

Runs against a throw-away database created next to the configured one (``DATABASE_URL``:
PostgreSQL, or SQLite by default), migrated from scratch and dropped at the end. The rows are
seeded with ``bulk_create``; only the evaluation is timed. Evaluation runs per organisation, as
the re-check tasks do (they fan out one task per organisation), in batches of
``compliance.evaluation.BATCH_SIZE``, by ``--workers`` processes (default: one per CPU on
PostgreSQL, as task workers would; one on SQLite, whose single writer makes more pointless).
A second pass over unchanged data shows the cost of a re-check that finds nothing new (digests
equal: nothing evaluated, nothing written). A third pass is the next day's daily re-evaluation
(``compliance.evaluation.reevaluate_organisation``, what the beat entry's task runs per
organisation) where nothing changed: inputs digest unchanged and the answers' ``valid_until`` not
reached, so no engine run, only ``evaluated_on`` moved forward in one UPDATE per batch.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hds_platform.settings")
os.environ.setdefault("MAILLON_TESTING", "true")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

ON = date(2026, 11, 28)
NEXT_DAY = ON + timedelta(days=1)


@contextmanager
def counting_queries():
    counter = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def seed(organisations: int, processings: int, links: int) -> list:
    """Per organisation: 20 suppliers (half matched to a host of the list, half certified by a
    document), contracts and DPAs, its own certificate, and ``processings`` processings whose
    chains of ``links`` links mix the organisation itself, suppliers and their subcontractors.
    One processing in ten uses an uncertified supplier (non compliant), one in seven lacks its
    retention period (incomplete); the others are compliant."""
    from compliance.models import Certificate, ChainLink, Evidence, Processing, Supplier
    from hds_platform.models import Organisation
    from registry.models import CertifiedHost, HostCertificate, Snapshot

    all_activities = frozenset(range(1, 7))
    snapshot = Snapshot.objects.create(source="bench.csv", sha256="0" * 64, status="imported",
                                       raw_file="registry/bench.csv")
    hosts = CertifiedHost.objects.bulk_create([
        CertifiedHost(name=f"Hébergeur {n}", normalised_name=f"hebergeur {n}", first_seen=snapshot,
                      last_seen=snapshot) for n in range(20)
    ])
    published = HostCertificate.objects.bulk_create([
        HostCertificate(host=host, certificate_number=f"HDS-{host.pk}", normalised_number=f"HDS{host.pk}",
                        activities=all_activities, expires_on=date(2028, 1, 1), certifier="LNE",
                        referential_version="v2", first_seen=snapshot, last_seen=snapshot)
        for host in hosts
    ])
    orgs = Organisation.objects.bulk_create([
        Organisation(name=f"Bench {n}", slug=f"bench-{n}", kind="software_editor") for n in range(organisations)
    ])
    suppliers_per_org = 21  # the last one is not certified
    suppliers = Supplier.all_organisations.bulk_create([
        Supplier(organisation=org, name=f"Fournisseur {n}", country="FR",
                 registry_match_status="confirmed" if n % 2 == 0 and n < 20 else "none",
                 registry_host=hosts[n] if n % 2 == 0 and n < 20 else None,
                 registry_match_score=100 if n % 2 == 0 and n < 20 else None,
                 registry_match_method="certificate_number" if n % 2 == 0 and n < 20 else "")
        for org in orgs for n in range(suppliers_per_org)
    ])
    certified = [s for s in suppliers if not s.name.endswith(" 20")]
    documents = Evidence.all_organisations.bulk_create(
        [Evidence(organisation_id=s.organisation_id, supplier=s, kind="hds_certificate", title="Certificat",
                  file=f"bench/{s.pk}-certificate", original_name="x.pdf", sha256="0" * 64, size=1,
                  content_type="application/pdf") for s in certified]
        + [Evidence(organisation=org, kind="hds_certificate", title="Notre certificat", file=f"bench/own-{org.pk}",
                    original_name="x.pdf", sha256="0" * 64, size=1, content_type="application/pdf") for org in orgs]
    )
    Certificate.all_organisations.bulk_create(
        [Certificate(organisation_id=s.organisation_id, supplier=s, activities=all_activities,
                     certificate_number=f"C-{s.pk}", certifier="LNE", referential_version="v2",
                     issued_on=date(2025, 1, 1), expires_on=date(2028, 1, 1),
                     source="registry" if s.registry_host_id else "document",
                     registry_certificate=published[hosts.index(s.registry_host)] if s.registry_host_id else None,
                     evidence=None if s.registry_host_id else document)
         for s, document in zip(certified, documents, strict=False)]
        + [Certificate(organisation=org, activities=frozenset({5}), certificate_number=f"OWN-{org.pk}",
                       certifier="LNE", referential_version="v2", expires_on=date(2028, 1, 1), source="document",
                       evidence=document) for org, document in zip(orgs, documents[len(certified):], strict=True)]
    )
    Evidence.all_organisations.bulk_create([
        Evidence(organisation_id=s.organisation_id, supplier=s, kind=kind, title=kind, file=f"bench/{s.pk}-{kind}",
                 original_name="x.pdf", sha256="0" * 64, size=1, content_type="application/pdf")
        for s in suppliers for kind in ("hosting_contract", "dpa")
    ])
    register = {
        "purposes": ["Soins"], "legal_basis": "6(1)(e)", "art9_condition": "9(2)(h)",
        "data_subject_categories": ["Patients"], "data_categories": ["Santé"], "recipients": ["Soignants"],
        "security_measures": "Chiffrement", "controller_contact": "dpo@example.org", "dpia_required": False,
        "transfers": [{"country": "CH", "safeguard": ""}],
    }
    all_processings = Processing.all_organisations.bulk_create([
        Processing(organisation=org, name=f"Traitement {n}", health_data=True, identifiability="identified",
                   hosting_mode="outsourced", retention="" if n % 7 == 3 else "20 ans", **register)
        for org in orgs for n in range(processings)
    ])
    by_org = {}
    for supplier in suppliers:
        by_org.setdefault(supplier.organisation_id, []).append(supplier)

    def supplier_for(processing, n):
        index = int(processing.name.rsplit(" ", 1)[1])
        if n == 2 and index % 10 == 0:
            return by_org[processing.organisation_id][20]  # the uncertified one
        return by_org[processing.organisation_id][n % 20]

    half = links // 2
    tops = ChainLink.all_organisations.bulk_create([
        ChainLink(organisation_id=p.organisation_id, processing=p,
                  supplier=None if n == 0 else supplier_for(p, n),
                  activities=frozenset({5}) if n == 0 else frozenset({6}) if n == 1 else frozenset({1, 2, 3, 4}),
                  storage_countries=["FR"], is_backup=n == 1)
        for p in all_processings for n in range(half)
    ], batch_size=5000)
    parents = {}
    for link in tops:
        parents.setdefault(link.processing_id, []).append(link)
    ChainLink.all_organisations.bulk_create([
        ChainLink(organisation_id=p.organisation_id, processing=p, parent=parents[p.pk][1 + n % (half - 1)],
                  supplier=by_org[p.organisation_id][(n + 7) % 20], activities=frozenset({1, 2}),
                  storage_countries=["FR", "DE"], remote_access=[{"country": "CH", "basis": "adequacy"}])
        for p in all_processings for n in range(links - half)
    ], batch_size=5000)
    return orgs


def evaluate_organisations(organisation_ids: list[int], daily: bool = False) -> tuple[int, int]:
    """Evaluate every processing of these organisations, one organisation context at a time (as
    one re-check task each), or, with ``daily``, run the next day's re-evaluation of each (as the
    daily task does). Returns (processings looked at, queries sent)."""
    from compliance import evaluation
    from compliance.models import Processing
    from hds_platform.models import Organisation
    from hds_platform.tenancy import organisation_context

    evaluated = 0
    with counting_queries() as counter:
        for organisation in Organisation.objects.filter(pk__in=organisation_ids).order_by("pk"):
            if daily:
                evaluated += evaluation.reevaluate_organisation(organisation, on=NEXT_DAY)
                continue
            with organisation_context(organisation):
                ids = list(Processing.objects.values_list("id", flat=True))
                evaluated += len(evaluation.evaluate_processings(ids, on=ON))
    return evaluated, counter["n"]


def _worker(organisation_ids: list[int], daily: bool) -> tuple[int, int]:
    connection.close()  # a connection of its own, not the parent's
    return evaluate_organisations(organisation_ids, daily)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def evaluate_everything(orgs, workers: int, daily: bool = False) -> tuple[int, int, float, float]:
    """Evaluate all organisations with ``workers`` processes, as that many task workers would.
    Returns (processings, queries, wall seconds, CPU seconds of this client)."""
    ids = [org.pk for org in orgs]
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    if workers == 1:
        evaluated, queries = evaluate_organisations(ids, daily)
    else:
        connection.close()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.starmap(_worker, [(ids[n::workers], daily) for n in range(workers)])
        evaluated, queries = sum(p[0] for p in parts), sum(p[1] for p in parts)
    return evaluated, queries, time.perf_counter() - started, _cpu_seconds() - cpu_started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=100)
    parser.add_argument("--processings", type=int, default=100, help="per organisation")
    parser.add_argument("--links", type=int, default=20, help="per processing")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes, one organisation at a time each (default: one per CPU on "
                             "PostgreSQL; one on SQLite, which has a single writer)")
    args = parser.parse_args()

    database = settings.DATABASES["default"]
    sqlite = database["ENGINE"].endswith("sqlite3")
    if args.workers is None:
        args.workers = 1 if sqlite else os.cpu_count() or 1
    if sqlite:
        # A file, as in production use, rather than the in-memory test database.
        database.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    from compliance.models import ChainLink, ConformityResult, ConformityStatusChange

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        orgs = seed(args.organisations, args.processings, args.links)
        seeded = time.perf_counter() - started
        links = ChainLink.all_organisations.count()
        rows = []
        for label, daily in (("first evaluation", False), ("re-check, nothing changed", False),
                             ("daily re-evaluation, next day, nothing changed", True)):
            changes = ConformityStatusChange.all_organisations.count()
            count, queries, seconds, cpu = evaluate_everything(orgs, args.workers, daily)
            changes = ConformityStatusChange.all_organisations.count() - changes
            rows.append((label, count, links, seconds, count / seconds, cpu * 1000 / count, queries, queries / count,
                         queries / len(orgs)))
        statuses = Counter(ConformityResult.all_organisations.values_list("status", flat=True))
        carried = ConformityResult.all_organisations.filter(evaluated_on=NEXT_DAY).count()
        unchanged = changes == 0 and carried == ConformityResult.all_organisations.count()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    mix = ", ".join(f"{status} {count}" for status, count in sorted(statuses.items()))
    print(f"database: {connection.vendor}, {args.workers} worker(s), seeded in {seeded:.1f} s; results: {mix}; "
          f"carried to the next day: {carried}")
    header = ("pass", "processings", "links", "seconds", "processings/s", "client CPU ms/processing", "queries",
              "queries/processing", "queries/organisation")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for label, count, link_count, seconds, rate, cpu_ms, queries, per, per_org in rows:
        print(f"| {label} | {count} | {link_count} | {seconds:.1f} | {rate:,.0f} | {cpu_ms:.2f} | {queries} "
              f"| {per:.3f} | {per_org:.1f} |")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    if not unchanged:
        print(f"the daily pass wrote {changes} status change(s) and carried {carried} answers: expected 0 and all")
    return 0 if rows[0][3] < 60 and unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
