"""Certificate events, published on casework.events with the case events (registered on casework's
registry). No ID or phone number appears in them: the certified content names the member and the
home place; numbers typed into a field are masked before signing."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.events import EventPayload

from kite_casework.domain.events import registry


@registry.register
class CertificateIssued(EventPayload):
    """An office issued an e-seal certificate (电子印章证明). `payload` is the canonical JSON of what
    is certified (certificate id, template, title, text, fields, office, issued_at), exactly the text
    `signature` (base64 Ed25519) was made over with key `key_id`. `origin_division_code` is the
    member's home place: the certificate belongs to that jurisdiction."""

    event_name = "certificate-issued"

    certificate_id: uuid.UUID
    member_id: uuid.UUID
    case_id: uuid.UUID | None
    origin_division_code: str
    template: str
    title: str
    office_name: str
    issued_by: str
    issued_at: datetime
    payload: str
    signature: str
    key_id: str
    office_id: uuid.UUID | None = None  # the named office (roster's organisation) that issued it, if given


@registry.register
class CertificateRevoked(EventPayload):
    """The certificate no longer stands: verification says so, with the reason and time."""

    event_name = "certificate-revoked"

    certificate_id: uuid.UUID
    reason: str
    revoked_by: str
    revoked_at: datetime
