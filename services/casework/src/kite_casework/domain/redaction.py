"""Free text written into a case (its description) must not carry ID or phone numbers into events:
people type them anyway, so they are masked before the case is decided."""

from __future__ import annotations

import re

from kite_common.privacy.masking import mask_id_number, mask_phone

_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})(?![0-9])")


def redact_personal_numbers(text: str) -> str:
    """Mask resident ID numbers (18 characters) and mainland mobile numbers (11 digits, also written
    as 138 1234 5678 or 138-1234-5678) as the rest of Kite shows them."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0).upper()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(1) + m.group(2) + m.group(3)), text)
