from __future__ import annotations

import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from kite_common.privacy import FieldProtector, mask_id_number, mask_phone


def _protector(*kids: str) -> FieldProtector:
    keys = {k: os.urandom(32) for k in kids}
    return FieldProtector(keys, kids[0], os.urandom(32))


def test_masks_hide_the_middle():
    assert mask_id_number("52263119900101001X") == "522631********001X"
    assert mask_phone("13812345678") == "138****5678"


def test_encrypt_decrypt_and_context_binding():
    p = _protector("k1")
    stored = p.encrypt("52263119900101001X", "member.id_number")
    assert stored.startswith("k1:") and "52263119900101001X" not in stored
    assert p.decrypt(stored, "member.id_number") == "52263119900101001X"
    with pytest.raises(InvalidTag):
        p.decrypt(stored, "member.phone")


def test_rotation_keeps_old_values_readable_and_reencrypts_to_the_new_key():
    old_key, new_key, hash_key = os.urandom(32), os.urandom(32), os.urandom(32)
    before = FieldProtector({"k1": old_key}, "k1", hash_key)
    stored = before.encrypt("13812345678", "member.phone")
    after = FieldProtector({"k2": new_key, "k1": old_key}, "k2", hash_key)
    assert after.decrypt(stored, "member.phone") == "13812345678"
    moved = after.reencrypt(stored, "member.phone")
    assert after.key_id_of(moved) == "k2"
    assert after.decrypt(moved, "member.phone") == "13812345678"
    assert after.blind_index("13812345678", "member.phone") == before.blind_index("13812345678", "member.phone")


def test_blind_index_is_keyed():
    a, b = _protector("k"), _protector("k")
    assert a.blind_index("x", "c") == a.blind_index("x", "c")
    assert a.blind_index("x", "c") != b.blind_index("x", "c")


def test_settings_parse_key_lists(monkeypatch):
    k1, k2 = base64.b64encode(os.urandom(32)).decode(), base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("KITE_CRYPTO_DATA_KEYS", f"new:{k2},old:{k1}")
    monkeypatch.setenv("KITE_CRYPTO_HASH_KEY", base64.b64encode(os.urandom(32)).decode())
    p = FieldProtector.from_settings()
    assert p.active_key_id == "new"


def test_log_lines_lose_id_and_phone_numbers_but_keep_codes_and_ids():
    from kite_common.privacy.log_redaction import redact

    line = (
        "GET /members?id_number=52263119900101001X&phone=13800000002&origin=522631101001 "
        "member 0190f1b2-7c4e-7a01-9d2b-3a1c5e6f7a80 position 1234567890123456789"
    )
    assert redact(line) == (
        "GET /members?id_number=522631********001X&phone=138****0002&origin=522631101001 "
        "member 0190f1b2-7c4e-7a01-9d2b-3a1c5e6f7a80 position 1234567890123456789"
    )


def test_every_log_record_is_masked_when_it_is_made(caplog):
    import logging

    from kite_common.privacy.log_redaction import protect_logs

    protect_logs()
    caplog.set_level(logging.INFO)
    logging.getLogger("some.library").info("lookup of %s by %s failed", "110105199001011234", "13912345678")
    assert caplog.records[-1].getMessage() == "lookup of 110105********1234 by 139****5678 failed"


def test_a_request_span_keeps_the_query_string_masked():
    from kite_common.http.tracing import mask_personal_numbers_in_span
    from opentelemetry.sdk.trace import TracerProvider

    span = (
        TracerProvider()
        .get_tracer("t")
        .start_span(
            "GET /members", attributes={"http.target": "/members?id_number=110105199001011234&phone=13912345678"}
        )
    )
    mask_personal_numbers_in_span(span, {})
    assert span.attributes["http.target"] == "/members?id_number=110105********1234&phone=139****5678"
