"""Personal numbers in free text: found however they are typed, masked or refused.

People type ID and mobile numbers into descriptions and notes with full-width digits (１３８…, from a
Chinese input method), other scripts' digits (١٣٨…), and spaces or dashes between groups
(5226 3119 9001 0100 11, 138-1234-5678). Text is checked in its NFKC form, with every decimal digit
read as its ASCII digit and every space or dash as a plain one — folded one character at a time, so
a match points at the same characters in the text as written, and only those are replaced: the rest
(full-width punctuation included) is kept as the person wrote it.
"""

from __future__ import annotations

import re
import unicodedata

from kite_common.privacy.masking import mask_id_number, mask_phone

# A separator people put between digit groups: one space or dash (after folding).
_SEP = r"[ \-]?"
_ID_NUMBER = re.compile(rf"(?<![0-9])[0-9](?:{_SEP}[0-9]){{16}}{_SEP}[0-9X](?![0-9])", re.IGNORECASE)
_MOBILE = re.compile(rf"(?<![0-9])1[3-9][0-9](?:{_SEP}[0-9]){{8}}(?![0-9])")
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")


def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch
    decimal = unicodedata.decimal(ch, None)
    if decimal is not None:
        return str(decimal)
    if ch.isspace():
        return " "
    if ch in _DASHES:
        return "-"
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def fold(text: str) -> str:
    """The text with the same length, each character in its NFKC form where that is one character,
    decimal digits of any script as ASCII digits, spaces and dashes as plain ones."""
    return "".join(_fold_char(ch) for ch in text)


def _digits(span: str) -> str:
    return "".join(ch for ch in span if ch not in " -").upper()


def redact_personal_numbers(text: str) -> str:
    """Masks resident ID numbers (18 characters) and mainland mobile numbers (11 digits) as the rest
    of Kite shows them (522631********0011, 138****5678), however they were typed."""
    folded = fold(text)
    spans: list[tuple[int, int, str]] = []
    for m in _ID_NUMBER.finditer(folded):
        spans.append((m.start(), m.end(), mask_id_number(_digits(m.group(0)))))
    for m in _MOBILE.finditer(folded):
        if not any(s < m.end() and m.start() < e for s, e, _ in spans):
            spans.append((m.start(), m.end(), mask_phone(_digits(m.group(0)))))
    out, last = [], 0
    for start, end, masked in sorted(spans):
        out.append(text[last:start])
        out.append(masked)
        last = end
    out.append(text[last:])
    return "".join(out)


def holds_personal_number(text: str) -> bool:
    """Whether the text holds something that reads as an ID or mobile number."""
    return redact_personal_numbers(text) != text


def ascii_digits_only(text: str) -> bool:
    """For structured numbers (phones, division codes, jurisdictions): only 0-9 are digits here.
    Python's `isdigit` and `\\d` also take ١٢٣ and １２３, which would slip past blind indexes and
    prefix matches; callers refuse them."""
    return text.isascii() and text.isdigit()
