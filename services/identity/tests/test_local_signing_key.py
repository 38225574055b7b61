"""`kite up` makes the identity service a signing key of its own, so client systems can take tokens
on a developer's machine, and every service verifies them through identity's JWKS."""

from __future__ import annotations

import jwt
from kite_common.localstack.secrets import local_secrets
from kite_identity.adapters.signing_keys import SigningKeys


def test_the_local_key_signs_tokens_its_published_jwks_verifies(tmp_path, monkeypatch):
    monkeypatch.delenv("KITE_IDENTITY_SIGNING_KEYS", raising=False)
    keys = SigningKeys.parse(local_secrets(tmp_path)["KITE_IDENTITY_SIGNING_KEYS"])
    token = keys.sign({"sub": "client:hotline", "iss": "kite", "aud": "kite"})
    [published] = keys.jwks()["keys"]
    assert jwt.get_unverified_header(token)["kid"] == published["kid"] == "local1"
    public = jwt.algorithms.ECAlgorithm.from_jwk(published)
    assert jwt.decode(token, public, algorithms=["ES256"], audience="kite")["sub"] == "client:hotline"
