"""Personal data at rest: AES-256-GCM with the key id stored beside each value, and a keyed blind
index (HMAC-SHA256) to find a value without decrypting anything."""

from __future__ import annotations

import base64
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kite_common.settings import CryptoSettings


class FieldProtector:
    def __init__(self, keys: dict[str, bytes], active_key_id: str, hash_key: bytes) -> None:
        if active_key_id not in keys:
            raise ValueError("active key id has no key")
        for kid, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"data key {kid} must be 32 bytes")
            if ":" in kid:
                raise ValueError("key ids cannot contain ':'")
        if len(hash_key) < 32:
            raise ValueError("hash key must be at least 32 bytes")
        self._raw_keys = dict(keys)
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}
        self.active_key_id = active_key_id
        self._hash_key = hash_key

    @classmethod
    def from_settings(cls, settings: CryptoSettings | None = None) -> FieldProtector:
        settings = settings or CryptoSettings()
        if settings.data_keys is None or settings.hash_key is None:
            raise RuntimeError("personal data keys missing: set KITE_CRYPTO_DATA_KEYS and KITE_CRYPTO_HASH_KEY")
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in settings.data_keys.get_secret_value().split(","):
            kid, _, b64 = part.strip().partition(":")
            keys[kid] = base64.b64decode(b64)
            order.append(kid)
        return cls(keys, order[0], base64.b64decode(settings.hash_key.get_secret_value()))

    @staticmethod
    def generate_key() -> str:
        return base64.b64encode(os.urandom(32)).decode()

    def encrypt(self, plaintext: str, context: str) -> str:
        """`context` (e.g. "member.id_number") is bound as associated data: a value copied into
        another column does not decrypt."""
        nonce = os.urandom(12)
        ct = self._keys[self.active_key_id].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.active_key_id}:{base64.b64encode(nonce + ct).decode()}"

    def decrypt(self, stored: str, context: str) -> str:
        kid, _, b64 = stored.partition(":")
        raw = base64.b64decode(b64)
        return self._keys[kid].decrypt(raw[:12], raw[12:], context.encode()).decode()

    def key_id_of(self, stored: str) -> str:
        return stored.partition(":")[0]

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def knows(self, key_id: str) -> bool:
        """Whether values under `key_id` can be decrypted (its key is configured)."""
        return key_id in self._keys

    def reencrypt(self, stored: str, context: str) -> str:
        if self.key_id_of(stored) == self.active_key_id:
            return stored
        return self.encrypt(self.decrypt(stored, context), context)

    def blind_index(self, value: str, context: str) -> bytes:
        return hmac.digest(self._hash_key, f"{context}\x00{value}".encode(), "sha256")

    def __reduce__(self) -> tuple[type[FieldProtector], tuple[dict[str, bytes], str, bytes]]:
        # Pickled only to hand the keys to a worker process of our own (a bulk import's reader),
        # over a pipe; never to be stored.
        return (FieldProtector, (self._raw_keys, self.active_key_id, self._hash_key))
