"""A deployment without certificate signing keys says so to staff (503), instead of failing."""

from __future__ import annotations

import pytest
from kite_casework.certificates.adapters import settings
from kite_common.domain import Unavailable


def test_missing_signing_keys_are_an_unavailable_service_not_a_crash(monkeypatch):
    monkeypatch.delenv("KITE_CERT_SIGNING_KEYS", raising=False)
    settings.certificate_settings.cache_clear()
    settings.signing_keys.cache_clear()
    try:
        with pytest.raises(Unavailable) as refused:
            settings.signing_keys()
        assert refused.value.code == "signing-keys-missing"
        assert "签名密钥尚未配置" in refused.value.message
    finally:
        settings.certificate_settings.cache_clear()
        settings.signing_keys.cache_clear()
