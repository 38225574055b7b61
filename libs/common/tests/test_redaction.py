"""Personal numbers in free text, however typed; and only ASCII digits where a number is structured."""

from __future__ import annotations

import pytest
from kite_common.auth import Principal
from kite_common.privacy.redaction import ascii_digits_only, fold, holds_personal_number, redact_personal_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "身份证５２２６３１１９９００１０１００１１，电话１３８１２３４５６７８",
            "身份证522631********0011，电话138****5678",
        ),
        ("5226 3119 9001 0100 11", "522631********0011"),
        ("证号 522631 19900101 001x 在", "证号 522631********001X 在"),
        ("٥٢٢٦٣١١٩٩٠٠١٠١٠٠١١", "522631********0011"),
        ("号码１３８－１２３４－５６７８，好", "号码138****5678，好"),
        ("138 1234 5678。", "138****5678。"),
        ("订单号 213812345678901", "订单号 213812345678901"),  # a longer run is not a phone number
        ("欠薪１２０００元，工号２０２４０３０１", "欠薪１２０００元，工号２０２４０３０１"),  # kept as written
    ],
)
def test_personal_numbers_are_masked_however_they_are_typed(text, expected):
    assert redact_personal_numbers(text) == expected
    assert holds_personal_number(text) is (text != expected)


def test_folding_keeps_every_character_in_its_place():
    text = "电话１３８　１２３４－５６７８，ＡＢ"
    assert len(fold(text)) == len(text)
    assert fold(text) == "电话138 1234-5678,AB"


def test_structured_numbers_take_ascii_digits_only():
    assert ascii_digits_only("522631")
    assert not ascii_digits_only("５２２６３１") and not ascii_digits_only("٥٢٢٦٣١") and not ascii_digits_only("")
    for jurisdiction in ("٥٢", "５２", "52\n", "5a"):
        with pytest.raises(ValueError):
            Principal("s", frozenset(), jurisdiction)
    assert Principal("s", frozenset(), "52").jurisdiction == "52"
