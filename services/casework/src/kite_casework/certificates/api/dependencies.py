"""What the certificate routes get injected: the signing key ring (from KITE_CERT_SIGNING_KEYS)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from kite_casework.certificates.adapters.settings import signing_keys
from kite_casework.certificates.domain.signing import KeyRing


async def key_ring() -> KeyRing:
    return signing_keys()


Keys = Annotated[KeyRing, Depends(key_ring)]
