"""The local stack's generated secrets: made once, kept, and completed when a new one is added."""

from __future__ import annotations

import pytest
from kite_common.localstack.secrets import LOCAL_SECRET_NAMES, local_secrets


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    for name in LOCAL_SECRET_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_secrets_are_made_once_and_kept(tmp_path):
    first = local_secrets(tmp_path)
    assert set(first) == set(LOCAL_SECRET_NAMES) and all(first.values())
    assert first["KITE_CERT_SIGNING_KEYS"].startswith("local1:")
    assert local_secrets(tmp_path) == first


def test_a_secret_added_later_is_made_and_the_old_ones_kept(tmp_path):
    (tmp_path / "secrets.env").write_text("KITE_AUTH_JWT_SECRET=old-secret\n")
    secrets = local_secrets(tmp_path)
    assert secrets["KITE_AUTH_JWT_SECRET"] == "old-secret"
    assert secrets["KITE_CERT_SIGNING_KEYS"]
    assert "KITE_CERT_SIGNING_KEYS=" in (tmp_path / "secrets.env").read_text()
    assert local_secrets(tmp_path) == secrets
