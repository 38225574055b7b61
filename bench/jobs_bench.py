"""Jobs benchmark (`make bench-jobs`; not a test): matching at province scale.

    uv run python bench/jobs_bench.py [--members 1000000] [--postings 50000] [--samples 40]

Uses DATABASE_URL (an admin DSN: a database of its own is created and dropped) or an embedded
PostgreSQL. Fills jobs' tables with generated data by SQL (members with skills, job-seekers for 60% of
them, households with 建档立卡/monitored flags, employers, open postings, placements and follow-ups),
then lets migrations 0010-0011 make the read models matching and the ledger read (candidates with their
household tier, household employment, the pre-aggregated ledger) as an upgrade would, and times,
through the service's own query functions:
  1. the top-50 candidates for a posting (household priority, then score), for a county and for the
     whole province, against a plain indexed SQL filter of the same candidate set (no score, no priority);
  2. the top-50 postings for a job-seeker, against the same plain filter;
  3. the employment ledger read (county level for the province, village level for a county).
Prints p50/p95 in ms and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from kite_common.auth import Principal
from kite_common.db.migrations import migrate
from kite_common.db.pool import connect
from kite_common.localstack.infra import drop_database, ensure_database, start_embedded_postgres, stop_embedded_postgres
from kite_jobs.adapters.candidates import candidate_of, candidates_for_posting, postings_for_seeker, seeker_candidate
from kite_jobs.application.employment_ledger import LedgerLevel, employment_ledger
from kite_jobs.application.recommend_postings import terms_of
from kite_jobs.service import SERVICE

TARGET_P95_MS = 300
FIRST_DERIVED = 10  # jobs migration 0010: the candidates read model, filled from the tables below
COUNTIES = ["522631", "522632", "522633", "522634", "522635", "530625", "530626", "520102", "520103", "520111"]
CITIES = ["3301", "3302", "3303", "3205", "4403", "4419", "5201", "5226", "3201", "3101"]
SKILLS = [
    "电工", "焊工", "钢筋工", "砌筑工", "木工", "架子工", "育婴师", "家政", "厨师", "保安",
    "普工", "叉车", "缝纫", "装配", "质检", "司机", "水电工", "油漆工", "瓦工", "钳工",
    "车工", "美发", "养老护理", "电商", "快递", "仓管", "客服", "茶艺", "绣娘", "采茶",
]  # fmt: skip
CERTS = ["电工证", "焊工证", "叉车证", "育婴员证", "健康证"]

FILL = [
    # members: origin across 6,000 villages (20 townships of 30) of ten counties in two provinces; 1-3 skills;
    # 30% employed per roster
    """INSERT INTO members (member_id, name, gender, birth_year, origin_division_code, current_city, employer,
           is_party_member, skills, registered_at, version)
       SELECT gen_random_uuid(), 'm' || i, CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END,
              1965 + (i::bigint * 7919) % 41,
              ($1::text[])[1 + i % 10] || lpad((100 + (i / 10) % 20)::text, 3, '0')
                  || lpad((1 + (i / 200) % 30)::text, 3, '0'),
              'x', CASE WHEN i % 10 < 3 THEN '某厂' END, false,
              ARRAY(SELECT DISTINCT ($2::text[])[1 + (i::bigint * k * 31 + k) % 30]
                    FROM generate_series(1, 1 + i % 3) k),
              now(), 1
       FROM generate_series(1, $3::int) i""",
    # job-seekers: 60% of members; 40% willing to move; wages 3000-10000 yuan; one certificate for 30%
    """INSERT INTO seekers (member_id, origin_division_code, desired_division_code, willing_to_move,
           expected_wage_fen, certificates, available_from, registered_at, recorded_by, version)
       SELECT member_id, origin_division_code,
              ($1::text[])[1 + abs(hashtext(member_id::text)) % 10] || '00000000',
              abs(hashtext(member_id::text || 'w')) % 10 < 4,
              300000 + abs(hashtext(member_id::text || 'e')) % 700000,
              CASE WHEN abs(hashtext(member_id::text || 'c')) % 10 < 3
                   THEN ARRAY[($2::text[])[1 + abs(hashtext(member_id::text || 'c')) % 5]] ELSE '{}' END,
              current_date - 30 + abs(hashtext(member_id::text || 'a')) % 60, now(), 'bench', 1
       FROM members WHERE abs(hashtext(member_id::text)) % 10 < 6""",
    # households of three members each (in member order), 20% 建档立卡, 5% monitored
    """WITH numbered AS (SELECT member_id, origin_division_code, row_number() OVER (ORDER BY member_id) AS n
                        FROM members)
       INSERT INTO household_members (household_id, member_id)
       SELECT md5('h' || (n / 3))::uuid, member_id FROM numbered""",
    """INSERT INTO households (household_id, division_code, poverty_registered, monitored, roster_version)
       SELECT hm.household_id, min(m.origin_division_code),
              abs(hashtext(hm.household_id::text)) % 10 < 2, abs(hashtext(hm.household_id::text)) % 20 = 0, 1
       FROM household_members hm JOIN members m USING (member_id) GROUP BY hm.household_id""",
    """INSERT INTO employers (employer_id, name, unified_social_credit_code, hiring_division_code,
           area_division_code, registered_at, registered_by, version)
       SELECT gen_random_uuid(), 'e' || i, NULL, ($1::text[])[1 + i % 10] || '00000000',
              '522631000000', now(), 'bench', 1
       FROM generate_series(1, 5000) i""",
    # open postings: 1-3 skills, one certificate for 20%, age 18-50 for half
    """INSERT INTO postings (posting_id, employer_id, title, skills_required, headcount, wage_min_fen, wage_max_fen,
           place_division_code, age_min, age_max, certificates_required, opens_on, closes_on, area_division_code,
           opened_at, opened_by, version)
       SELECT gen_random_uuid(), e.employer_id, 'p' || i,
              ARRAY(SELECT DISTINCT ($2::text[])[1 + (i * k * 17 + k) % 30] FROM generate_series(1, 1 + i % 3) k),
              10, 400000 + (i % 5) * 50000, 700000 + (i % 7) * 50000,
              ($1::text[])[1 + i % 10] || lpad((1 + i % 9)::text, 2, '0') || '000000',
              CASE WHEN i % 2 = 0 THEN 18 END, CASE WHEN i % 2 = 0 THEN 50 END,
              CASE WHEN i % 5 = 0 THEN ARRAY[($3::text[])[1 + i % 5]] ELSE '{}' END,
              current_date, current_date + 60,
              ($4::text[])[1 + i % 10] || '000000', now(), 'bench', 1
       FROM generate_series(1, $5::int) i
       JOIN LATERAL (SELECT employer_id FROM employers OFFSET i % 5000 LIMIT 1) e ON true""",
    # placements of 100,000 job-seekers started over 500 days, with 3- and 6-month follow-ups
    """INSERT INTO placements (placement_id, posting_id, employer_id, member_id, member_origin_division_code,
           area_division_code, place_division_code, title, start_date, wage_fen, placed_at, placed_by, version)
       SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), member_id, origin_division_code,
              left(origin_division_code, 6) || '000000', desired_division_code, 't',
              current_date - 200 - abs(hashtext(member_id::text || 's')) % 500, 600000, now(), 'bench', 1
       FROM seekers ORDER BY member_id LIMIT 100000""",
    """INSERT INTO follow_ups (placement_id, month, due_on, member_id, member_origin_division_code, status,
           followed_up_on, still_employed)
       SELECT placement_id, m, start_date + m * 30, member_id, member_origin_division_code, 'recorded',
              start_date + m * 30, abs(hashtext(placement_id::text || m)) % 10 < 8
       FROM placements, unnest(ARRAY[3, 6]) m""",
]


async def fill(conn: Any, members: int, postings: int) -> None:
    counties = list(COUNTIES)
    args = [
        (counties, SKILLS, members),
        (CITIES, CERTS),
        (),
        (),
        (CITIES,),
        (CITIES, SKILLS, CERTS, counties, postings),
        (),
        (),
    ]
    for sql, a in zip(FILL, args, strict=True):
        started = time.perf_counter()
        await conn.execute(sql, *a)
        print(f"  filled in {time.perf_counter() - started:.1f}s: {sql.split()[2]}", flush=True)
    await conn.execute("ANALYZE")


def ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return {"p50": round(statistics.median(ordered) * 1000, 1), "p95": round(p95 * 1000, 1)}


PLAIN_FOR_POSTING = """
SELECT s.member_id FROM seekers s JOIN members m USING (member_id)
WHERE s.origin_division_code LIKE $1 AND (s.desired_city = $2 OR s.willing_to_move) AND m.deregistered_at IS NULL
  AND m.skills && $3::text[] AND s.expected_wage_fen <= $4 AND s.certificates @> $5::text[]
  AND s.available_from <= $6
ORDER BY s.member_id LIMIT 50"""

PLAIN_FOR_SEEKER = """
SELECT p.posting_id FROM postings p
WHERE p.status = 'open' AND p.area_division_code LIKE $1 AND p.skills_required && $2::text[]
  AND p.closes_on >= $3 AND (left(p.place_division_code, 4) = $4 OR $5::boolean) AND p.wage_max_fen >= $6
  AND p.certificates_required <@ $7::text[] AND p.filled_count < p.headcount
ORDER BY p.posting_id LIMIT 50"""


async def measure(conn: Any, samples: int) -> dict[str, Any]:
    today = date.today()
    posting_rows = await conn.fetch("SELECT * FROM postings TABLESAMPLE SYSTEM (5) LIMIT $1", samples)
    seeker_rows = await conn.fetch("SELECT member_id FROM seekers TABLESAMPLE SYSTEM (1) LIMIT $1", samples)
    out: dict[str, Any] = {}
    for scope, like in (("county", "522631%"), ("province", "52%")):
        scored, plain, found = [], [], []
        for row in posting_rows:
            terms = terms_of(row)
            started = time.perf_counter()
            found.append(len(await candidates_for_posting(conn, row["posting_id"], terms, like, today, 50)))
            scored.append(time.perf_counter() - started)
            started = time.perf_counter()
            await conn.fetch(
                PLAIN_FOR_POSTING,
                like,
                terms.place_division_code[:4],
                list(terms.skills_required),
                terms.wage_max_fen,
                list(terms.certificates_required),
                terms.closes_on,
            )
            plain.append(time.perf_counter() - started)
        out[f"candidates_for_posting_{scope}"] = summary(scored, plain, found)
    scored, plain, found = [], [], []
    for seeker in seeker_rows:
        row = await seeker_candidate(conn, seeker["member_id"])
        if row is None:
            continue
        c = candidate_of(row)
        started = time.perf_counter()
        found.append(len(await postings_for_seeker(conn, c, "52%", today, 50)))
        scored.append(time.perf_counter() - started)
        started = time.perf_counter()
        await conn.fetch(
            PLAIN_FOR_SEEKER,
            "52%",
            list(c.skills),
            today,
            c.desired_division_code[:4],
            c.willing_to_move,
            c.expected_wage_fen,
            list(c.certificates),
        )
        plain.append(time.perf_counter() - started)
    out["postings_for_seeker_province"] = summary(scored, plain, found)
    for name, principal, level in (
        ("ledger_province_by_county", Principal("bench", frozenset({"viewer"}), "52"), LedgerLevel.COUNTY),
        ("ledger_county_by_village", Principal("bench", frozenset({"viewer"}), "522631"), LedgerLevel.VILLAGE),
    ):
        times = []
        for _ in range(20):
            started = time.perf_counter()
            await employment_ledger(conn, principal, level)
            times.append(time.perf_counter() - started)
        out[name] = ms(times)
    return out


def summary(scored: list[float], plain: list[float], found: list[int]) -> dict[str, Any]:
    return ms(scored) | {
        "plain_filter": ms(plain),
        "ratio_p95": round(ms(scored)["p95"] / max(ms(plain)["p95"], 0.1), 2),
        "mean_found": round(statistics.mean(found), 1) if found else 0,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--postings", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    admin = os.environ.get("DATABASE_URL")
    data = None
    if not admin:
        data = Path(tempfile.mkdtemp(prefix="kite-bench-pg-"))
        admin = start_embedded_postgres(data)
    name = f"kite_bench_jobs_{os.getpid()}"
    try:
        dsn = await ensure_database(admin, name)
        conn = await connect(dsn)
        try:
            # the tables the generated rows go in, then the read models made from them (candidates, household
            # employment, the pre-aggregated ledger: migrations 0010-0011 fill them as an upgrade would)
            every = SERVICE.migrations()
            before = [m for m in every if m.component != "jobs" or m.version < FIRST_DERIVED]
            await migrate(conn, before)
            print(f"filling {args.members:,} members, {args.postings:,} postings…", flush=True)
            await fill(conn, args.members, args.postings)
            started = time.perf_counter()
            await migrate(conn, every)
            await conn.execute("ANALYZE")
            print(f"  read models made from them in {time.perf_counter() - started:.1f}s", flush=True)
            result = await measure(conn, args.samples)
        finally:
            await conn.close()
        for key, value in result.items():
            print(f"{key}: {value}")
        worst = max(v["p95"] for v in result.values())
        print(f"target p95 < {TARGET_P95_MS} ms: {'met' if worst < TARGET_P95_MS else 'NOT met'} (worst {worst} ms)")
    finally:
        await drop_database(admin, name)
        if data is not None:
            stop_embedded_postgres(data)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
