"""How long a large CSV catalogue import takes, and how long it keeps other writers waiting.

Builds organizations, writes a CSV of N new tools (default 100,000) naming them, then runs a
dry run of it (as a moderator, as the upload page does) while another thread tries a small
write every 200 ms on its own connection. Prints the dry run's time, rows per second, and the
longest any of those writes waited for the database (on SQLite, the writer lock).

    .venv/bin/python benchmarks/import_bench.py --rows=5000             # SQLite
    .venv/bin/python benchmarks/import_bench.py --rows=5000 --postgres  # local PostgreSQL
    .venv/bin/python benchmarks/import_bench.py --rows=5000 --write     # a real import
    .venv/bin/python benchmarks/import_bench.py --file=../shared/data/tools_catalog.json

With --file the catalogue is that file (its organizations and tools are created) instead.
Prints also how long the import's write transaction lasted: on SQLite, the time the lock
was held.
"""

from __future__ import annotations

import csv
import io
import sys
import threading
import time

from _setup import fresh_database

N_ROWS = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--rows=")), 100_000))
N_ORGS = max(1, N_ROWS // 100)
WRITE = "--write" in sys.argv
FILE = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--file=")), None)


def build() -> None:
    from accounts.models import Organization

    Organization.objects.bulk_create(
        Organization(slug=f"bench-org-{i}", name=f"Bench org {i}", sector="ngo", country="GB")
        for i in range(N_ORGS)
    )


def catalogue_csv() -> str:
    from registry.catalog.format import CSV_COLUMNS

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for i in range(N_ROWS):
        writer.writerow(
            {
                "key": f"bench-tool-{i}",
                "name": f"Bench tool {i}",
                "organization": f"bench-org-{i % N_ORGS}",
                "summary": "A tool made up for the import benchmark.",
                "description": "Longer text about the tool. " * 8,
                "purposes": "support",
                "focus_areas": "prevention",
                "functions": "training;case_management",
                "trafficking_types": "labor",
                "target_users": "ngo",
                "technologies": "web_platform",
                "regions": "GB;IE",
                "languages": "en",
                "availability": "free",
                "maturity": "deployed",
                "website": "https://example.org/",
                "visibility": "public",
                "source_url": "",
                "restricted_to_sectors": "",
                "safeguards": "",
                "last_reviewed_at": "",
            }
        )
    return out.getvalue()


class OtherWriter(threading.Thread):
    """Another person saving something every 200 ms, on a connection of its own."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.waits: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        from django.db import OperationalError, connection

        from accounts.models import Organization

        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                Organization.objects.filter(slug="bench-org-0").update(description="touched")
            except OperationalError as exc:
                self.failures.append(str(exc))
            self.waits.append(time.perf_counter() - start)
            self.stop.wait(0.2)
        connection.close()


def measure_write_phase() -> list[float]:
    """Seconds spent in the importer's write pass (its one write transaction)."""
    try:
        from registry.catalog.upsert import CatalogUpsert as planner
    except ImportError:  # before the planner had a module of its own
        from registry.catalog.importer import _CatalogImport as planner

    spent: list[float] = []
    write = planner.write

    def timed_write(self):
        start = time.perf_counter()
        try:
            return write(self)
        finally:
            spent.append(time.perf_counter() - start)

    planner.write = timed_write
    return spent


def main() -> None:
    fresh_database("registry_import_bench")
    from accounts.models import User
    from registry.catalog import import_catalog_text

    build()
    moderator = User.objects.create_user(email="mod@bench.example", password="x" * 16)
    from django.contrib.auth.models import Group

    moderator.groups.add(Group.objects.get_or_create(name="moderator")[0])
    try:  # as a session that passed two-factor, which moderators need
        from accounts.security.twofactor import with_two_factor_state

        with_two_factor_state(moderator, True)
    except ImportError:
        pass
    if FILE:
        from pathlib import Path

        text, fmt = Path(FILE).read_text(encoding="utf-8"), Path(FILE).suffix.lstrip(".")
    else:
        text, fmt = catalogue_csv(), "csv"
    write_phase = measure_write_phase()
    other = OtherWriter()
    other.start()
    start = time.perf_counter()
    try:
        report = import_catalog_text(text, fmt=fmt, dry_run=not WRITE, actor=moderator)
    except TypeError:  # before imports took an actor
        report = import_catalog_text(text, fmt=fmt, dry_run=not WRITE)
    elapsed = time.perf_counter() - start
    other.stop.set()
    other.join()
    assert report.ok, report.errors[:5]
    rows = sum(report.created.values()) + sum(report.updated.values())
    rows += sum(report.unchanged.values())
    print(
        f"{'import' if WRITE else 'dry run'} of {rows} rows ({len(text.encode()) / 1024:.0f} KB): "
        f"{elapsed:.1f} s ({rows / elapsed:.0f} rows/s), of which the write transaction "
        f"{sum(write_phase):.1f} s; other writer: {len(other.waits)} writes, "
        f"longest wait {max(other.waits, default=0):.2f} s, {len(other.failures)} failed"
        + (f" ({other.failures[0]})" if other.failures else "")
    )


if __name__ == "__main__":
    main()
