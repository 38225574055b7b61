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


def _fresh_verifier() -> TokenVerifier:
    return TokenVerifier(AuthSettings(jwt_secret=SecretStr(SECRET)))


def test_a_remembered_token_is_refused_from_its_expiry_on():
    v = _fresh_verifier()
    token = issue_dev_token(SECRET, subject="u1", ttl=timedelta(seconds=30))
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert v.verify(token).subject == "u1"  # verified, and now remembered
    v.settings = AuthSettings(jwt_secret=SecretStr("o" * 48))  # verified again, it would be refused
    v.clock = lambda: exp - 1
    assert v.verify(token).subject == "u1"  # the memory answered
    v.clock = lambda: exp  # PyJWT refuses a token at its exp second: so does the memory
    with pytest.raises(InvalidToken):
        v.verify(token)


async def test_a_remembered_token_is_verified_again_after_a_minute():
    v = _fresh_verifier()
    token = issue_dev_token(SECRET, subject="u1")
    assert (await v.authenticate(token)).subject == "u1"
    # A minute on (the token itself lives 12 hours), the same token is verified again: with the key
    # gone (as when a JWKS drops it), it is refused.
    now = v.clock()
    v.clock = lambda: now + 61
    v.settings = AuthSettings(jwt_secret=SecretStr("o" * 48))
    with pytest.raises(InvalidToken):
        await v.authenticate(token)


def test_a_refused_token_is_not_remembered_and_memory_is_bounded():
    from kite_common.auth.tokens import VERIFIED_CACHE_SIZE

    v = _fresh_verifier()
    forged = issue_dev_token("other-secret" * 4)
    for _ in range(2):
        with pytest.raises(InvalidToken):
            v.verify(forged)
    first = issue_dev_token(SECRET, subject="first")
    v.verify(first)
    for i in range(VERIFIED_CACHE_SIZE):
        v.verify(issue_dev_token(SECRET, subject=f"u{i}"))
    assert len(v._verified) == VERIFIED_CACHE_SIZE and first not in v._verified
