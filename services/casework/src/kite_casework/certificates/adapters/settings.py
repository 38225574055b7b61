"""Certificate settings: the signing keys and the public address printed in each certificate's QR code."""

from __future__ import annotations

from functools import lru_cache

from kite_common.domain import Unavailable
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kite_casework.certificates.domain.signing import KeyRing


class CertificateSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITE_CERT_", extra="ignore", populate_by_name=True)

    # `keyid:base64-private-key,…` (raw 32-byte Ed25519 keys): the first signs, all verify.
    signing_keys: SecretStr | None = None
    # Where the public verification route is reached from outside: the QR code points to
    # `<public_base_url>/certificates/{id}/verify`.
    public_base_url: str = Field(default="http://127.0.0.1:8000", validation_alias="KITE_PUBLIC_BASE_URL")

    def verify_url(self, certificate_id: object) -> str:
        return f"{self.public_base_url.rstrip('/')}/certificates/{certificate_id}/verify"


@lru_cache
def certificate_settings() -> CertificateSettings:
    return CertificateSettings()


@lru_cache
def signing_keys() -> KeyRing:
    spec = certificate_settings().signing_keys
    if spec is None:
        # An operator's omission, not the caller's: 503 with a message staff can pass on.
        raise Unavailable(
            "电子印章签名密钥尚未配置，暂不能出具或核验证明，请联系系统管理员", code="signing-keys-missing"
        )
    return KeyRing.parse(spec.get_secret_value())
