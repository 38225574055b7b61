"""Webhook signatures as a receiver checks them (no I/O)."""

from __future__ import annotations

import hashlib
import hmac

from kite_notify.domain.signing import signature_header, verify

SECRET = "s3cret"
BODY = '{"type":"kite.notify.notification-created.v1","data":{"title":"欢迎加入风筝家园"}}'.encode()


def test_header_is_hmac_sha256_of_timestamp_dot_body():
    header = signature_header(SECRET, 1_700_000_000, BODY)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_receiver_accepts_a_fresh_genuine_signature():
    assert verify(SECRET, signature_header(SECRET, 1_700_000_000, BODY), BODY, now=1_700_000_010)


def test_receiver_refuses_a_changed_body_a_wrong_secret_a_stale_or_garbled_header():
    header = signature_header(SECRET, 1_700_000_000, BODY)
    assert not verify(SECRET, header, BODY + b" ", now=1_700_000_000)
    assert not verify("other", header, BODY, now=1_700_000_000)
    assert not verify(SECRET, header, BODY, now=1_700_000_000 + 3600)  # a replay an hour later
    assert not verify(SECRET, "v1=abc", BODY, now=1_700_000_000)
    assert not verify(SECRET, "", BODY, now=1_700_000_000)
