"""Employer contacts' phone numbers: encrypted at rest, masked for reading, never in events.
Rows are keyed by the contact_id that the employer events carry (roster's organisation contacts are
the model)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from kite_common.db.types import Connection
from kite_common.privacy import FieldProtector, mask_phone
from kite_common.privacy.rotation import EncryptedColumn

from kite_jobs.domain.employer import SealedContact

CONTACT_PHONE_CONTEXT = "employer.contact_phone"

# Every encrypted column of jobs, for key rotation (`kite jobs reencrypt`). A new encrypted column is one
# more entry here.
ENCRYPTED_COLUMNS: tuple[EncryptedColumn, ...] = (
    EncryptedColumn("employer_contact_pii", "contact_id", "phone_enc", CONTACT_PHONE_CONTEXT, "phone_hash"),
)


class ContactPhones:
    def __init__(self, protector: FieldProtector) -> None:
        self.protector = protector

    async def store(self, conn: Connection, employer_id: uuid.UUID, contacts: Sequence[SealedContact]) -> None:
        if not contacts:
            return
        p = self.protector
        await conn.executemany(
            """INSERT INTO employer_contact_pii (contact_id, employer_id, phone_enc, phone_hash, phone_masked)
               VALUES ($1,$2,$3,$4,$5)""",
            [
                (
                    c.contact_id,
                    employer_id,
                    p.encrypt(c.phone, CONTACT_PHONE_CONTEXT),
                    p.blind_index(c.phone, CONTACT_PHONE_CONTEXT),
                    mask_phone(c.phone),
                )
                for c in contacts
            ],
        )


async def masked_phones(conn: Connection, employer_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """contact_id → masked phone, for all the given employers in one query."""
    if not employer_ids:
        return {}
    rows = await conn.fetch(
        "SELECT contact_id, phone_masked FROM employer_contact_pii WHERE employer_id = ANY($1::uuid[])",
        employer_ids,
    )
    return {r["contact_id"]: r["phone_masked"] for r in rows}
