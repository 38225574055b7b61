"""Identity's settings: its signing keys and the limits of the token endpoint."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    """`signing_keys` is `kid:base64 PKCS#8 DER P-256 private key,…`: the first signs, all are
    published at /.well-known/jwks.json. Rotate without downtime: add the new key second (published,
    so every verifier can fetch it), then after the JWKS cache time move it first, then drop the old
    one after the token lifetime."""

    model_config = SettingsConfigDict(env_prefix="KITE_IDENTITY_", extra="ignore")

    signing_keys: SecretStr | None = None
    token_ttl_s: int = 600
    issuer: str = "kite"
    audience: str = "kite"
    assertion_max_lifetime_s: int = 300
    tokens_per_minute: int = 60  # per client
