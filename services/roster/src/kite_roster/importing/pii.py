"""Members' personal numbers for many rows at once: sealed where rows are read, looked up and stored
in bulk (the same columns and values as PiiVault.store, by COPY)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from kite_common.bulk import CopyBlock, copy_escape
from kite_common.db.types import Connection
from kite_common.privacy import mask_id_number, mask_phone

from kite_roster.members.adapters.pii_vault import ID_CONTEXT, PHONE_CONTEXT, PiiVault

PII_COLUMNS = (
    "member_id",
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "phone_enc",
    "phone_hash",
    "phone_masked",
)


def seal(vault: PiiVault, member_id: uuid.UUID, id_number: str, phone: str) -> tuple[bytes, bytes]:
    """The ID number's hash, and the member_pii row PiiVault.store writes for these numbers (the same
    columns and values) as a line of COPY text: only encrypted values, hashes and masks."""
    p = vault.protector
    id_hash = vault.id_hash(id_number)
    line = (
        f"{member_id}\t{copy_escape(p.encrypt(id_number, ID_CONTEXT))}\t\\\\x{id_hash.hex()}\t"
        f"{copy_escape(mask_id_number(id_number))}\t{copy_escape(p.encrypt(phone, PHONE_CONTEXT))}\t"
        f"\\\\x{vault.phone_hash(phone).hex()}\t{copy_escape(mask_phone(phone))}\n"
    )
    return id_hash, line.encode()


async def registered_id_hashes(conn: Connection, hashes: Sequence[bytes]) -> set[bytes]:
    """Which of these ID-number hashes belong to members already registered."""
    if not hashes:
        return set()
    rows = await conn.fetch(
        "SELECT id_number_hash FROM member_pii WHERE id_number_hash = ANY($1::bytea[])", list(hashes)
    )
    return {bytes(r["id_number_hash"]) for r in rows}


async def store_many(conn: Connection, lines: CopyBlock) -> None:
    """PiiVault.store for many members in one COPY (lines from `seal`); the unique index on the ID
    hash still holds."""
    if lines.text:
        await conn.copy_to_table("member_pii", source=lines.chunks(), columns=list(PII_COLUMNS), format="text")
