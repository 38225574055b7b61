"""The console over plain HTTP: sign-in, sessions, CSRF, headers, the APIs' answers shown as pages."""

from __future__ import annotations

import uuid

import httpx

from .conftest import YONGSHAN, ZHENXIONG, Console, csrf_of, id_number


async def test_pages_need_a_session_and_send_back_to_sign_in(console: Console) -> None:
    async with httpx.AsyncClient(base_url=console.url) as anonymous:
        answer = await anonymous.get("/members?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=%2Fmembers%3Fx%3D1"


async def test_session_cookie_is_httponly_and_samesite(console: Console) -> None:
    async with httpx.AsyncClient(base_url=console.url) as client:
        page = await client.get("/signin")
        answer = await client.post(
            "/signin/dev", data={"user": f"{YONGSHAN}-caseworker", "csrf_token": csrf_of(page.text)}
        )
    cookie = answer.headers["set-cookie"]
    assert answer.status_code == 303 and cookie.startswith("kite_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # plain HTTP here


async def test_sign_in_form_without_its_token_is_refused(console: Console) -> None:
    async with httpx.AsyncClient(base_url=console.url) as client:
        answer = await client.post("/signin/dev", data={"user": f"{YONGSHAN}-admin", "csrf_token": "forged"})
    assert answer.status_code == 404 and "kite_session" not in answer.headers.get("set-cookie", "")


async def test_every_page_forbids_inline_and_foreign_scripts(console: Console) -> None:
    async with console.signed_in() as client:
        page = await client.get("/dashboard")
        script = await client.get("/static/console.js")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert "<script>" not in page.text and '<script src="/static/' in page.text
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")


async def test_a_form_without_the_session_csrf_token_changes_nothing(console: Console) -> None:
    async with console.signed_in() as client:
        answer = await client.post("/members/new", data={"name": "张三", "csrf_token": "not-the-token"})
        search = await client.post(
            "/members/search", data={"csrf_token": csrf_of((await client.get("/members")).text), "name": "张三"}
        )
    assert answer.status_code == 404
    assert "没有符合条件的人员" in search.text


async def test_register_shows_the_rosters_errors_by_field_and_keeps_the_input(console: Console) -> None:
    async with console.signed_in() as client:
        form = await client.get("/members/new")
        answer = await client.post(
            "/members/new",
            data={
                "csrf_token": csrf_of(form.text),
                "name": "<b>李</b>",
                "id_number": "123",
                "phone": "12",
                "origin_division_code": f"{YONGSHAN}101001",
                "current_city": "宁波",
            },
        )
    assert answer.status_code == 422
    html = answer.text
    assert 'id="e-id_number"' in html and 'id="e-phone"' in html  # each message next to its field
    assert 'value="&lt;b&gt;李&lt;/b&gt;"' in html  # the typed name kept, and escaped


async def test_a_member_of_another_county_looks_like_no_member(console: Console) -> None:
    other = await console.register_member(51, county=ZHENXIONG, name="王其发")
    async with console.signed_in() as client:
        refused = await client.get(f"/members/{other}")
        unknown = await client.get(f"/members/{uuid.uuid4()}")
    assert refused.status_code == unknown.status_code == 404
    assert refused.text == unknown.text
    assert "王其发" not in refused.text


async def test_member_page_masks_personal_numbers(console: Console) -> None:
    member = await console.register_member(52)
    async with console.signed_in(f"{YONGSHAN}-viewer") as client:
        page = await client.get(f"/members/{member}")
    assert page.status_code == 200 and "杨德贵" in page.text
    assert id_number(52) not in page.text and "13900000052" not in page.text


async def test_a_case_verb_refused_by_casework_shows_its_problem(console: Console) -> None:
    member = await console.register_member(53)
    async with console.signed_in(f"{YONGSHAN}-caseworker") as client:
        page = await client.get(f"/members/{member}")
        opened = await client.post(
            f"/members/{member}/cases",
            data={
                "csrf_token": csrf_of(page.text),
                "category": "wage_arrears",
                "urgency": "high",
                "description": "工资拖欠三个月",
            },
        )
        assert opened.status_code == 303
        case_url = opened.headers["location"]
        case_page = await client.get(case_url)
        stale = await client.post(case_url + "/accept", data={"csrf_token": csrf_of(case_page.text), "version": "99"})
    assert stale.status_code == 412
    assert 'role="alert"' in stale.text
    assert "待受理" in stale.text  # nothing changed


async def test_live_stream_tells_an_open_page_that_the_roster_changed(console: Console) -> None:
    async with console.signed_in(f"{YONGSHAN}-viewer") as client, client.stream("GET", "/live") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert (await anext(lines)).startswith("retry:")
        await console.register_member(54)
        seen = []
        async for line in lines:
            seen.append(line)
            if line == "data: roster":
                break
    assert "event: changed" in seen


async def test_a_pii_reader_sees_the_full_numbers_only_with_a_reason(console: Console) -> None:
    member = await console.register_member(55)
    async with console.signed_in(f"{YONGSHAN}-viewer") as viewer:
        plain = await viewer.get(f"/members/{member}")
    async with console.signed_in(f"{YONGSHAN}-pii") as reader:
        page = await reader.get(f"/members/{member}")
        short = await reader.post(f"/members/{member}/reveal", data={"csrf_token": csrf_of(page.text), "reason": "看"})
        shown = await reader.post(
            f"/members/{member}/reveal", data={"csrf_token": csrf_of(page.text), "reason": "核实欠薪诉求身份"}
        )
    assert "查看完整号码" not in plain.text
    assert "查看完整号码" in page.text and id_number(55) not in page.text
    assert short.status_code == 422 and 'id="e-reason"' in short.text and id_number(55) not in short.text
    assert shown.status_code == 200 and id_number(55) in shown.text and "13900000055" in shown.text
    assert shown.headers["cache-control"] == "no-store"


async def test_an_expired_session_sends_a_form_back_to_sign_in_and_then_to_its_page(console: Console) -> None:
    async with console.signed_in(f"{YONGSHAN}-registrar") as client:
        form = await client.get("/members/new")
        pool = console.console.pool
        assert pool is not None
        await pool.execute("UPDATE console_sessions SET expires_at = now() - interval '1 second'")
        answer = await client.post(
            "/members/new",
            data={"csrf_token": csrf_of(form.text), "name": "赵大山"},
            headers={"Referer": f"{console.url}/members/new"},
        )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=%2Fmembers%2Fnew"


async def test_a_malformed_address_is_the_not_found_page(console: Console) -> None:
    async with console.signed_in(f"{YONGSHAN}-viewer") as client:
        answer = await client.get("/members/not-a-member")
    assert answer.status_code == 404 and "未找到" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


async def test_edit_sends_the_version_and_shows_the_rosters_errors(console: Console) -> None:
    member = await console.register_member(56)
    async with console.signed_in(f"{YONGSHAN}-registrar") as client:
        form = await client.get(f"/members/{member}/edit")
        token = csrf_of(form.text)
        bad = await client.post(
            f"/members/{member}/edit", data={"csrf_token": token, "version": "1", "name": "杨德贵", "phone": "123"}
        )
        saved = await client.post(
            f"/members/{member}/edit",
            data={"csrf_token": token, "version": "1", "name": "杨德贵", "skills": "焊工、电工", "union_member": "on"},
        )
        stale = await client.post(
            f"/members/{member}/edit", data={"csrf_token": token, "version": "1", "name": "杨德富"}
        )
        page = await client.get(f"/members/{member}")
    assert bad.status_code == 422 and 'id="e-phone"' in bad.text
    assert saved.status_code == 303
    assert stale.status_code == 412 and 'role="alert"' in stale.text
    assert "焊工、电工" in page.text and "杨德富" not in page.text


async def test_a_caseworker_issues_a_certificate_for_a_cases_member(console: Console) -> None:
    member = await console.register_member(57)
    async with console.signed_in(f"{YONGSHAN}-caseworker") as client:
        page = await client.get(f"/members/{member}")
        opened = await client.post(
            f"/members/{member}/cases",
            data={
                "csrf_token": csrf_of(page.text),
                "category": "certificate",
                "urgency": "normal",
                "description": "需要务工证明办理子女入学",
            },
        )
        case_url = opened.headers["location"]
        form = await client.get(case_url + "/certificates/new", params={"template": "work"})
        fields = {"csrf_token": csrf_of(form.text), "template": "work", "office_name": "永善县人力资源和社会保障局"}
        missing = await client.post(case_url + "/certificates/new", data=fields)
        issued = await client.post(
            case_url + "/certificates/new",
            data={
                **fields,
                "field_purpose": "子女入学",
                "field_work_since": "2021年3月",
                "field_work_place": "宁波北仑港",
                "field_occupation": "装卸工",
            },
        )
        certificate = await client.get(issued.headers["location"])
        pdf = await client.get(issued.headers["location"] + "/pdf")
    assert form.status_code == 200 and 'id="f-field_work_place"' in form.text
    assert missing.status_code == 422 and 'id="e-field_work_place"' in missing.text
    assert issued.status_code == 303 and certificate.status_code == 200
    assert "宁波北仑港" in certificate.text and "永善县人力资源和社会保障局" in certificate.text
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_escalating_shows_casework_refusal_next_to_the_form(console: Console) -> None:
    member = await console.register_member(58)
    async with console.signed_in(f"{YONGSHAN}-caseworker") as client:
        page = await client.get(f"/members/{member}")
        opened = await client.post(
            f"/members/{member}/cases",
            data={
                "csrf_token": csrf_of(page.text),
                "category": "medical",
                "urgency": "normal",
                "description": "住院费用",
            },
        )
        case_url = opened.headers["location"]
        case_page = await client.get(case_url)
        version = case_page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
        empty = await client.post(
            case_url + "/escalate", data={"csrf_token": csrf_of(case_page.text), "version": version, "reason": ""}
        )
    assert 'action="' + case_url + '/escalate"' in case_page.text
    assert empty.status_code == 422 and 'id="e-escalate-reason"' in empty.text


async def test_relocation_and_contact_from_the_member_page(console: Console) -> None:
    member = await console.register_member(59)
    async with console.signed_in(f"{YONGSHAN}-station") as client:
        page = await client.get(f"/members/{member}")
        token = csrf_of(page.text)
        version = page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
        missing = await client.post(
            f"/members/{member}/relocations", data={"csrf_token": token, "version": version, "moved_on": "2026-03-01"}
        )
        moved = await client.post(
            f"/members/{member}/relocations",
            data={"csrf_token": token, "version": version, "current_city": "东莞", "moved_on": "2026-03-01"},
        )
        contacted = await client.post(
            f"/members/{member}/contacts", data={"csrf_token": token, "channel": "wechat", "note": "已联系"}
        )
        after = await client.get(f"/members/{member}")
    assert missing.status_code == 422 and 'id="e-current_city"' in missing.text
    assert moved.status_code == 303 and contacted.status_code == 303
    assert "宁波 → 东莞" in after.text


async def test_deregistration_is_offered_to_registrars_and_the_rosters_refusals_are_shown(console: Console) -> None:
    member = await console.register_member(122, name="张国华")
    async with console.signed_in(f"{YONGSHAN}-caseworker") as caseworker:
        page = await caseworker.get(f"/members/{member}")
        csrf = csrf_of(page.text)
        refused = await caseworker.post(
            f"/members/{member}/deregister", data={"csrf_token": csrf, "reason": "returned-home"}
        )
    async with console.signed_in(f"{YONGSHAN}-registrar") as registrar:
        offered = await registrar.get(f"/members/{member}")
        confirm = await registrar.get(f"/members/{member}/deregister")
        csrf = csrf_of(confirm.text)
        no_note = await registrar.post(f"/members/{member}/deregister", data={"csrf_token": csrf, "reason": "other"})
        no_csrf = await registrar.post(f"/members/{member}/deregister", data={"reason": "deceased"})
        still = await registrar.get(f"/members/{member}")
        done = await registrar.post(
            f"/members/{member}/deregister", data={"csrf_token": csrf, "reason": "moved-away", "note": "迁往昆明"}
        )
        after = await registrar.get(f"/members/{member}")
    assert "/deregister" not in page.text  # a caseworker is not offered it, and the roster refuses it
    assert refused.status_code == 403 and 'class="problem"' in refused.text
    assert f"/members/{member}/deregister" in offered.text and "注销后" in confirm.text
    assert no_note.status_code == 422 and "备注" in no_note.text and 'value="other" selected' in no_note.text
    assert no_csrf.status_code == 404
    assert "已注销" not in still.text
    assert done.status_code == 303 and "已注销" in after.text and "迁出" in after.text
    assert "/deregister" not in after.text
