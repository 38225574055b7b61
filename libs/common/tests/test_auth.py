from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from kite_common.auth import Principal, TokenVerifier, issue_dev_token
from kite_common.auth.tokens import InvalidToken
from kite_common.settings import AuthSettings
from pydantic import SecretStr

SECRET = "s" * 48
verifier = TokenVerifier(AuthSettings(jwt_secret=SecretStr(SECRET)))


def test_valid_token_gives_principal_with_jurisdiction():
    p = verifier.verify(issue_dev_token(SECRET, subject="u1", roles=["caseworker"], jurisdiction="522631"))
    assert p == Principal("u1", frozenset({"caseworker"}), "522631", "开发者")
    assert p.covers("522631101001") and not p.covers("520102000000")
    assert p.has_any("caseworker") and not p.has_any("registrar")


@pytest.mark.parametrize(
    "token",
    [
        issue_dev_token("other-secret" * 4, roles=["admin"]),
        issue_dev_token(SECRET, roles=["admin"], ttl=timedelta(seconds=-5)),
        issue_dev_token(SECRET, roles=["admin"], audience="someone-else"),
        jwt.encode({"sub": "x", "roles": ["admin"], "jurisdiction": ""}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "x", "roles": ["admin"], "jurisdiction": ""}, None, algorithm="none"),
        "not-a-token",
    ],
    ids=["forged", "expired", "wrong-audience", "no-expiry", "alg-none", "garbage"],
)
def test_bad_tokens_are_refused(token):
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_jurisdiction_must_be_a_code_prefix():
    with pytest.raises(InvalidToken):
        verifier.verify(issue_dev_token(SECRET, jurisdiction="52'; --"))
