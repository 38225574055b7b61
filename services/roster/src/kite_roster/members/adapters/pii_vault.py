"""Members' ID and phone numbers, encrypted at rest, found by blind index, never in events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kite_common.db.statements import Write
from kite_common.db.types import Connection
from kite_common.privacy import FieldProtector, mask_id_number, mask_phone
from kite_common.privacy.rotation import EncryptedColumn

from kite_roster.party.adapters.organisation_contacts import CONTACT_PHONE_CONTEXT

ID_CONTEXT = "member.id_number"
PHONE_CONTEXT = "member.phone"


# Every encrypted column of the roster, for key rotation (`kite roster reencrypt`). A new encrypted
# column is one more entry here; nothing else in the rotation needs to change.
ENCRYPTED_COLUMNS: tuple[EncryptedColumn, ...] = (
    EncryptedColumn("member_pii", "member_id", "id_number_enc", ID_CONTEXT, "id_number_hash"),
    EncryptedColumn("member_pii", "member_id", "phone_enc", PHONE_CONTEXT, "phone_hash"),
    EncryptedColumn("organisation_contact_pii", "contact_id", "phone_enc", CONTACT_PHONE_CONTEXT, "phone_hash"),
)


@dataclass(frozen=True)
class PersonalNumbers:
    # repr=False: a logged or printed value never shows the numbers.
    id_number: str = field(repr=False)
    phone: str = field(repr=False)

    @property
    def id_number_masked(self) -> str:
        """As stored beside the encrypted number and shown in responses."""
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


@dataclass(frozen=True)
class SealedNumbers:
    """A member's numbers as stored (encrypted), with the place that decides who may open them."""

    member_id: uuid.UUID
    origin_division_code: str
    id_number_enc: str = field(repr=False)
    phone_enc: str = field(repr=False)


@dataclass(frozen=True)
class Holder:
    """Who holds an ID number: a member id and where they are registered."""

    member_id: uuid.UUID
    origin_division_code: str | None


class PiiVault:
    def __init__(self, protector: FieldProtector) -> None:
        self.protector = protector

    def id_hash(self, id_number: str) -> bytes:
        return self.protector.blind_index(id_number, ID_CONTEXT)

    def phone_hash(self, phone: str) -> bytes:
        return self.protector.blind_index(phone, PHONE_CONTEXT)

    async def find_by_id_number(self, conn: Connection, id_number: str) -> uuid.UUID | None:
        found = await self.holder_of(conn, id_number)
        return None if found is None else found.member_id

    async def holder_of(self, conn: Connection, id_number: str) -> Holder | None:
        """The member registered under this ID number, with their origin (None when their read-model
        row is missing), or None when nobody is."""
        row = await conn.fetchrow(
            """SELECT p.member_id, m.origin_division_code
               FROM member_pii p LEFT JOIN members m USING (member_id) WHERE p.id_number_hash = $1""",
            self.id_hash(id_number),
        )
        return Holder(row["member_id"], row["origin_division_code"]) if row else None

    async def sealed(self, conn: Connection, member_id: uuid.UUID) -> SealedNumbers | None:
        row = await conn.fetchrow(
            """SELECT p.member_id, m.origin_division_code, p.id_number_enc, p.phone_enc
               FROM member_pii p JOIN members m USING (member_id) WHERE p.member_id = $1""",
            member_id,
        )
        return SealedNumbers(**dict(row)) if row else None

    def open(self, sealed: SealedNumbers) -> PersonalNumbers:
        return PersonalNumbers(
            self.protector.decrypt(sealed.id_number_enc, ID_CONTEXT),
            self.protector.decrypt(sealed.phone_enc, PHONE_CONTEXT),
        )

    def storing(self, member_id: uuid.UUID, numbers: PersonalNumbers) -> Write:
        """The member's numbers, encrypted, as a counted write that writes nothing (0 rows) when the ID
        number is someone's already: the unique blind index decides, so a duplicate needs no lookup
        first, and two registrations of one person at once cannot both write."""
        p = self.protector
        return Write(
            """INSERT INTO member_pii (member_id, id_number_enc, id_number_hash, id_number_masked,
                                      phone_enc, phone_hash, phone_masked)
               VALUES ($1,$2,$3,$4,$5,$6,$7)
               ON CONFLICT (id_number_hash) DO NOTHING
               RETURNING 1""",
            (
                member_id,
                p.encrypt(numbers.id_number, ID_CONTEXT),
                self.id_hash(numbers.id_number),
                numbers.id_number_masked,
                p.encrypt(numbers.phone, PHONE_CONTEXT),
                self.phone_hash(numbers.phone),
                numbers.phone_masked,
            ),
            counted=True,
        )
