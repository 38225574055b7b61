"""Members' personal numbers for many rows at once: sealed in the producer, looked up and stored in
bulk (the same columns and values as PiiVault.store, by COPY)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from kite_common.db.types import Connection
from kite_common.privacy import mask_id_number, mask_phone

from kite_roster.adapters.pii_vault import ID_CONTEXT, PHONE_CONTEXT, PiiVault

PII_COLUMNS = (
    "member_id",
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "phone_enc",
    "phone_hash",
    "phone_masked",
)


@dataclass(frozen=True)
class SealedRow:
    """A member_pii row ready to store: only encrypted values, hashes and masks."""

    member_id: uuid.UUID
    id_number_enc: str = field(repr=False)
    id_number_hash: bytes = field(repr=False)
    id_number_masked: str
    phone_enc: str = field(repr=False)
    phone_hash: bytes = field(repr=False)
    phone_masked: str

    def record(self) -> tuple[object, ...]:
        return (
            self.member_id,
            self.id_number_enc,
            self.id_number_hash,
            self.id_number_masked,
            self.phone_enc,
            self.phone_hash,
            self.phone_masked,
        )


def seal(vault: PiiVault, member_id: uuid.UUID, id_number: str, phone: str) -> SealedRow:
    p = vault.protector
    return SealedRow(
        member_id,
        p.encrypt(id_number, ID_CONTEXT),
        vault.id_hash(id_number),
        mask_id_number(id_number),
        p.encrypt(phone, PHONE_CONTEXT),
        vault.phone_hash(phone),
        mask_phone(phone),
    )


async def registered_id_hashes(conn: Connection, hashes: Sequence[bytes]) -> set[bytes]:
    """Which of these ID-number hashes belong to members already registered."""
    if not hashes:
        return set()
    rows = await conn.fetch(
        "SELECT id_number_hash FROM member_pii WHERE id_number_hash = ANY($1::bytea[])", list(hashes)
    )
    return {bytes(r["id_number_hash"]) for r in rows}


async def store_many(conn: Connection, rows: Sequence[SealedRow]) -> None:
    """PiiVault.store for many members in one COPY; the unique index on the ID hash still holds."""
    if rows:
        await conn.copy_records_to_table("member_pii", columns=PII_COLUMNS, records=[r.record() for r in rows])
