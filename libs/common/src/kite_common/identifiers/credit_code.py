"""The unified social credit code (统一社会信用代码) per GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capitals without I, O, Z, S, V):
registration authority, organisation type, the registering division code (six digits), the
nine-character organisation code and a check character computed over the first seventeen.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


class InvalidCreditCode(ValueError):
    """The code breaks GB 32100; `message` is the Chinese text a person reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_character(first17: str) -> str:
    """The check character for the first seventeen characters of a code."""
    total = sum(_VALUE[ch] * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    """The code in canonical form (NFKC, trimmed, upper case), or InvalidCreditCode saying why."""
    code = unicodedata.normalize("NFKC", raw).strip().upper()
    if len(code) != 18:
        raise InvalidCreditCode(f"统一社会信用代码应为18位，收到{len(code)}位")
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        raise InvalidCreditCode(f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、Z、S、V）")
    if not code[2:8].isdigit():
        raise InvalidCreditCode("统一社会信用代码第3至8位应为登记管理机关行政区划码（6位数字）")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidCreditCode("统一社会信用代码校验码不正确，请核对")
    return code
