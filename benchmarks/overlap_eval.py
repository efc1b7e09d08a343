"""How well the overlap engine finds the existing tools a draft duplicates.

    .venv/bin/python benchmarks/overlap_eval.py [--queries PATH] [--no-embeddings]
                                                [--verbose] [--postgres]

Loads ../shared/data/tools_catalog.json into a fresh database (a temporary SQLite file, or
PostgreSQL with --postgres), embeds every tool, then sends each query of
benchmarks/overlap_queries.json as an anonymous POST through OverlapView, the code path of
`POST /api/v1/overlap/`, and prints:

* recall@5 (expected tools found in the top five, out of at most five) and MRR, for English,
  Spanish and Chinese, and for the paraphrased and the short facet-driven subsets;
* the share of no-match queries whose results include a likely duplicate (target <= 5%) and
  the share of duplicate drafts whose tool is flagged;
* how many restricted tools came back to the anonymous caller (must be 0);
* a calibration table of the duplicate threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from _setup import ROOT, fresh_database

CATALOG = ROOT.parent / "shared" / "data" / "tools_catalog.json"
QUERIES = Path(__file__).resolve().parent / "overlap_queries.json"
LIMIT = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--catalog", type=Path, default=CATALOG)
    parser.add_argument("--no-embeddings", action="store_true", help="lexical only")
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    parser.add_argument("--postgres", action="store_true", help="use the local PostgreSQL")
    return parser.parse_args()


def load_catalogue(path: Path) -> None:
    from registry.catalog import import_catalog_file

    report = import_catalog_file(path, actor=None)
    if not report.ok:
        for error in report.errors[:20]:
            print("import error:", error, file=sys.stderr)
        raise SystemExit("The catalogue did not import.")


def embed_all() -> float:
    from registry.models import Tool
    from registry.overlap import rebuild_embeddings

    start = time.perf_counter()
    written = rebuild_embeddings(Tool, batch_size=16)
    elapsed = time.perf_counter() - start
    print(f"embedded {written} tools in {elapsed:.1f} s")
    return elapsed


def post_overlap(view, factory, payload: dict):
    request = factory.post("/api/v1/overlap/", payload, format="json")
    response = view(request)
    response.render()
    return response.status_code, json.loads(response.content)


def metrics(rows: list[dict]) -> dict[str, float]:
    if not rows:
        return {"n": 0, "recall@5": float("nan"), "hit@5": float("nan"), "mrr": float("nan")}
    recall, hits, rr = [], [], []
    for row in rows:
        expected = set(row["expected"])
        top5 = row["slugs"][:5]
        recall.append(len(expected & set(top5)) / min(len(expected), 5))
        hits.append(1.0 if expected & set(top5) else 0.0)
        rank = next((i + 1 for i, s in enumerate(row["slugs"]) if s in expected), None)
        rr.append(1.0 / rank if rank else 0.0)
    return {
        "n": len(rows),
        "recall@5": statistics.fmean(recall),
        "hit@5": statistics.fmean(hits),
        "mrr": statistics.fmean(rr),
    }


def main() -> int:
    args = parse_args()
    # BENCH_DB names the database (several people may run the evaluation at once).
    url = fresh_database(os.environ.get("BENCH_DB", "overlap_eval"))
    from django.conf import settings

    settings.REGISTRY_EMBEDDINGS = not args.no_embeddings
    from rest_framework.test import APIRequestFactory

    from api.overlap import OverlapView
    from registry import embeddings

    print(f"database: {url.split('@')[-1]}")
    catalogue = json.loads(args.catalog.read_text())
    restricted = {t["key"] for t in catalogue["tools"] if t.get("visibility") != "public"}
    known = {t["key"] for t in catalogue["tools"]}
    start = time.perf_counter()
    load_catalogue(args.catalog)
    print(
        f"imported {len(known)} tools in {time.perf_counter() - start:.1f} s "
        f"({len(restricted)} not public)"
    )
    if embeddings.is_available():
        embed_all()
    else:
        print("embeddings: off (lexical only)")

    queries = json.loads(args.queries.read_text())["queries"]
    for q in queries:
        unknown = set(q.get("expected", [])) - known
        if unknown:
            raise SystemExit(f"{q['id']}: unknown expected keys {sorted(unknown)}")
        leaked = set(q.get("expected", [])) & restricted
        if leaked:
            raise SystemExit(f"{q['id']}: expects restricted tools {sorted(leaked)}")

    view = OverlapView.as_view(throttle_classes=[])
    factory = APIRequestFactory()
    rows, latencies, leaks = [], [], 0
    for q in queries:
        payload = {
            k: q[k]
            for k in (
                "kind",
                "title",
                "description",
                "functions",
                "trafficking_types",
                "target_users",
                "regions",
                "language",
            )
            if k in q
        }
        payload["limit"] = LIMIT
        t0 = time.perf_counter()
        status, body = post_overlap(view, factory, payload)
        latencies.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise SystemExit(f"{q['id']}: HTTP {status} {body}")
        results = body["results"]
        slugs = [r["slug"] for r in results if r["type"] == "tool"]
        leaks += sum(1 for s in slugs if s in restricted)
        rows.append({**q, "slugs": slugs, "results": results})

    def subset(pred):
        return [r for r in rows if r.get("expected") and pred(r)]

    def lang(r):
        return r.get("language", "en").split("-")[0]

    groups = [
        ("English", subset(lambda r: lang(r) == "en")),
        ("Spanish", subset(lambda r: lang(r) == "es")),
        ("Chinese", subset(lambda r: lang(r) == "zh")),
        ("paraphrase (all languages)", subset(lambda r: "paraphrase" in r.get("tags", []))),
        (
            "paraphrase (English)",
            subset(lambda r: "paraphrase" in r.get("tags", []) and lang(r) == "en"),
        ),
        ("short facet-driven", subset(lambda r: "facet" in r.get("tags", []))),
        ("all with an answer", subset(lambda r: True)),
    ]
    print()
    print(f"{'subset':<30} {'n':>4} {'recall@5':>9} {'hit@5':>7} {'MRR':>7}")
    for name, group in groups:
        m = metrics(group)
        print(f"{name:<30} {m['n']:>4} {m['recall@5']:>9.3f} {m['hit@5']:>7.3f} {m['mrr']:>7.3f}")

    no_match = [r for r in rows if "nomatch" in r.get("tags", [])]
    flagged = [r for r in no_match if any(x["likely_duplicate"] for x in r["results"])]
    duplicates = [r for r in rows if "duplicate" in r.get("tags", [])]
    dup_flagged = [
        r
        for r in duplicates
        if any(x["likely_duplicate"] and x["slug"] in r["expected"] for x in r["results"])
    ]
    answered = subset(lambda r: True)
    top_flagged_wrong = [
        r
        for r in answered
        if r["results"]
        and r["results"][0]["likely_duplicate"]
        and r["results"][0]["slug"] not in r["expected"]
    ]
    print()
    print(
        f"no-match queries flagged likely_duplicate: {len(flagged)}/{len(no_match)} "
        f"= {len(flagged) / max(1, len(no_match)):.1%}"
    )
    print(
        f"duplicate drafts whose tool is flagged:    {len(dup_flagged)}/{len(duplicates)} "
        f"= {len(dup_flagged) / max(1, len(duplicates)):.1%}"
    )
    print(
        f"answered queries whose top result is flagged but not expected: "
        f"{len(top_flagged_wrong)}/{len(answered)}"
    )
    print(f"restricted tools returned to anonymous: {leaks}")
    latencies.sort()
    print(
        f"latency per request: p50 {statistics.median(latencies):.0f} ms, "
        f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.0f} ms"
    )

    # Calibration: the best score of each no-match query against that of each duplicate.
    print()
    print("duplicate threshold calibration (top score of each query):")
    nm_scores = sorted(r["results"][0]["score"] if r["results"] else 0.0 for r in no_match)
    dup_scores = sorted(
        max((x["score"] for x in r["results"] if x["slug"] in r["expected"]), default=0.0)
        for r in duplicates
    )
    print("  no-match top scores :", " ".join(f"{s:.2f}" for s in nm_scores))
    print("  duplicate scores    :", " ".join(f"{s:.2f}" for s in dup_scores))
    for threshold in [x / 100 for x in range(50, 81, 2)]:
        nm = sum(1 for s in nm_scores if s >= threshold) / max(1, len(nm_scores))
        dp = sum(1 for s in dup_scores if s >= threshold) / max(1, len(dup_scores))
        print(
            f"  score >= {threshold:.2f}: no-match flagged {nm:6.1%}, duplicates flagged {dp:6.1%}"
        )

    if args.verbose:
        print()
        print("misses (expected not in top 5):")
        by_language = defaultdict(list)
        for r in answered:
            if not set(r["expected"]) & set(r["slugs"][:5]):
                by_language[lang(r)].append(r)
        for _, misses in sorted(by_language.items()):
            for r in misses:
                print(f"- [{r['id']}] {r['title']!r} expected {r['expected']}")
                for x in r["results"][:5]:
                    print(
                        f"    {x['score']:.3f} {'D' if x['likely_duplicate'] else ' '} {x['slug']}"
                    )
        print()
        print("no-match queries flagged:")
        for r in flagged:
            top = r["results"][0]
            print(f"- [{r['id']}] {r['title']!r} -> {top['slug']} {top['score']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
