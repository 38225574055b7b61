"""Employers (contacts masked, verified by an HR station), fairs with registrations and check-ins, and
placements with the follow-ups due, as the console shows them from the jobs API."""

from __future__ import annotations

from datetime import date, timedelta

from kite_common.identifiers.credit_code import check_character
from kite_common.testing.stack import auth, eventually

from .conftest import YONGSHAN, Console, csrf_of


async def test_employer_page_masks_contacts_and_an_hr_station_verifies_it(console: Console) -> None:
    first17 = "91530625MA6K0B1X2"
    async with console.jobs.client(headers=auth(["employment"], YONGSHAN)) as jobs:
        created = await jobs.post(
            "/employers",
            json={
                "name": "永善县金沙建筑劳务有限公司",
                "unified_social_credit_code": first17 + check_character(first17),
                "hiring_division_code": f"{YONGSHAN}101001",
                "area_division_code": f"{YONGSHAN}101001",
                "contacts": [{"name": "李经理", "role": "人事", "phone": "13987654321"}],
            },
        )
    assert created.status_code == 201, created.text
    employer_id = created.json()["employer_id"]
    async with console.signed_in(f"{YONGSHAN}-employment") as staff:
        listed = await staff.get("/employers", params={"verified": "false"})
        seen_by_staff = await staff.get(f"/employers/{employer_id}")
    async with console.signed_in(f"{YONGSHAN}-hrstation") as station:
        page = await station.get(f"/employers/{employer_id}")
        version = page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
        verified = await station.post(
            f"/employers/{employer_id}/verify",
            data={"csrf_token": csrf_of(page.text), "version": version, "note": "营业执照已核对"},
        )
        after = await station.get(f"/employers/{employer_id}")
    assert "永善县金沙建筑劳务有限公司" in listed.text
    assert "13987654321" not in seen_by_staff.text and "139****4321" in seen_by_staff.text
    assert "/verify" not in seen_by_staff.text  # only an HR station verifies
    assert verified.status_code == 303, verified.text
    assert "已核验" in after.text and "/verify" not in after.text


async def test_a_fair_registers_and_checks_in_a_member_and_shows_its_results(console: Console) -> None:
    member = await console.register_member(82, name="罗正华")
    async with console.jobs.client(headers=auth(["employment"], YONGSHAN)) as jobs:
        fair = await jobs.post(
            "/fairs",
            json={
                "title": "永善县春风行动专场招聘会",
                "organisers": ["永善县人社局"],
                "held_on": date.today().isoformat(),
                "place_division_code": f"{YONGSHAN}101001",
                "area_division_code": f"{YONGSHAN}101001",
            },
        )
    assert fair.status_code == 201, fair.text
    fair_id = fair.json()["fair_id"]
    async with console.signed_in(f"{YONGSHAN}-employment") as client:
        listed = await client.get("/fairs")
        page = await client.get(f"/fairs/{fair_id}")
        csrf = csrf_of(page.text)
        malformed = await client.post(
            f"/fairs/{fair_id}/registrations", data={"csrf_token": csrf, "member_id": "not-a-member"}
        )

        async def registered() -> bool:  # once jobs knows the member from the roster's events
            answer = await client.post(
                f"/fairs/{fair_id}/registrations", data={"csrf_token": csrf, "member_id": str(member)}
            )
            return answer.status_code == 303

        await eventually(registered, timeout=30, interval=0.5)
        checked_in = await client.post(
            f"/fairs/{fair_id}/check-ins", data={"csrf_token": csrf, "member_id": str(member)}
        )
        shown = await client.get(f"/fairs/{fair_id}")
        invitees = await client.get(f"/fairs/{fair_id}", params={"attendees": "true"})
        placements = await client.get("/placements")
    assert "永善县春风行动专场招聘会" in listed.text
    assert malformed.status_code == 422 and 'id="e-registrations-member"' in malformed.text
    assert 'value="not-a-member"' in malformed.text
    assert checked_in.status_code == 303, checked_in.text
    assert 'id="fair-registered">1（0）' in shown.text and 'id="fair-attended">1<' in shown.text
    # the registration list names who came, with no personal number of theirs
    attendees = shown.text.split('id="fair-attendees"', 1)[1].split("</table>", 1)[0]
    assert "罗正华" in attendees and "自行报名" in attendees and "未签到" not in attendees
    assert "13900000082" not in shown.text and "19880203082" not in shown.text
    assert 'id="fair-attendees"' not in invitees.text and "暂无报名" in invitees.text
    assert placements.status_code == 200 and "待回访" in placements.text


async def test_a_fair_page_lists_the_employers_and_postings_it_brought(console: Console) -> None:
    first17 = "91530625MA6K0D3Y4"
    async with console.jobs.client(headers=auth(["employment"], YONGSHAN)) as jobs:
        employer = await jobs.post(
            "/employers",
            json={
                "name": "宁波北仑港务劳务有限公司",
                "unified_social_credit_code": first17 + check_character(first17),
                "hiring_division_code": "330206001001",
                "area_division_code": f"{YONGSHAN}101001",
            },
        )
        assert employer.status_code == 201, employer.text
        employer_id = employer.json()["employer_id"]
        posting = await jobs.post(
            "/postings",
            json={
                "employer_id": employer_id,
                "title": "港口装卸工",
                "skills_required": ["装卸"],
                "headcount": 20,
                "wage_min_fen": 650_000,
                "wage_max_fen": 800_000,
                "place_division_code": "330206001001",
                "opens_on": date.today().isoformat(),
                "closes_on": (date.today() + timedelta(days=30)).isoformat(),
            },
        )
        assert posting.status_code == 201, posting.text
        fair = await jobs.post(
            "/fairs",
            json={
                "title": "宁波企业永善专场招聘会",
                "organisers": ["永善县人社局"],
                "held_on": date.today().isoformat(),
                "place_division_code": f"{YONGSHAN}101001",
                "area_division_code": f"{YONGSHAN}101001",
            },
        )
        fair_id = fair.json()["fair_id"]
        joined = await jobs.post(
            f"/fairs/{fair_id}/employers",
            json={"employer_id": employer_id, "posting_ids": [posting.json()["posting_id"]]},
        )
        assert joined.status_code == 200, joined.text
    async with console.signed_in(f"{YONGSHAN}-employment") as client:
        page = await client.get(f"/fairs/{fair_id}")
    assert page.status_code == 200
    employers = page.text.split('id="fair-employers"', 1)[1].split("</table>", 1)[0]
    postings = page.text.split('id="fair-postings"', 1)[1].split("</table>", 1)[0]
    assert "宁波北仑港务劳务有限公司" in employers and f'/employers/{employer_id}"' in employers
    assert "港口装卸工" in postings and "6,500.00 元 – 8,000.00 元" in postings
