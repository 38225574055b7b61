"""An import job survives its worker dying mid-file: the next worker resumes at the last checkpoint,
and nothing is written twice."""

from __future__ import annotations

import asyncio
import csv
import io
import os
from datetime import date, timedelta

import pytest
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import auth, eventually, running
from kite_roster.importing.worker import import_worker
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"
REGISTRAR = auth(["registrar"], COUNTY, subject="county-registrar")
ROWS = 1500


def runtime_of(svc) -> ServiceRuntime:  # type: ignore[no-untyped-def]
    """The roster's runtime over the test service's pool (what a worker is handed)."""
    return ServiceRuntime(SERVICE, svc.pool, svc.kafka)


def id_number(seq: int) -> str:
    birth = date(1980, 1, 1) + timedelta(days=seq // 1000)
    first17 = f"{COUNTY}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_digit(first17)


def file_bytes() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["姓名", "身份证号", "手机号", "户籍地", "务工城市"])
    for i in range(1, ROWS + 1):
        name = "" if i % 100 == 0 else f"吴{i}"  # every 100th row is reported, not imported
        writer.writerow([name, id_number(i), f"139{i:08d}", f"{COUNTY}101001", "深圳"])
    return out.getvalue().encode("gbk")


@pytest.fixture(params=["reader-thread", "reader-processes"])
async def roster(infra, prefix, monkeypatch, request):
    monkeypatch.setenv("KITE_IMPORT_POLL_INTERVAL_S", "0.05")
    monkeypatch.setenv("KITE_IMPORT_BATCH_ROWS", "50")
    # The file is small: read in a thread unless every file is to be read in a process of its own.
    monkeypatch.setenv(
        "KITE_IMPORT_READER_PROCESS_MIN_BYTES", "0" if request.param == "reader-processes" else "1000000000"
    )
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


async def _job(roster) -> str:
    async with roster.client(headers=REGISTRAR) as http:
        response = await http.post("/imports", content=file_bytes(), params={"filename": "resume.csv"})
    assert response.status_code == 202
    return str(response.json()["job_id"])


async def _rows_read(pool, job_id: str) -> int:
    return int(await pool.fetchval("SELECT rows_read FROM import_jobs WHERE job_id = $1::uuid", job_id))


async def _finish_with_a_fresh_worker(roster, job_id: str) -> dict:
    stop = asyncio.Event()
    task = asyncio.create_task(import_worker(runtime_of(roster), stop))
    try:
        async with roster.client(headers=REGISTRAR) as http:

            async def done() -> dict | None:
                job = (await http.get(f"/imports/{job_id}")).json()
                return job if job["status"] in ("done", "failed") else None

            return await eventually(done, timeout=60, interval=0.05)
    finally:
        stop.set()
        await task


async def _assert_imported_exactly_once(roster, job: dict) -> None:
    expected_failed = ROWS // 100
    assert job["status"] == "done", job
    assert job["counts"] == {"total": ROWS, "created": ROWS - expected_failed, "skipped": 0, "failed": expected_failed}
    pool = roster.pool
    assert await pool.fetchval("SELECT count(*) FROM members") == ROWS - expected_failed
    assert await pool.fetchval("SELECT count(*) FROM member_pii") == ROWS - expected_failed
    assert await pool.fetchval("SELECT count(*) FROM events") == ROWS - expected_failed
    assert await pool.fetchval("SELECT count(*) FROM outbox") == ROWS - expected_failed
    reported = await pool.fetch("SELECT row_number FROM import_problems ORDER BY row_number")
    assert [r["row_number"] for r in reported] == [i + 1 for i in range(100, ROWS + 1, 100)]
    # Counted into the registration ledger once each, and folded into its counters at the end.
    assert await pool.fetchval("SELECT count(*) FROM registration_ledger_pending") == 0
    counted = "SELECT sum(members) FROM registration_ledger WHERE dimension = 'city'"
    assert await pool.fetchval(counted) == ROWS - expected_failed


def _our_reader_processes() -> list[str]:
    """Reader processes this test process started that are still running (Linux /proc)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if parent == os.getpid() and "kite_roster.importing.reader_process" in command:
            found.append(pid)
    return found


async def test_a_worker_killed_mid_import_is_resumed_without_duplicates(roster):
    job_id = await _job(roster)
    stop = asyncio.Event()
    first = asyncio.create_task(import_worker(runtime_of(roster), stop))
    await eventually(lambda: _past(roster.pool, job_id, 300), timeout=60, interval=0.01)
    first.cancel()  # the process dies: whatever batch was in flight is rolled back
    with pytest.raises(asyncio.CancelledError):
        await first
    checkpoint = await _rows_read(roster.pool, job_id)
    assert 300 <= checkpoint < ROWS
    assert _our_reader_processes() == []  # a reading process goes with its import
    assert await roster.pool.fetchval("SELECT status FROM import_jobs WHERE job_id = $1::uuid", job_id) == "running"

    job = await _finish_with_a_fresh_worker(roster, job_id)
    await _assert_imported_exactly_once(roster, job)
    assert await roster.pool.fetchval("SELECT attempts FROM import_jobs WHERE job_id = $1::uuid", job_id) == 2


async def test_a_database_session_cut_mid_import_is_resumed_by_the_same_worker(roster):
    job_id = await _job(roster)
    stop = asyncio.Event()
    task = asyncio.create_task(import_worker(runtime_of(roster), stop))
    try:
        await eventually(lambda: _past(roster.pool, job_id, 300), timeout=60, interval=0.01)
        # The session holding the job's lock is cut, as by a failover or a network fault.
        killed = await roster.pool.fetchval(
            """SELECT count(pg_terminate_backend(pid)) FROM pg_locks
               WHERE locktype = 'advisory' AND classid = x'696D7074'::int AND granted"""
        )
        assert killed == 1
        async with roster.client(headers=REGISTRAR) as http:

            async def done() -> dict | None:
                job = (await http.get(f"/imports/{job_id}")).json()
                return job if job["status"] == "done" else None

            job = await eventually(done, timeout=60, interval=0.05)
    finally:
        stop.set()
        await task
    await _assert_imported_exactly_once(roster, job)
    assert await roster.pool.fetchval("SELECT attempts FROM import_jobs WHERE job_id = $1::uuid", job_id) >= 2


async def _past(pool, job_id: str, rows: int) -> bool:
    return await _rows_read(pool, job_id) >= rows
