"""Jobs in the console: the jurisdiction's postings, and a posting's matches with each score explained."""

from __future__ import annotations

from datetime import date, timedelta

from kite_common.testing.stack import auth, eventually

from .conftest import YONGSHAN, Console, csrf_of


async def test_postings_and_matches_with_their_scores_explained(console: Console) -> None:
    member = await console.register_member(70, name="蒋大勇")
    async with console.roster.client(headers=auth(["registrar"], YONGSHAN)) as roster:
        version = (await roster.get(f"/members/{member}")).json()["version"]
        edited = await roster.patch(
            f"/members/{member}", json={"skills": ["焊工"]}, headers={"If-Match": f'"{version}"'}
        )
        assert edited.status_code == 200, edited.text
    async with console.jobs.client(headers=auth(["employment"], YONGSHAN)) as jobs:

        async def seeker_registered() -> bool:
            answer = await jobs.put(
                f"/seekers/{member}",
                json={
                    "desired_division_code": f"{YONGSHAN}101001",
                    "expected_wage_fen": 700000,
                    "available_from": date.today().isoformat(),
                },
            )
            return answer.status_code in (200, 201)

        await eventually(seeker_registered)  # once jobs knows the member (from the roster's events)
        employer = await jobs.post(
            "/employers",
            json={
                "name": "永善县溪洛渡建材有限公司",
                "unified_social_credit_code": "91330106MA2CFQ0B1E",
                "hiring_division_code": f"{YONGSHAN}101001",
                "area_division_code": f"{YONGSHAN}101001",
            },
        )
        assert employer.status_code == 201, employer.text
        today = date.today()
        posting = await jobs.post(
            "/postings",
            json={
                "employer_id": employer.json()["employer_id"],
                "title": "钢筋焊工",
                "skills_required": ["焊工"],
                "headcount": 3,
                "wage_min_fen": 600000,
                "wage_max_fen": 900000,
                "place_division_code": f"{YONGSHAN}101001",
                "place_label": "溪洛渡镇",
                "opens_on": today.isoformat(),
                "closes_on": (today + timedelta(days=30)).isoformat(),
            },
        )
        assert posting.status_code == 201, posting.text
    posting_id = posting.json()["posting_id"]
    async with console.signed_in(f"{YONGSHAN}-employment") as client:
        listed = await client.get("/jobs")
        page = await client.get(f"/jobs/{posting_id}")

        async def matched() -> str | None:
            answer = await client.post(f"/jobs/{posting_id}/match", data={"csrf_token": csrf_of(page.text)})
            assert answer.status_code == 303, answer.text
            shown = await client.get(f"/jobs/{posting_id}")
            return shown.text if "蒋大勇" in shown.text else None

        with_matches = await eventually(matched, timeout=30, interval=1)
    assert "钢筋焊工" in listed.text and "6,000.00 元" in listed.text
    assert "技能 40/40" in with_matches  # each part of the score as points/max with its reason
