"""How much the permission filter costs on a large catalogue.

Lists 100,000 tools (a page of 50 plus the total count, as the API does) for an anonymous
caller and for a member of a verified organization that 50 private tools are shared with,
among 100,000 other share rows. Prints p50/p95 for the bare queryset and the full API
request, and the member/anonymous ratio (target: at most 1.5).

    .venv/bin/python benchmarks/access_bench.py             # SQLite
    .venv/bin/python benchmarks/access_bench.py --postgres  # local PostgreSQL
"""

from __future__ import annotations

import random
import sys

from _setup import fresh_database, timed

N_TOOLS = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--tools=")), 100_000))
N_ORGS = N_TOOLS // 10
N_OTHER_SHARES = N_TOOLS
PAGE = 50


def build() -> tuple:
    from django.contrib.auth.models import Group, Permission
    from django.db import connection, transaction

    from accounts.models import Membership, Organization, User
    from registry.models import Tool, ToolGroupObjectPermission

    rng = random.Random(7)
    sectors = ["ngo", "government", "law_enforcement", "private_sector", "academic"]
    visibilities = (
        ["public"] * 14 + ["registered"] * 2 + ["verified"] * 2 + ["restricted", "private"]
    )
    with transaction.atomic():
        groups = Group.objects.bulk_create([Group(name=f"org:bench-{i}") for i in range(N_ORGS)])
        orgs = Organization.objects.bulk_create(
            [
                Organization(
                    name=f"Organization {i}",
                    slug=f"bench-{i}",
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
                    summary="A generated tool.",
                    availability="free",
                    maturity="deployed",
                    visibility=rng.choice(visibilities),
                )
                for i in range(N_TOOLS)
            ],
            batch_size=5000,
        )
        through = Tool.restricted_to_sectors.through
        through.objects.bulk_create(
            [
                through(tool_id=t.pk, sector_id="law_enforcement")
                for t in tools
                if t.visibility == "restricted"
            ],
            batch_size=5000,
        )
        view_tool = Permission.objects.get(codename="view_tool", content_type__app_label="registry")
        private = [t for t in tools if t.visibility == "private"]
        member_org = orgs[0]
        shares = [
            ToolGroupObjectPermission(
                permission=view_tool, group_id=member_org.group_id, content_object_id=t.pk
            )
            for t in rng.sample(private, 50)
        ]
        seen = {(s.group_id, s.content_object_id) for s in shares}
        while len(shares) < 50 + N_OTHER_SHARES:
            g, t = rng.choice(groups).pk, rng.choice(private).pk
            if (g, t) not in seen and g != member_org.group_id:
                seen.add((g, t))
                shares.append(
                    ToolGroupObjectPermission(permission=view_tool, group_id=g, content_object_id=t)
                )
        ToolGroupObjectPermission.objects.bulk_create(shares, batch_size=5000)
        member = User.objects.create_user("member@bench.test", "bench-password-123")
        Membership.objects.create(user=member, organization=member_org, role="viewer")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return member


def main() -> None:
    url = fresh_database("registry_bench_access")
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from registry import selectors

    print(f"database: {connection.vendor} ({url})")
    print(
        f"building {N_TOOLS:,} tools, {N_ORGS:,} organizations, "
        f"{N_OTHER_SHARES + 50:,} share rows ...",
        flush=True,
    )
    member = build()

    def query_page(user):
        def run():
            qs = selectors.tool_list(user).order_by("name", "pk")
            total = qs.count()
            page = list(qs[:PAGE])
            assert len(page) == PAGE and total > 0

        return run

    def line(label, figures):
        return f"{label:<34} p50 {figures['p50']:8.1f} ms   p95 {figures['p95']:8.1f} ms"

    anonymous = AnonymousUser()
    member = User.objects.get(pk=member.pk)
    visible_anon = selectors.tool_list(anonymous).count()
    visible_member = selectors.tool_list(member).count()
    print(f"visible to anonymous: {visible_anon:,}; to the member: {visible_member:,}")

    anon_q = timed(query_page(anonymous))
    member_q = timed(query_page(member))
    print(line("queryset page+count, anonymous", anon_q))
    print(line("queryset page+count, member", member_q), flush=True)

    anon_client, member_client = Client(), Client()
    member_client.force_login(member)

    def api(client):
        def run():
            response = client.get(f"/api/v1/tools/?page_size={PAGE}")
            assert response.status_code == 200, response.status_code

        return run

    anon_api = timed(api(anon_client), repeat=20)
    member_api = timed(api(member_client), repeat=20)

    print(line("API list page of 50, anonymous", anon_api))
    print(line("API list page of 50, member", member_api))
    print(f"ratio member/anonymous (queryset p50): {member_q['p50'] / anon_q['p50']:.2f}")
    print(f"ratio member/anonymous (API p50):      {member_api['p50'] / anon_api['p50']:.2f}")


if __name__ == "__main__":
    main()
