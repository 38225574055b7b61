"""`make bench`: every benchmark section in turn, or the ones named in BENCH (e.g. BENCH=http).

Each section is a script of its own, runnable alone, printing its figures as ratios to a reference
measured in the same run. Extra arguments (BENCH_ARGS) go to the section when one is named.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SECTIONS = {
    "store": "store_bench.py",  # append one event with its outbox: unit of work against raw INSERT transactions
    "register": "register_bench.py",  # roster's register command, no HTTP, against raw INSERT transactions
    "http": "http_bench.py",  # an empty POST: Kite's app factory against plain FastAPI, CPU per request
    "members-http": "members_http_bench.py",  # POST /members against a hello-world POST; p99 at half its rate
    "e2e": "e2e_bench.py",  # 200 registrations/s for 60 s through `kite up`: all accepted? welcome p95 after the 201
    "bulk": "bulk_bench.py",  # bulk append of 50,000 new streams against a raw COPY of the same rows
    "relay": "relay_bench.py",  # the outbox relay draining 10,000 events against raw aiokafka, same messages and broker
    "consumers": "consumer_bench.py",  # CPU per mirrored roster event in each consuming service vs a plain consumer
    "roster": "roster_bench.py",  # import of 1,000,000 members against COPY; search p50/p95
    "monitoring": "monitoring_bench.py",  # pairing proposal for a county of 50,000 households vs a plain scan
    "console": "console_bench.py",  # console pages against the same query through the API; live fan-out
    "casework": "casework_bench.py",  # open cases; deadline-worker lag p95; queue, search, ledger p95
    "jobs": "jobs_bench.py",  # top-50 matching both ways among 1,000,000 members against a plain filter; ledger p95
    "notify": "notify_bench.py",  # broadcast to 1,000,000 members against COPY; peak memory; SMS rate vs its limit
}


def main() -> int:
    chosen = [s for s in (sys.argv[1] if len(sys.argv) > 1 else "").replace(",", " ").split() if s]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        print(f"unknown bench section(s): {', '.join(unknown)}; known: {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    extra = sys.argv[2:] if len(chosen) == 1 else []
    for name in chosen or list(SECTIONS):
        print(f"\n=== bench: {name} ===", flush=True)
        code = subprocess.call([sys.executable, str(HERE / SECTIONS[name]), *extra])  # noqa: S603
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
