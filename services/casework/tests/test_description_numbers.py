"""ID and phone numbers typed in any digits (full-width from a Chinese input method, Arabic-Indic) or
with spaces between groups are masked before a case description reaches the store or an event."""

from __future__ import annotations

import re

from kite_common.privacy.redaction import fold

from .conftest import case_body, caseworker

ID_NUMBER = "522631199001010011"
PHONE = "13912345678"


async def test_numbers_typed_in_full_width_other_digits_or_groups_never_reach_the_store_or_the_event(stack):
    member_id = await stack.register_member(7)
    typed = [
        "身份证５２２６３１１９９００１０１００１１",  # full-width
        "身份证 5226 3119 9001 0100 11",  # in groups of four
        "身份证 522631 19900101 0011",  # area, birth date, sequence
        "电话١٣٩١٢٣٤٥٦٧٨",  # Arabic-Indic digits
        "电话１３９－１２３４－５６７８",  # full-width with full-width dashes
        "电话 139 1234 5678",
    ]
    async with stack.casework.client(headers=caseworker()) as http:
        for text in typed:
            created = await http.post("/cases", json=case_body(member_id, description=f"{text}，被拖欠工资"))
            assert created.status_code == 201, created.text
            description = created.json()["description"]
            assert "522631********0011" in description or "139****5678" in description, description
            assert description.endswith("，被拖欠工资")  # the rest as it was written
    dump = await stack.casework.pool.fetchval(
        "SELECT (SELECT string_agg(data::text, '|') FROM events) || (SELECT string_agg(t::text, '|') FROM cases t)"
    )
    digits_only = re.sub(r"[^0-9]", "", fold(dump))
    assert ID_NUMBER not in digits_only and PHONE not in digits_only
