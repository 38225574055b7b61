"""Ed25519 signatures over the certified content's canonical JSON.

Keys rotate: the first key of the ring signs, every key in it still verifies, and each certificate
names the key id it was signed with, so a certificate signed before a rotation verifies after it
as long as its key stays in the ring (its public key is served to anyone checking by hand).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def canonical_json(content: Mapping[str, Any]) -> str:
    """One text for one content: sorted keys, no spaces, UTF-8 characters as they are."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Signature:
    key_id: str
    value: str  # base64 of the 64-byte Ed25519 signature


class KeyRing:
    def __init__(self, keys: Sequence[tuple[str, Ed25519PrivateKey]]) -> None:
        if not keys:
            raise ValueError("at least one signing key is needed")
        for kid, _ in keys:
            if not _KEY_ID.match(kid):
                raise ValueError(f"signing key id {kid!r}: letters, digits, '.', '_' or '-', at most 32")
        self._private = dict(keys)
        if len(self._private) != len(keys):
            raise ValueError("signing key ids must differ")
        self._public = {kid: key.public_key() for kid, key in keys}
        self.signing_key_id = keys[0][0]

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """`keyid:base64-private-key,keyid:base64-private-key` (raw 32-byte Ed25519 keys); first signs."""
        keys = []
        for part in spec.split(","):
            kid, _, b64 = part.strip().partition(":")
            try:
                raw = base64.b64decode(b64, validate=True)
            except binascii.Error as exc:
                raise ValueError(f"signing key {kid}: not base64") from exc
            if len(raw) != 32:
                raise ValueError(f"signing key {kid}: an Ed25519 private key is 32 bytes")
            keys.append((kid, Ed25519PrivateKey.from_private_bytes(raw)))
        return cls(keys)

    def sign(self, payload: str) -> Signature:
        raw = self._private[self.signing_key_id].sign(payload.encode())
        return Signature(self.signing_key_id, base64.b64encode(raw).decode())

    def verify(self, payload: str, signature: str, key_id: str) -> bool:
        """Whether `signature` is the key's over exactly `payload`; False for an unknown key id."""
        public = self._public.get(key_id)
        if public is None:
            return False
        try:
            public.verify(base64.b64decode(signature, validate=True), payload.encode())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True

    def knows(self, key_id: str) -> bool:
        return key_id in self._public

    def public_keys(self) -> dict[str, str]:
        """Key id → base64 of the raw 32-byte public key, for anyone checking by hand."""
        return {
            kid: base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
            for kid, key in self._public.items()
        }
