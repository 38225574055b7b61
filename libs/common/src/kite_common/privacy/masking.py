"""How personal numbers are shown when the reader may not see them whole."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """110105199001011234 -> 110105********1234 (area kept, birth date and sequence hidden)."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678"""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
