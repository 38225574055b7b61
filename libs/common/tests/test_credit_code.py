"""GB 32100 unified social credit codes: real published codes pass, a changed character fails."""

import pytest
from kite_common.identifiers.credit_code import InvalidCreditCode, normalise_credit_code

# Codes printed on real business licences (华为技术有限公司, 中国石油天然气集团有限公司).
REAL = ["91440300708461136T", "91110000100010433L"]


@pytest.mark.parametrize("code", REAL)
def test_published_codes_pass_and_come_back_canonical(code: str) -> None:
    assert normalise_credit_code(code) == code
    assert normalise_credit_code(f" {code.lower()} ") == code


def test_full_width_input_is_read_as_ascii() -> None:
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in REAL[0])
    assert normalise_credit_code(full_width) == REAL[0]


@pytest.mark.parametrize("code", REAL)
def test_every_wrong_check_character_is_refused(code: str) -> None:
    for wrong in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if wrong != code[-1]:
            with pytest.raises(InvalidCreditCode, match="校验码"):
                normalise_credit_code(code[:17] + wrong)


def test_a_changed_digit_in_the_body_is_caught_by_the_check() -> None:
    code = REAL[0]
    changed = code[:9] + ("1" if code[9] != "1" else "2") + code[10:]
    with pytest.raises(InvalidCreditCode, match="校验码"):
        normalise_credit_code(changed)


@pytest.mark.parametrize(
    ("code", "words"),
    [("9144030070846113", "18位"), ("91440300708461136O", "不允许的字符"), ("9144A300708461136T", "行政区划码")],
)
def test_malformed_codes_say_what_is_wrong(code: str, words: str) -> None:
    with pytest.raises(InvalidCreditCode, match=words):
        normalise_credit_code(code)
