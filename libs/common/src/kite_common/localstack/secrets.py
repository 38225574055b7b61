"""Keys for a local stack, made once and kept in the data folder (never used in production)."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

LOCAL_SECRET_NAMES = (
    "KITE_AUTH_JWT_SECRET",
    "KITE_CRYPTO_DATA_KEYS",
    "KITE_CRYPTO_HASH_KEY",
    "KITE_WEBHOOK_SIGNING_SECRET",
    "KITE_CERT_SIGNING_KEYS",
    "KITE_IDENTITY_SIGNING_KEYS",
)


def _p256_key() -> str:
    """A P-256 private key as base64 PKCS#8 DER: the identity service signs client tokens with it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.b64encode(der).decode()


def _generate() -> dict[str, str]:
    return {
        "KITE_AUTH_JWT_SECRET": secrets.token_urlsafe(48),
        "KITE_CRYPTO_DATA_KEYS": "local1:" + base64.b64encode(os.urandom(32)).decode(),
        "KITE_CRYPTO_HASH_KEY": base64.b64encode(os.urandom(32)).decode(),
        "KITE_WEBHOOK_SIGNING_SECRET": secrets.token_urlsafe(32),
        # An Ed25519 private key is any 32 random bytes.
        "KITE_CERT_SIGNING_KEYS": "local1:" + base64.b64encode(os.urandom(32)).decode(),
        "KITE_IDENTITY_SIGNING_KEYS": "local1:" + _p256_key(),
    }


def local_secrets(data_dir: Path) -> dict[str, str]:
    """Secrets from the environment where set, else from `data_dir/secrets.env`, made if missing."""
    path = data_dir / "secrets.env"
    stored: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            if key:
                stored[key] = value
    fresh = _generate()
    missing = {k: fresh[k] for k in LOCAL_SECRET_NAMES if k not in stored}
    if missing:  # a new stack, or one made before a secret was added: keep the old ones
        stored.update(missing)
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in stored.items()))
        path.chmod(0o600)
    return {k: os.environ.get(k) or stored[k] for k in LOCAL_SECRET_NAMES}
