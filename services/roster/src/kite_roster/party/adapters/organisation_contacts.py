"""Organisation contacts' phone numbers: encrypted at rest, masked for reading, never in events.
Rows are keyed by the contact_id that the organisation events carry."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from kite_common.db.types import Connection
from kite_common.privacy import FieldProtector, mask_phone

CONTACT_PHONE_CONTEXT = "organisation.contact_phone"


class ContactPhones:
    def __init__(self, protector: FieldProtector) -> None:
        self.protector = protector

    def phone_hash(self, phone: str) -> bytes:
        return self.protector.blind_index(phone, CONTACT_PHONE_CONTEXT)

    async def store(self, conn: Connection, organisation_id: uuid.UUID, phones: Mapping[uuid.UUID, str]) -> None:
        if not phones:
            return
        p = self.protector
        await conn.executemany(
            """INSERT INTO organisation_contact_pii (contact_id, organisation_id, phone_enc, phone_hash, phone_masked)
               VALUES ($1,$2,$3,$4,$5)
               ON CONFLICT (contact_id) DO UPDATE
               SET phone_enc = EXCLUDED.phone_enc, phone_hash = EXCLUDED.phone_hash,
                   phone_masked = EXCLUDED.phone_masked
               WHERE organisation_contact_pii.organisation_id = EXCLUDED.organisation_id""",
            [
                (
                    cid,
                    organisation_id,
                    p.encrypt(phone, CONTACT_PHONE_CONTEXT),
                    self.phone_hash(phone),
                    mask_phone(phone),
                )
                for cid, phone in phones.items()
            ],
        )

    async def stored_hashes(self, conn: Connection, organisation_id: uuid.UUID) -> dict[uuid.UUID, bytes]:
        """contact_id → blind index of the phone stored for it, for the organisation's contacts."""
        rows = await conn.fetch(
            "SELECT contact_id, phone_hash FROM organisation_contact_pii WHERE organisation_id = $1", organisation_id
        )
        return {r["contact_id"]: bytes(r["phone_hash"]) for r in rows}

    async def keep_only(self, conn: Connection, organisation_id: uuid.UUID, contact_ids: Iterable[uuid.UUID]) -> None:
        """Forget the phones of contacts no longer listed."""
        await conn.execute(
            "DELETE FROM organisation_contact_pii WHERE organisation_id = $1 AND NOT (contact_id = ANY($2::uuid[]))",
            organisation_id,
            list(contact_ids),
        )


async def masked_phones(conn: Connection, organisation_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """contact_id → masked phone, for all the given organisations in one query."""
    if not organisation_ids:
        return {}
    rows = await conn.fetch(
        "SELECT contact_id, phone_masked FROM organisation_contact_pii WHERE organisation_id = ANY($1::uuid[])",
        organisation_ids,
    )
    return {r["contact_id"]: r["phone_masked"] for r in rows}
