"""Throughput and latency of the REST API over HTTP, on a catalogue of 100,000 tools.

Builds the catalogue in a fresh database, starts gunicorn (2 sync workers) on a free port of
127.0.0.1, and drives it from a second process (Python threads, http.client) with a bounded
number of requests at a fixed concurrency. Prints requests/second and p50/p95 latency for:

  * the tools list, first page of 50, anonymous and with a token;
  * the tools list, a page of 50 deep inside the catalogue (keyset cursor);
  * the tool detail, anonymous.

    .venv/bin/python benchmarks/api_bench.py --postgres       # local PostgreSQL
    .venv/bin/python benchmarks/api_bench.py                  # SQLite file
    options: --tools=100000 --requests=2000 --concurrency=8
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path


def _option(name: str, default: int) -> int:
    prefix = f"--{name}="
    return int(next((a[len(prefix) :] for a in sys.argv if a.startswith(prefix)), default))


N_TOOLS = _option("tools", 100_000)
N_ORGS = max(1, N_TOOLS // 10)
REQUESTS = _option("requests", 2000)
CONCURRENCY = _option("concurrency", 8)
WORKERS = 2
ROOT = Path(__file__).resolve().parent.parent


# --- The load driver (runs in its own process) -----------------------------------------------


def drive(port: int, paths: list[str], headers: dict, total: int, concurrency: int) -> dict:
    """Send `total` GETs (cycling through `paths`) from `concurrency` threads."""
    latencies: list[float] = []
    errors = {"count": 0}
    lock = threading.Lock()
    counter = {"next": 0}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local, failed = [], 0
        while True:
            with lock:
                i = counter["next"]
                counter["next"] += 1
            if i >= total:
                break
            path = paths[i % len(paths)]
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            local.append((time.perf_counter() - start) * 1000)
        conn.close()
        with lock:
            latencies.extend(local)
            errors["count"] += failed

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors["count"],
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[max(0, int(round(0.95 * len(latencies))) - 1)],
    }


def run_driver(port: int, scenario: dict) -> dict:
    """Run `drive` in a second Python process and return its figures."""
    payload = json.dumps({"port": port, **scenario})
    result = subprocess.run(
        [sys.executable, __file__, "--drive"],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


# --- Building the catalogue --------------------------------------------------------------------


def build() -> dict:
    from datetime import timedelta

    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts import tokens
    from accounts.models import Membership, Organization, User
    from registry.models import Tool

    rng = random.Random(11)
    sectors = ["ngo", "government", "law_enforcement", "private_sector", "academic"]
    visibilities = (
        ["public"] * 14 + ["registered"] * 2 + ["verified"] * 2 + ["restricted", "private"]
    )
    functions = [
        "victim_identification",
        "case_management",
        "mapping",
        "training",
        "hotline_reporting",
        "supply_chain",
        "research_data",
        "worker_voice",
    ]
    with transaction.atomic():
        groups = Group.objects.bulk_create([Group(name=f"org:api-{i}") for i in range(N_ORGS)])
        orgs = Organization.objects.bulk_create(
            [
                Organization(
                    name=f"Organization {i}",
                    slug=f"api-{i}",
                    sector=rng.choice(sectors),
                    country="US",
                    verification_status="verified",
                    group=groups[i],
                )
                for i in range(N_ORGS)
            ],
            batch_size=2000,
        )
        tools = Tool.objects.bulk_create(
            [
                Tool(
                    slug=f"tool-{i}",
                    name=f"Tool {i:06d}",
                    organization=orgs[i % N_ORGS],
                    summary="A generated tool for the API benchmark.",
                    description="Longer text. " * 10,
                    availability="free",
                    maturity="deployed",
                    visibility=rng.choice(visibilities),
                )
                for i in range(N_TOOLS)
            ],
            batch_size=5000,
        )
        links = [
            (Tool.purposes.through, "purpose_id", lambda t: ["disrupt"]),
            (Tool.functions.through, "function_id", lambda t: rng.sample(functions, 2)),
            (Tool.regions.through, "region_id", lambda t: [rng.choice(["US", "KE", "global"])]),
            (
                Tool.restricted_to_sectors.through,
                "sector_id",
                lambda t: ["law_enforcement"] if t.visibility == "restricted" else [],
            ),
        ]
        for through, column, codes in links:
            through.objects.bulk_create(
                [through(tool_id=t.pk, **{column: c}) for t in tools for c in codes(t)],
                batch_size=10000,
            )
        member = User.objects.create_user("member@bench.test", "bench-password-123")
        Membership.objects.create(user=member, organization=orgs[0], role="editor")
        _token, secret = tokens.token_create(
            user=member, name="bench", scope="read", expires_at=timezone.now() + timedelta(days=1)
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    public = [t for t in tools if t.visibility == "public"]
    detail_paths = [f"/api/v1/tools/{t.slug}/" for t in rng.sample(public, 500)]
    return {"secret": secret, "detail_paths": detail_paths}


def deep_list_paths(n: int = 200) -> list[str]:
    """First-page-of-50 requests that start deep in the catalogue, through keyset cursors."""
    from api.pagination import Cursor, KeysetPagination
    from registry.models import Tool

    paginator = KeysetPagination()
    rng = random.Random(5)
    rows = list(
        Tool.objects.filter(visibility="public").order_by("name", "pk").values_list("name", "pk")
    )
    paths = []
    for name, pk in rng.sample(rows[: len(rows) - 100], min(n, len(rows) - 100)):
        cursor = paginator.encode_cursor(Cursor("name", True, name, pk), Tool)
        paths.append(f"/api/v1/tools/?page_size=50&cursor={cursor}")
    return paths


# --- gunicorn ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_THROTTLE_ENABLED": "0",  # measure the API, not the rate limiter
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    stop_gunicorn(process)
    raise SystemExit("gunicorn did not start")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Main ----------------------------------------------------------------------------------


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _setup import fresh_database

    url = fresh_database("registry_bench_api")
    from django.db import connection

    print(
        f"database: {connection.vendor}; building {N_TOOLS:,} tools, {N_ORGS:,} organizations ...",
        flush=True,
    )
    started = time.perf_counter()
    world = build()
    deep = deep_list_paths()
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    connection.close()

    port = free_port()
    server = start_gunicorn(port, url)
    token = {"Authorization": f"Token {world['secret']}"}
    scenarios = [
        ("tools list, page of 50, anonymous", ["/api/v1/tools/?page_size=50"], {}),
        ("tools list, page of 50, token", ["/api/v1/tools/?page_size=50"], token),
        ("tools list, deep page of 50 (cursor)", deep, {}),
        ("tool detail, anonymous", world["detail_paths"], {}),
    ]
    try:
        print(
            f"gunicorn: {WORKERS} workers on 127.0.0.1:{port}; driver: {CONCURRENCY} "
            f"threads in a second process, {REQUESTS} requests per scenario",
            flush=True,
        )
        for label, paths, headers in scenarios:
            # Warm up both workers (imports, connections, caches) before measuring.
            run_driver(
                port, {"paths": paths, "headers": headers, "total": 40, "concurrency": CONCURRENCY}
            )
            figures = run_driver(
                port,
                {"paths": paths, "headers": headers, "total": REQUESTS, "concurrency": CONCURRENCY},
            )
            print(
                f"{label:<40} {figures['rps']:7.1f} req/s   p50 {figures['p50']:7.1f} ms   "
                f"p95 {figures['p95']:7.1f} ms   errors {figures['errors']}",
                flush=True,
            )
    finally:
        stop_gunicorn(server)


if __name__ == "__main__":
    if "--drive" in sys.argv:
        spec = json.loads(sys.stdin.read())
        print(
            json.dumps(
                drive(
                    spec["port"], spec["paths"], spec["headers"], spec["total"], spec["concurrency"]
                )
            )
        )
    else:
        main()
