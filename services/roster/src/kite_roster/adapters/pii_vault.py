"""Members' ID and phone numbers, encrypted at rest, found by blind index, never in events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_common.db.types import Connection
from kite_common.privacy import FieldProtector, mask_id_number, mask_phone

ID_CONTEXT = "member.id_number"
PHONE_CONTEXT = "member.phone"


@dataclass(frozen=True)
class PersonalNumbers:
    id_number: str
    phone: str


class PiiVault:
    def __init__(self, protector: FieldProtector) -> None:
        self.protector = protector

    def id_hash(self, id_number: str) -> bytes:
        return self.protector.blind_index(id_number, ID_CONTEXT)

    def phone_hash(self, phone: str) -> bytes:
        return self.protector.blind_index(phone, PHONE_CONTEXT)

    async def find_by_id_number(self, conn: Connection, id_number: str) -> uuid.UUID | None:
        found: uuid.UUID | None = await conn.fetchval(
            "SELECT member_id FROM member_pii WHERE id_number_hash = $1", self.id_hash(id_number)
        )
        return found

    async def store(self, conn: Connection, member_id: uuid.UUID, numbers: PersonalNumbers) -> None:
        p = self.protector
        await conn.execute(
            """INSERT INTO member_pii (member_id, id_number_enc, id_number_hash, id_number_masked,
                                      phone_enc, phone_hash, phone_masked)
               VALUES ($1,$2,$3,$4,$5,$6,$7)""",
            member_id,
            p.encrypt(numbers.id_number, ID_CONTEXT),
            self.id_hash(numbers.id_number),
            mask_id_number(numbers.id_number),
            p.encrypt(numbers.phone, PHONE_CONTEXT),
            self.phone_hash(numbers.phone),
            mask_phone(numbers.phone),
        )
