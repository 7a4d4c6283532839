"""Benchmark of the registry import: the 300-row sample, then a synthetic list of 50,000 rows.

    python bench/registry_import.py [--rows 50000] [--no-memory]

Runs against a fresh database named after the configured one (``test_…``, created and dropped
here): SQLite in a temporary file by default, PostgreSQL when DATABASE_URL points at it. Raw files
go to a temporary directory. For each step it prints the rows, the wall time and this process's
CPU time (the database server's work shows only in the first), the number of SQL statements (an
``executemany`` batch or a COPY counts as one; counted by a wrapper, because CaptureQueriesContext
would keep every statement's text and inflate the memory figure), and the peak Python memory, measured with
tracemalloc in a second pass over the same steps because tracemalloc slows the import about
fourfold (``--no-memory`` skips it).
"""

import argparse
import csv
import io
import os
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CERTIFIERS = [("AFNOR Certification", "AFNOR"), ("LNE", "HDS-LNE"), ("Bureau Veritas Certification", "BV-HDS"),
              ("SGS", "FR"), ("BSI", "HDS"), ("DEKRA", "DEKRA.HDS"), ("LSTI", "LSTI-HDS")]
ACTIVITY_NOTATIONS = ["1 à 6", "1, 2, 3, 4", "5", "5, 6", "6", "1-4 et 6", "Activités 3 4 5 6", "1;2", "5/6"]
WORDS = ["Azur", "Armor", "Alpes", "Loire", "Rhône", "Vosges", "Cévennes", "Provence", "Atlantique", "Bretagne",
         "Garonne", "Jura", "Morvan", "Vexin", "Quercy", "Médoc", "Iroise", "Opale", "Camargue", "Sologne"]
KINDS = ["Cloud Santé", "Hébergement", "Infogérance", "Data Services", "Numérique SAS", "Sauvegarde", "IT"]
HEADER = ("Raison sociale;Activités;Organisme certificateur;N° de certificat;Référentiel;Date de délivrance;"
          "Date de fin de validité;Page de transparence;Périmètre")


def synthetic_rows(count: int, seed: int = 2026) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        certifier, prefix = rng.choice(CERTIFIERS)
        issued = date(2023, 6, 1) + timedelta(days=rng.randrange(900))
        name = f"{rng.choice(WORDS)} {rng.choice(KINDS)} {n:05d}"
        rows.append([
            name, rng.choice(ACTIVITY_NOTATIONS), certifier, f"{prefix}-{issued.year}-{n:05d}", "V2",
            f"{issued:%d/%m/%Y}", f"{issued + timedelta(days=3 * 365 - 1):%d/%m/%Y}",
            f"https://hebergeur-{n:05d}.example.fr/hds/transparence",
            f"Hébergement de données de santé « {name} », datacenters de Lyon ; Paris",
        ])
    return rows


def modified(rows: list[list[str]], seed: int = 11) -> list[list[str]]:
    """5 % of the hosts change: 1 % removed, 1 % added, 1 % activities, 1 % renewed, 1 % certifier."""
    rng = random.Random(seed)
    rows = [list(row) for row in rows]
    step = len(rows) // 100
    picked = rng.sample(range(len(rows)), 4 * step)
    removed, activities, renewed, certifier = (set(picked[i * step:(i + 1) * step]) for i in range(4))
    for index in activities:
        rows[index][1] = "1 à 6" if rows[index][1] != "1 à 6" else "5"
    for index in renewed:
        issued = date(2026, 11, 1) + timedelta(days=rng.randrange(20))
        rows[index][3] = f"{rows[index][3]}-R"
        rows[index][5] = f"{issued:%d/%m/%Y}"
        rows[index][6] = f"{issued.replace(year=2029) - timedelta(days=1):%d/%m/%Y}"
    for index in certifier:
        rows[index][2] = "Bureau Veritas Certification" if rows[index][2] != "Bureau Veritas Certification" else "LNE"
    kept = [row for index, row in enumerate(rows) if index not in removed]
    added = synthetic_rows(step, seed=seed + 1)
    for n, row in enumerate(added):
        row[0] = f"Nouvel Hébergeur {n:05d}"
        row[3] = f"NEW-{n:05d}"
    return kept + added


def to_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER.split(";"))
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@contextmanager
def measured(use_tracemalloc: bool):
    from django.db import connection

    from registry.importing import writing

    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    copy_rows = writing.copy_rows

    def counted_copy(sql, rows):  # COPY does not go through Django's execute wrappers
        statements[0] += 1
        return copy_rows(sql, rows)

    writing.copy_rows = counted_copy
    result = {}
    if use_tracemalloc:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        with connection.execute_wrapper(count):
            yield result
    finally:
        writing.copy_rows = copy_rows
    result["seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = time.process_time() - cpu_started
    if use_tracemalloc:
        result["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    result["queries"] = statements[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--no-memory", dest="memory", action="store_false",
                        help="skip the second pass that measures peak memory with tracemalloc")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="maillon-bench-"))
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("MAILLON_VAR_DIR", str(workdir))
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hds_platform.settings")
    import django

    django.setup()
    from django.db import connection
    from rich.console import Console
    from rich.table import Table

    from registry.importing import registry_import
    from registry.models import CertifiedHost, Change, HostCertificate, Snapshot

    if connection.vendor == "sqlite":  # a file, not the in-memory database Django tests default to
        connection.settings_dict["TEST"]["NAME"] = str(workdir / "bench.sqlite3")
    configured_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    console = Console(width=120)
    console.print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    def reset():
        for model in (Change, HostCertificate, CertifiedHost, Snapshot):
            model.objects.all().delete()

    sample = (ROOT / "registry" / "samples" / "ans_hosts_2026-10.csv").read_bytes()
    first = synthetic_rows(args.rows)
    second = modified(first)
    steps = [
        ("sample, first import", sample, True),
        (f"synthetic {args.rows:,}, first import", to_csv(first), True),
        (f"synthetic {args.rows:,}, 5 % changed", to_csv(second), False),
        (f"synthetic {args.rows:,}, same file again", to_csv(second), False),
    ]

    def run(use_tracemalloc: bool) -> list[tuple]:
        outcomes = []
        for _name, data, fresh in steps:
            if fresh:
                reset()
            with measured(use_tracemalloc) as figures:
                result = registry_import(data=data, source=f"bench-{len(data)}.csv", filename="bench.csv")
            outcomes.append((result, figures))
        return outcomes

    try:
        timed = run(use_tracemalloc=False)
        peaks = [figures["peak_mib"] for _result, figures in run(use_tracemalloc=True)] if args.memory else None
    finally:
        connection.creation.destroy_test_db(configured_name, verbosity=0)
        shutil.rmtree(workdir, ignore_errors=True)

    table = Table(title=f"Registry import ({connection.vendor})")
    for column in ("step", "rows", "seconds", "CPU s", "peak MiB", "queries", "result"):
        table.add_column(column, justify="left" if column in ("step", "result") else "right")
    for index, ((name, _data, _fresh), (result, figures)) in enumerate(zip(steps, timed, strict=True)):
        if result.imported:
            summary = f"+{result.counts['added']} -{result.counts['removed']} ~{result.snapshot.changed_count} hosts"
        else:
            summary = f"{result.status} {result.reason_code}".strip()
        table.add_row(name, f"{result.snapshot.row_count:,}", f"{figures['seconds']:.2f}",
                      f"{figures['cpu_seconds']:.2f}", f"{peaks[index]:.0f}" if peaks else "–",
                      f"{figures['queries']:,}", summary)
    console.print(table)


if __name__ == "__main__":
    main()
