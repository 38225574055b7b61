"""The languages notices are written in, and which one a member reads. Pure.

zh-Hans is the language every template has; bo (Tibetan) and ii (Yi, Nuosu) are written where a
county has them, and a notice falls back to zh-Hans where they are missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Language = Literal["zh-Hans", "bo", "ii"]
LANGUAGES: tuple[Language, ...] = ("zh-Hans", "bo", "ii")
DEFAULT: Language = "zh-Hans"
LANGUAGE_LABELS: dict[Language, str] = {"zh-Hans": "简体中文", "bo": "藏文", "ii": "彝文"}

# How roster records what a member speaks (free text, the best-spoken first) → a written language.
_SPOKEN: dict[str, Language] = {
    "藏语": "bo",
    "藏文": "bo",
    "彝语": "ii",
    "彝文": "ii",
    "汉语": "zh-Hans",
    "普通话": "zh-Hans",
    "中文": "zh-Hans",
}


def language_for(spoken: Iterable[str] | None) -> Language:
    """The first of the member's languages that notify writes in; Chinese when none is."""
    for name in spoken or ():
        found = _SPOKEN.get(name.strip())
        if found is not None:
            return found
    return DEFAULT
