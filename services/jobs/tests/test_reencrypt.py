"""Key rotation covers jobs' encrypted employer contact phones (`kite jobs reencrypt`, the shared
rotation of kite_common): batched, resumable, refused with an unknown key, and the phones still read
the same, masked, afterwards."""

from __future__ import annotations

import asyncio
import base64

import pytest
from kite_common.identifiers.credit_code import check_character
from kite_common.privacy import FieldProtector
from kite_common.privacy.rotation import RotationRefused, reencrypt
from kite_common.testing.stack import TEST_SECRETS, auth, running
from kite_jobs.adapters.employer_contacts import CONTACT_PHONE_CONTEXT, ENCRYPTED_COLUMNS
from kite_jobs.api.deps import _protector
from kite_jobs.cli import jobs_cli
from kite_jobs.service import SERVICE
from typer.testing import CliRunner

COUNTY = "522631"
STAFF = auth(["employment"], COUNTY, subject="liping-hr")
OLD_KEY = base64.b64decode(TEST_SECRETS["KITE_CRYPTO_DATA_KEYS"].partition(":")[2])
OLD_ID = TEST_SECRETS["KITE_CRYPTO_DATA_KEYS"].partition(":")[0]
NEW_KEY = b"n" * 32
HASH_KEY = base64.b64decode(TEST_SECRETS["KITE_CRYPTO_HASH_KEY"])


def keys_env(*pairs: tuple[str, bytes]) -> str:
    return ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in pairs)


@pytest.fixture
async def jobs(infra, prefix):
    _protector.cache_clear()
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc
    _protector.cache_clear()


@pytest.fixture
def use_keys(monkeypatch):
    def use(data_keys: str) -> None:
        monkeypatch.setenv("KITE_CRYPTO_DATA_KEYS", data_keys)
        _protector.cache_clear()

    return use


def credit_code(seq: int) -> str:
    first17 = f"9133010600000{seq:04d}"
    return first17 + check_character(first17)


async def register(jobs, seq: int) -> None:
    body = {
        "name": f"某厂{seq}",
        "unified_social_credit_code": credit_code(seq),
        "hiring_division_code": "330106001001",
        "area_division_code": f"{COUNTY}000000",
        "contacts": [
            {"name": "王经理", "phone": f"139{seq:08d}"},
            {"name": "李主管", "phone": f"0571-8{seq:07d}"},
        ],
    }
    async with jobs.client(headers=STAFF) as http:
        created = await http.post("/employers", json=body)
    assert created.status_code == 201, created.text


async def stored(jobs) -> list[dict[str, object]]:
    return [dict(r) for r in await jobs.pool.fetch("SELECT * FROM employer_contact_pii ORDER BY contact_id")]


async def rotate(jobs, protector: FieldProtector, **options):
    async with jobs.pool.acquire() as conn:
        return await reencrypt(conn, protector, columns=ENCRYPTED_COLUMNS, **options)


async def test_contact_phones_are_reencrypted_in_resumable_batches_and_read_the_same(jobs, use_keys):
    for seq in range(1, 5):
        await register(jobs, seq)  # 8 phones under the old key
    before = await stored(jobs)
    old = FieldProtector({OLD_ID: OLD_KEY}, OLD_ID, HASH_KEY)
    phones = {r["contact_id"]: old.decrypt(str(r["phone_enc"]), CONTACT_PHONE_CONTEXT) for r in before}
    both = FieldProtector({"t2": NEW_KEY, OLD_ID: OLD_KEY}, "t2", HASH_KEY)

    class Stop(Exception):
        pass

    seen: list[int] = []

    def stop_after_two(n: int) -> None:
        seen.append(n)
        if len(seen) == 2:
            raise Stop

    with pytest.raises(Stop):
        await rotate(jobs, both, batch_size=3, on_batch=stop_after_two)
    halfway = await stored(jobs)
    assert sorted(str(r["phone_enc"]).partition(":")[0] for r in halfway) == [OLD_ID] * 2 + ["t2"] * 6

    report = await rotate(jobs, both, batch_size=3)
    assert report.reencrypted == {"employer_contact_pii.phone_enc": {OLD_ID: 2}}
    after = await stored(jobs)
    new_only = FieldProtector({"t2": NEW_KEY}, "t2", HASH_KEY)
    assert {r["contact_id"]: new_only.decrypt(str(r["phone_enc"]), CONTACT_PHONE_CONTEXT) for r in after} == phones
    # the blind index and the mask did not change; a second run changes nothing
    assert [(r["phone_hash"], r["phone_masked"]) for r in after] == [
        (r["phone_hash"], r["phone_masked"]) for r in before
    ]
    again = await rotate(jobs, new_only)
    assert (again.rows_changed, again.rows_visited) == (0, 0)

    use_keys(keys_env(("t2", NEW_KEY)))  # the old key retired: the api still answers the masked phones
    async with jobs.client(headers=STAFF) as http:
        listed = (await http.get("/employers")).json()["items"]
    assert sorted(c["phone_masked"] for e in listed for c in e["contacts"]) == sorted(
        str(r["phone_masked"]) for r in before
    )


async def test_an_unknown_key_is_refused_and_the_command_rotates_with_a_summary(jobs, use_keys, monkeypatch):
    for seq in range(10, 13):
        await register(jobs, seq)
    before = await stored(jobs)
    with pytest.raises(RotationRefused, match=rf"employer_contact_pii.phone_enc: 密钥编号 {OLD_ID}（6 个值）"):
        await rotate(jobs, FieldProtector({"t2": NEW_KEY}, "t2", HASH_KEY))
    assert await stored(jobs) == before

    monkeypatch.setenv("DATABASE_URL", jobs.dsn)
    runner = CliRunner()
    use_keys(keys_env(("t2", NEW_KEY), (OLD_ID, OLD_KEY)))
    dry = await asyncio.to_thread(runner.invoke, jobs_cli(), ["reencrypt", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "试运行" in dry.output and await stored(jobs) == before
    done = await asyncio.to_thread(runner.invoke, jobs_cli(), ["reencrypt", "--batch", "2"])
    assert done.exit_code == 0, done.output
    assert "employer_contact_pii.phone_enc" in done.output and "已重新加密 6 个值" in done.output
    assert {str(r["phone_enc"]).partition(":")[0] for r in await stored(jobs)} == {"t2"}
    assert "13900000010" not in done.output
