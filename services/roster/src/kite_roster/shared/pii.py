"""FastAPI dependency for the roster's encrypted personal data: one protector per process."""

from __future__ import annotations

from functools import lru_cache

from kite_common.privacy import FieldProtector


@lru_cache
def field_protector() -> FieldProtector:
    return FieldProtector.from_settings()
