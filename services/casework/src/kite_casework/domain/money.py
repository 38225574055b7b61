"""Money on a case, always in integer fen (分), never floats.

Amount claimed (诉求金额, e.g. wages owed) is one figure the owner may revise; recoveries (追回),
relief paid (救助金) and funds raised (筹集资金) are entries, several of each, every one with its
date and a note. An entry is never edited: a mistake is put right by a correction (更正) naming the
entry, the figure it should have had (0 reverses it: 冲销), the reason and who did it; the totals
count each entry at its corrected figure, so they never go below zero.

Recovered may exceed claimed: a settlement or award can add compensation or interest to the wages
owed (劳动合同法 第八十五条 adds 50%–100%), and a case opened by phone often has no claimed figure
yet; the response says so (`recovered_exceeds_claimed`) instead of refusing it.
"""

from __future__ import annotations

from enum import StrEnum

from kite_common.domain import RuleViolation

MAX_FEN = 100_000_000_000  # 10 亿元: more is a typing mistake, not a migrant worker's case


class MoneyKind(StrEnum):
    RECOVERED = "recovered"
    RELIEF_PAID = "relief_paid"
    FUNDS_RAISED = "funds_raised"

    @property
    def label(self) -> str:
        return {"recovered": "追回款项", "relief_paid": "发放救助金", "funds_raised": "筹集资金"}[self.value]


class InvalidAmount(RuleViolation):
    code = "invalid-amount"


def amount_in_fen(value: object, field: str = "amount_fen") -> int:
    """A positive whole number of fen; anything else (a float, 12.5, "100", a negative, zero) is a 422
    that says so in Chinese. A RuleViolation is a ValueError, so request models use this too."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount("金额应为整数，单位为分（如 800000 表示 8000 元），不能是小数或文字", field=field)
    if value <= 0:
        raise InvalidAmount("金额应大于 0（单位：分）", field=field)
    if value > MAX_FEN:
        raise InvalidAmount("金额过大（上限 10 亿元），请核对单位是否为分", field=field)
    return value


def corrected_amount(value: object, field: str = "amount_fen") -> int:
    """The figure an entry should have had: a whole number of fen, 0 to reverse it (冲销), never negative."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount("金额应为整数，单位为分（0 表示冲销），不能是小数或文字", field=field)
    if value < 0:
        raise InvalidAmount("更正后的金额不能为负数（冲销请填 0）", field=field)
    if value > MAX_FEN:
        raise InvalidAmount("金额过大（上限 10 亿元），请核对单位是否为分", field=field)
    return value
