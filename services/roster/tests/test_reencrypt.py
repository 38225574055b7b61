"""Key rotation: `kite roster reencrypt` moves every stored personal value to the active key, in
resumable batches, and refuses to touch anything when a key is missing."""

from __future__ import annotations

import asyncio
import base64

import pytest
from kite_common.privacy import FieldProtector
from kite_common.testing.stack import TEST_SECRETS, auth, running
from kite_roster.cli import roster_cli
from kite_roster.members.adapters.pii_vault import ENCRYPTED_COLUMNS, PiiVault
from kite_roster.members.application.reencrypt import RotationRefused, reencrypt
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit
from kite_roster.shared.pii import field_protector
from typer.testing import CliRunner

COUNTY = "522632"  # 榕江县
OLD_KEY = base64.b64decode(TEST_SECRETS["KITE_CRYPTO_DATA_KEYS"].partition(":")[2])
NEW_KEY = b"n" * 32
HASH_KEY = base64.b64decode(TEST_SECRETS["KITE_CRYPTO_HASH_KEY"])
NEW_HASH_KEY = b"H" * 32


def keys_env(*pairs: tuple[str, bytes]) -> str:
    return ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in pairs)


def id_number(seq: int) -> str:
    first17 = f"{COUNTY}19950317{seq:03d}"
    return first17 + check_digit(first17)


@pytest.fixture
async def roster(infra, prefix):
    field_protector.cache_clear()
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc
    field_protector.cache_clear()  # the next test's service reads the (restored) keys again


@pytest.fixture
def use_keys(monkeypatch):
    """Give the running api (and the CLI) another key configuration, as a redeploy would."""

    def use(data_keys: str, hash_key: bytes = HASH_KEY) -> None:
        monkeypatch.setenv("KITE_CRYPTO_DATA_KEYS", data_keys)
        monkeypatch.setenv("KITE_CRYPTO_HASH_KEY", base64.b64encode(hash_key).decode())
        field_protector.cache_clear()

    return use


async def register(roster, seq: int) -> str:
    body = {
        "name": "吴老四",
        "id_number": id_number(seq),
        "phone": f"137{seq:08d}",
        "origin_division_code": f"{COUNTY}101001",
        "current_city": "温州",
    }
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        created = await http.post("/members", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["member_id"])


async def stored(roster) -> list[dict[str, object]]:
    rows = await roster.pool.fetch("SELECT * FROM member_pii ORDER BY member_id")
    return [dict(r) for r in rows]


def key_ids(rows) -> set[str]:
    return {str(r[c]).partition(":")[0] for r in rows for c in ("id_number_enc", "phone_enc")}


def plaintexts(protector: FieldProtector, rows) -> list[tuple[str, str]]:
    return [
        (protector.decrypt(r["id_number_enc"], "member.id_number"), protector.decrypt(r["phone_enc"], "member.phone"))
        for r in rows
    ]


async def rotate(roster, protector: FieldProtector, **options):
    async with roster.pool.acquire() as conn:
        return await reencrypt(conn, protector, **options)


async def reveal(roster, member_id: str):
    async with roster.client(headers=auth(["pii-reader"], COUNTY)) as http:
        return await http.post(f"/members/{member_id}/personal-numbers:reveal", json={"reason": "密钥轮换后核对"})


async def test_after_a_new_active_key_every_value_is_reencrypted_once_and_still_reads_the_same(roster, use_keys):
    members = [await register(roster, seq) for seq in range(1, 6)]
    use_keys(keys_env(("t2", NEW_KEY), ("t1", OLD_KEY)))
    members.append(await register(roster, 6))  # written under the new key already
    before = await stored(roster)
    assert key_ids(before) == {"t1", "t2"}
    both = FieldProtector({"t2": NEW_KEY, "t1": OLD_KEY}, "t2", HASH_KEY)
    clear_before = plaintexts(both, before)

    batches: list[int] = []
    report = await rotate(roster, both, batch_size=2, on_batch=batches.append)

    after = await stored(roster)
    assert key_ids(after) == {"t2"}
    assert plaintexts(FieldProtector({"t2": NEW_KEY}, "t2", HASH_KEY), after) == clear_before
    for b, a in zip(before, after, strict=True):  # blind indexes and masks are untouched
        assert (a["id_number_hash"], a["phone_hash"], a["id_number_masked"]) == (
            b["id_number_hash"],
            b["phone_hash"],
            b["id_number_masked"],
        )
    assert report.found == {"member_pii.id_number_enc": {"t1": 5, "t2": 1}, "member_pii.phone_enc": {"t1": 5, "t2": 1}}
    assert report.reencrypted == {"member_pii.id_number_enc": {"t1": 5}, "member_pii.phone_enc": {"t1": 5}}
    assert (report.rows_changed, sum(batches)) == (5, 5)
    assert batches == [2, 2, 1]

    # The old key can now be dropped: reads, lookups and unmasked reads work with the new one alone.
    use_keys(keys_env(("t2", NEW_KEY)))
    for seq, member_id in enumerate(members, start=1):
        response = await reveal(roster, member_id)
        assert response.status_code == 200, response.text
        assert response.json()["id_number"] == id_number(seq)
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        again = await http.post(
            "/members",
            json={
                "name": "吴老四",
                "id_number": id_number(1),
                "phone": "13700000099",
                "origin_division_code": f"{COUNTY}101001",
                "current_city": "温州",
            },
        )
    assert again.status_code == 409 and again.json()["existing_member_id"] == members[0]

    second = await rotate(roster, FieldProtector({"t2": NEW_KEY}, "t2", HASH_KEY))
    assert (second.rows_changed, second.rows_visited, second.reencrypted) == (0, 0, {})
    assert await stored(roster) == after


async def test_an_interrupted_run_resumes_where_it_stopped(roster):
    for seq in range(10, 17):
        await register(roster, seq)
    both = FieldProtector({"t2": NEW_KEY, "t1": OLD_KEY}, "t2", HASH_KEY)

    class Stop(Exception):
        pass

    def stop_after_two(n: int) -> None:
        seen.append(n)
        if len(seen) == 2:
            raise Stop

    seen: list[int] = []
    with pytest.raises(Stop):
        await rotate(roster, both, batch_size=3, on_batch=stop_after_two)
    halfway = await stored(roster)
    assert sorted(str(r["id_number_enc"])[:2] for r in halfway) == ["t1"] + ["t2"] * 6

    report = await rotate(roster, both, batch_size=3)
    assert report.reencrypted == {"member_pii.id_number_enc": {"t1": 1}, "member_pii.phone_enc": {"t1": 1}}
    assert key_ids(await stored(roster)) == {"t2"}


async def test_a_dry_run_counts_and_checks_but_changes_nothing(roster):
    for seq in range(20, 23):
        await register(roster, seq)
    before = await stored(roster)
    both = FieldProtector({"t2": NEW_KEY, "t1": OLD_KEY}, "t2", HASH_KEY)
    report = await rotate(roster, both, dry_run=True, batch_size=2)
    assert report.reencrypted == {"member_pii.id_number_enc": {"t1": 3}, "member_pii.phone_enc": {"t1": 3}}
    assert await stored(roster) == before


async def test_an_unknown_key_id_or_a_wrong_key_is_refused_and_nothing_changes(roster):
    for seq in range(30, 33):
        await register(roster, seq)
    await roster.pool.execute(
        "UPDATE member_pii SET phone_enc = 'tx:' || split_part(phone_enc, ':', 2) WHERE member_id = "
        "(SELECT member_id FROM member_pii ORDER BY member_id LIMIT 1)"
    )
    before = await stored(roster)
    with pytest.raises(RotationRefused, match=r"未配置的密钥编号[\s\S]*member_pii.phone_enc: 密钥编号 tx（1 个值）"):
        await rotate(roster, FieldProtector({"t2": NEW_KEY, "t1": OLD_KEY}, "t2", HASH_KEY))
    # Only the new key configured: every old value is under an unknown key id.
    with pytest.raises(RotationRefused, match=r"member_pii.id_number_enc: 密钥编号 t1（3 个值）"):
        await rotate(roster, FieldProtector({"t2": NEW_KEY}, "t2", HASH_KEY))
    # The right key id with the wrong key behind it.
    await roster.pool.execute("UPDATE member_pii SET phone_enc = id_number_enc")  # no longer decrypts as a phone
    wrong = await stored(roster)
    with pytest.raises(RotationRefused, match="无法用所配置的密钥解密"):
        await rotate(roster, FieldProtector({"t2": NEW_KEY, "t1": b"w" * 32}, "t2", HASH_KEY))
    assert await stored(roster) == wrong != before


async def test_rehash_rewrites_every_blind_index_under_the_new_hash_key(roster, use_keys):
    members = [await register(roster, seq) for seq in range(40, 44)]
    fresh = FieldProtector({"t1": OLD_KEY}, "t1", NEW_HASH_KEY)
    report = await rotate(roster, fresh, rehash=True, batch_size=3)
    assert report.reencrypted == {}
    assert report.rehashed == {"member_pii.id_number_hash": 4, "member_pii.phone_hash": 4}
    vault = PiiVault(fresh)
    async with roster.pool.acquire() as conn:
        for seq, member_id in zip(range(40, 44), members, strict=True):
            assert str(await vault.find_by_id_number(conn, id_number(seq))) == member_id
    again = await rotate(roster, fresh, rehash=True)
    assert (again.rows_changed, again.rows_visited) == (0, 4)


def test_every_encrypted_column_is_declared_once():
    labels = [(c.table, c.column) for c in ENCRYPTED_COLUMNS]
    assert len(labels) == len(set(labels))
    assert ("member_pii", "id_number_enc") in labels and ("member_pii", "phone_enc") in labels


async def test_the_command_prints_a_summary_and_refuses_with_exit_code_one(roster, use_keys, monkeypatch):
    for seq in range(50, 53):
        await register(roster, seq)
    monkeypatch.setenv("DATABASE_URL", roster.dsn)
    runner = CliRunner()

    use_keys(keys_env(("t3", b"3" * 32)))
    before = await stored(roster)
    refused = await asyncio.to_thread(runner.invoke, roster_cli(), ["reencrypt"])
    assert refused.exit_code == 1
    assert "未配置的密钥编号" in refused.output and "t1（3 个值）" in refused.output
    assert await stored(roster) == before

    use_keys(keys_env(("t2", NEW_KEY), ("t1", OLD_KEY)))
    dry = await asyncio.to_thread(runner.invoke, roster_cli(), ["reencrypt", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "试运行" in dry.output and await stored(roster) == before

    done = await asyncio.to_thread(runner.invoke, roster_cli(), ["reencrypt", "--batch", "2"])
    assert done.exit_code == 0, done.output
    assert "member_pii.id_number_enc" in done.output and "已重新加密 6 个值" in done.output
    assert key_ids(await stored(roster)) == {"t2"}
    for secret in (id_number(50), "13700000050"):
        assert secret not in done.output
