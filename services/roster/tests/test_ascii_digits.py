"""Where a number is structured — a phone, a division code, a jurisdiction — only 0-9 are digits:
full-width (１３８…) and Arabic-Indic (١٣٨…) digits are refused with a problem, and nothing is kept.
(They would otherwise dodge the phone's blind index and the division-code prefix checks.)"""

from __future__ import annotations

import pytest
from kite_common.testing.stack import auth, running, token
from kite_roster.service import SERVICE

from .test_members_api import COUNTY, member_body

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


async def test_phones_division_codes_and_prefixes_in_other_digits_are_refused_and_nothing_is_kept(roster):
    registrar = auth(["registrar"], COUNTY)
    async with roster.client(headers=registrar) as http:
        for table in (FULL_WIDTH, ARABIC_INDIC):
            for field, value in (("phone", "13800000001"), ("origin_division_code", f"{COUNTY}101001")):
                response = await http.post("/members", json=member_body(1, **{field: value.translate(table)}))
                assert response.status_code == 422, response.text
                assert response.headers["content-type"].startswith("application/problem+json")
            listed = await http.get("/members", params={"origin": COUNTY.translate(table)})
            assert listed.status_code == 422, listed.text
        assert (await http.post("/members", json=member_body(1))).status_code == 201  # ASCII passes
    assert await roster.pool.fetchval("SELECT count(*) FROM events") == 1


async def test_a_token_whose_jurisdiction_is_written_in_other_digits_is_refused(roster):
    async with roster.client() as http:
        for jurisdiction in (COUNTY.translate(FULL_WIDTH), COUNTY.translate(ARABIC_INDIC)):
            bearer = {"Authorization": f"Bearer {token(['admin'], jurisdiction)}"}
            response = await http.get("/members", headers=bearer)
            assert response.status_code == 401, response.text
        assert (await http.get("/members", headers=auth(["admin"], COUNTY))).status_code == 200
