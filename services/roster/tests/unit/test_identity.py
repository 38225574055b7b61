"""National ID numbers (GB 11643-1999): the check digit and what normalise_id_number refuses."""

from __future__ import annotations

import random

import pytest
from kite_roster.shared.identity import InvalidIdNumber, check_digit, normalise_id_number

# The examples printed in GB 11643-1999 and its commentary.
STANDARD_EXAMPLES = ["11010519491231002X", "440524188001010014"]


def _textbook(first17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


@pytest.mark.parametrize("number", STANDARD_EXAMPLES)
def test_the_standards_examples_have_their_check_digit(number):
    assert check_digit(number[:17]) == number[17]


def test_a_valid_number_is_upper_cased():
    assert normalise_id_number(" 11010519491231002x ") == "11010519491231002X"


def test_a_birth_before_1900_is_refused():  # 440524188001010014 is well formed, born in 1880
    with pytest.raises(InvalidIdNumber, match="出生日期无效"):
        normalise_id_number("440524188001010014")


def test_check_digit_is_the_standards_weighted_sum_mod_11():
    rng = random.Random(11643)
    for _ in range(5000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        assert check_digit(first17) == _textbook(first17)


@pytest.mark.parametrize("first17", ["1101051949123100", "11010519491231002X"[:16] + "Ａ", "1101051949123100２"])
def test_check_digit_needs_17_ascii_digits(first17):
    with pytest.raises(ValueError):
        check_digit(first17)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105194912310021", "校验位错误"),
        ("11010519491331002X", "出生日期无效"),
        ("11010519491231002", "应为18位"),
        ("１１0105194912310021", "应为18位"),  # full-width digits would dodge the blind index
    ],
)
def test_bad_numbers_are_refused_with_the_reason(number, reason):
    with pytest.raises(InvalidIdNumber, match=reason):
        normalise_id_number(number)
