"""National ID numbers (GB 11643-1999) and division codes (GB/T 2260 + township/village)."""

from __future__ import annotations

import re
from datetime import date
from operator import mul

from kite_roster.shared.divisions import division_problem

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: full-width digits would dodge the blind index


class InvalidIdNumber(ValueError):
    pass


_DIGIT_OFFSET = ord("0") * sum(_WEIGHTS)


def check_digit(first17: str) -> str:
    """The 18th character for 17 ASCII digits (weighted sum mod 11, summed over the digits' bytes)."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("check_digit needs 17 ASCII digits")
    return _CHECK[(sum(map(mul, first17.encode(), _WEIGHTS)) - _DIGIT_OFFSET) % 11]


def normalise_id_number(raw: str) -> str:
    """Validate an 18-digit resident ID number and return it upper-cased; raise with a Chinese reason."""
    value = raw.strip().upper()
    if not _ID.match(value):
        raise InvalidIdNumber("身份证号应为18位，前17位为数字，最后一位为数字或X")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber("身份证号中的出生日期无效") from exc
    if born.year < 1900 or born > date.today():
        raise InvalidIdNumber("身份证号中的出生日期无效")
    if check_digit(value[:17]) != value[17]:
        raise InvalidIdNumber("身份证号校验位错误")
    return value


def gender_of(id_number: str) -> str:
    """The 17th digit is odd for men, even for women."""
    return "male" if int(id_number[16]) % 2 else "female"


def birth_date_of(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def is_division_code(value: str) -> bool:
    """A 12-digit code in a known county, with well-formed township and village parts (see divisions)."""
    return division_problem(value) is None


def county_of(division_code: str) -> str:
    return division_code[:6]
