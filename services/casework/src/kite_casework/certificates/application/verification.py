"""Verification (核验), open to anyone: is the certificate genuine (its stored payload carries a valid
signature of one of our keys), and does it still stand? A presented payload (or the one inside an
uploaded PDF) is genuine only when its signature checks out and it is the very payload Kite stored
for that certificate id."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import asyncpg
from kite_common.db.types import Connection
from kite_common.domain import NotFound

from kite_casework.certificates.application.queries import find_certificate
from kite_casework.certificates.domain.signing import KeyRing


@dataclass(frozen=True)
class Verification:
    genuine: bool
    detail: str
    certificate: asyncpg.Record | None = None  # the stored certificate, when one was found


async def verify_stored(conn: Connection, keys: KeyRing, certificate_id: uuid.UUID) -> Verification:
    row = await find_certificate(conn, certificate_id)
    if not keys.verify(row["payload"], row["signature"], row["key_id"]):
        return Verification(False, "签名校验未通过：该证明的签名与内容不符", row)
    return Verification(True, "签名校验通过：该证明由本系统出具，内容未被改动", row)


async def verify_presented(conn: Connection, keys: KeyRing, payload: str, signature: str, key_id: str) -> Verification:
    if not keys.verify(payload, signature, key_id):
        return Verification(False, "签名校验未通过：内容已被改动，或并非本系统出具")
    try:
        certificate_id = uuid.UUID(json.loads(payload)["certificate_id"])
    except (ValueError, KeyError, TypeError):
        return Verification(False, "签名校验未通过：内容无法识别")
    try:
        row = await find_certificate(conn, certificate_id)
    except NotFound:
        return Verification(False, "本系统没有该证明的记录")
    if row["payload"] != payload or row["signature"] != signature:
        return Verification(False, "所出示的内容与本系统记录的证明不一致")
    return Verification(True, "签名校验通过：该证明由本系统出具，内容未被改动", row)
