"""Kite's own token signing keys (ES256): the first signs, all are published as a JWK set."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_private_key
from kite_common.domain import Unavailable


@dataclass(frozen=True)
class SigningKeys:
    keys: tuple[tuple[str, ec.EllipticCurvePrivateKey], ...]

    @classmethod
    def parse(cls, text: str | None) -> SigningKeys:
        out = []
        for item in (text or "").split(","):
            if not item.strip():
                continue
            kid, _, b64 = item.strip().partition(":")
            key = load_der_private_key(base64.b64decode(b64), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
                raise ValueError(f"signing key {kid} is not a P-256 key")
            out.append((kid, key))
        return cls(tuple(out))

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys:
            jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "ES256"})
        return {"keys": keys}

    def sign(self, claims: dict[str, Any]) -> str:
        if not self.keys:
            raise Unavailable("身份服务未配置签名密钥（KITE_IDENTITY_SIGNING_KEYS）", code="no-signing-key")
        kid, key = self.keys[0]
        return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})
