"""The personal-data protector notify encrypts addresses with."""

from __future__ import annotations

from functools import lru_cache

from kite_common.privacy import FieldProtector


@lru_cache(maxsize=1)
def field_protector() -> FieldProtector:
    """The personal-data keys (KITE_CRYPTO_*), read once."""
    return FieldProtector.from_settings()
