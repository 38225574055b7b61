"""The console in a real headless Chromium (Debian's package, driven by Playwright): a 永善 station
worker signs in, registers a member, opens a wage case and accepts it while an open dashboard follows
along without reloading, and a member of another county is not shown. Screenshots of the main pages
go to build/screenshots/; every page passes axe-core with no serious or critical violation."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from kite_common.identifiers.credit_code import check_character
from kite_common.testing.stack import auth
from playwright.async_api import ConsoleMessage, Page, async_playwright, expect

from .conftest import YONGSHAN, ZHENXIONG, Console, id_number

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now (evaluated by the test
    driver, so the page's own CSP, which forbids injected scripts, stays as it is)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE)
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return found


async def rendering_fonts(page: Page, selector: str) -> list[str]:
    """The fonts the browser really drew an element's text with (Chromium's DevTools protocol)."""
    await page.evaluate(  # the page's fonts for this text, loaded (the browser fetches them on first use)
        """async (selector) => {
             const el = document.querySelector(selector);
             await document.fonts.load(getComputedStyle(el).font, el.textContent);
           }""",
        selector,
    )
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    root = await cdp.send("DOM.getDocument")
    node = await cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
    used = await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    await cdp.detach()
    return sorted(f["familyName"] for f in used["fonts"] if f["isCustomFont"])


async def open_member(page: Page, url: str, name: str) -> None:
    """Go to a member's page and wait until it is the member's page (its heading names them), so a
    wrong page fails here with what was shown rather than as a missing form further on. The console
    answers a service that did not answer in time with its "暂时无法使用" page (503, Retry-After): a
    person reloads it, and so does the walk, a few times at most."""
    for _ in range(3):
        answer = await page.goto(url)
        if answer is None or answer.status != 503:
            break
        await page.wait_for_timeout(1000 * int(answer.headers.get("retry-after", "1")))
    await expect(page.locator("h1"), f"{url} showed another page").to_contain_text(name)


async def test_station_worker_registers_opens_and_accepts_a_case_as_the_dashboard_follows(console: Console) -> None:
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page = await context.new_page()
            page.on("console", watch)

            # Sign in as a 永善 station worker (registers members and handles cases).
            await page.goto(console.url + "/members")
            assert "/signin" in page.url
            await page.select_option("#f-user", f"{YONGSHAN}-station")
            assert await serious_violations(page) == []
            await shot(page, "01-signin")
            await page.get_by_role("button", name="登录").click()
            await expect(page).to_have_url(re.compile(r"/members$"))
            assert await serious_violations(page) == []
            await shot(page, "02-members")

            # A dashboard open in a second tab, followed without reloading.
            dashboard = await context.new_page()
            dashboard.on("console", watch)
            asked: list[str] = []  # the dashboard asks for no panel: the console pushes it in the stream
            dashboard.on("request", lambda r: asked.append(r.url) if "/dashboard/panel" in r.url else None)
            await dashboard.goto(console.url + "/dashboard")
            await expect(dashboard.locator("#live-status")).to_have_text("实时更新：已连接")
            await dashboard.evaluate("window.__notReloaded = true")
            members_before = int(await dashboard.locator("#total-members").inner_text())
            cases_before = int((await dashboard.locator("#open-cases").inner_text()).rstrip("+"))
            assert await serious_violations(dashboard) == []
            await shot(dashboard, "03-dashboard")

            # Register a member; the roster's refusal is shown by field first.
            await page.get_by_role("link", name="登记人员").click()
            await page.fill("#f-name", "罗正华")
            await page.fill("#f-id_number", id_number(201))
            await page.fill("#f-phone", "1391234")
            await page.fill("#f-origin_division_code", f"{YONGSHAN}101001")
            await page.fill("#f-current_city", "宁波")
            await page.fill("#f-employer", "北仑港务公司")
            await page.get_by_role("button", name="登记", exact=True).click()
            await expect(page.locator("#e-phone")).to_be_visible()
            assert await page.locator("#f-name").input_value() == "罗正华"  # nothing typed is lost
            assert await serious_violations(page) == []
            await shot(page, "04-register-errors")
            await page.fill("#f-phone", "13912340201")
            await page.get_by_role("button", name="登记", exact=True).click()
            await expect(page).to_have_url(re.compile(r"/members/[0-9a-f-]{36}$"))
            member_id = uuid.UUID(page.url.rsplit("/", 1)[1])
            await expect(page.locator("h1")).to_contain_text("罗正华")
            assert id_number(201) not in await page.content()  # masked

            # The dashboard counts the new member, pushed by the server.
            await expect(dashboard.locator("#total-members")).to_have_text(str(members_before + 1), timeout=10_000)

            # Open a wage case for the member, then accept it.
            await console.known_to_casework(member_id)
            await page.select_option("#f-category", "wage_arrears")
            await page.select_option("#f-urgency", "high")
            await page.fill("#f-description", "建筑工地拖欠工资三个月，共 18600 元")
            assert await serious_violations(page) == []
            await shot(page, "05-member")
            await page.get_by_role("button", name="登记诉求").click()
            await expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
            await expect(page.locator("h1")).to_contain_text("待受理")
            await expect(page.locator("time.countdown").first).to_contain_text("剩余")
            await expect(dashboard.locator("#open-cases")).to_have_text(str(cases_before + 1), timeout=10_000)

            await page.get_by_role("button", name="受理").click()
            await expect(page.locator("h1")).to_contain_text("已受理")
            await expect(page.locator(".timeline")).to_contain_text("受理")
            assert await serious_violations(page) == []
            await shot(page, "06-case-accepted")
            await expect(dashboard.locator("#open-cases")).to_have_text(str(cases_before), timeout=10_000)
            assert await dashboard.evaluate("window.__notReloaded === true")
            assert asked == []
            await shot(dashboard, "07-dashboard-live")

            await page.goto(console.url + "/cases?view=mine")
            await expect(page.locator("table")).to_contain_text("欠薪")
            assert await serious_violations(page) == []
            await shot(page, "08-my-cases")

            # Another county's member: the same page as a member nobody has.
            other = await console.register_member(202, county=ZHENXIONG, name="朱永富")
            answer = await page.goto(f"{console.url}/members/{other}")
            assert answer is not None and answer.status == 404
            await expect(page.locator("h1")).to_have_text("未找到")
            assert "朱永富" not in await page.content()
            await shot(page, "09-other-county-refused")

            # Import a county spreadsheet and watch it finish, pushed to the page.
            await page.goto(console.url + "/imports")
            sheet = f"姓名,身份证号,联系电话,户籍地,务工地\n韦德明,{id_number(203)},13900000203,{YONGSHAN}101001,温州\n"
            await page.set_input_files(
                "#f-file", files=[{"name": "永善名册.csv", "mimeType": "text/csv", "buffer": sheet.encode("gb18030")}]
            )
            await page.get_by_role("button", name="上传并导入").click()
            await expect(page).to_have_url(re.compile(r"/imports/[0-9a-f-]{36}$"))
            await expect(page.locator("#import-status")).to_have_text("已完成", timeout=30_000)
            await expect(page.locator("#import-created")).to_have_text("1")
            assert await serious_violations(page) == []
            await shot(page, "10-import-done")

            # A phone.
            phone = await browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                storage_state=await context.storage_state(),
            )
            small = await phone.new_page()
            await small.goto(f"{console.url}/members/{member_id}")
            await expect(small.locator("h1")).to_contain_text("罗正华")
            assert await serious_violations(small) == []
            await shot(small, "11-phone-member")
            await small.goto(console.url + "/dashboard")
            await expect(small.locator("#live-status")).to_have_text("实时更新：已连接")
            await shot(small, "12-phone-dashboard")
            await phone.close()
            await context.close()
        finally:
            await browser.close()
    assert refused == []


async def test_case_money_referral_ledgers_jobs_and_a_broadcast_in_the_browser(console: Console) -> None:
    """One short walk through the later pages: a case's money and referral, the other ledgers, the
    jobs pages and the broadcast composer, on an office PC and a phone."""
    member = await console.register_member(86, name="王德兵")
    async with console.jobs.client(headers=auth(["employment"], YONGSHAN)) as jobs:
        first17 = "91530625MA6K0C2Y3"
        employer = await jobs.post(
            "/employers",
            json={
                "name": "永善县向家坝电力安装有限公司",
                "unified_social_credit_code": first17 + check_character(first17),
                "hiring_division_code": f"{YONGSHAN}101001",
                "area_division_code": f"{YONGSHAN}101001",
                "contacts": [{"name": "张主任", "phone": "13811112222"}],
            },
        )
        assert employer.status_code == 201, employer.text
        fair = await jobs.post(
            "/fairs",
            json={
                "title": "永善县夏季招聘会",
                "organisers": ["永善县人社局"],
                "held_on": date.today().isoformat(),
                "place_division_code": f"{YONGSHAN}101001",
                "area_division_code": f"{YONGSHAN}101001",
            },
        )
        assert fair.status_code == 201, fair.text

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:

            async def signed_in(user: str, **options: Any) -> Page:
                context = await browser.new_context(locale="zh-CN", **options)
                page = await context.new_page()
                await page.goto(console.url + "/signin")
                await page.select_option("#f-user", user)
                await page.get_by_role("button", name="登录").click()
                await page.wait_for_url(re.compile(r"/(dashboard|cases)$"))
                return page

            async def check(page: Page, name: str) -> None:
                assert await serious_violations(page) == [], name
                await shot(page, name)

            office = {"viewport": {"width": 1366, "height": 768}}
            phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

            # A caseworker: open and accept a case, record the amount owed in yuan, refer it to 人社.
            page = await signed_in(f"{YONGSHAN}-station", **office)
            await open_member(page, f"{console.url}/members/{member}", "王德兵")
            await page.select_option("#f-category", "wage_arrears")
            await page.fill("#f-description", "拖欠工资两个月")
            await page.get_by_role("button", name="登记诉求").click()
            await page.get_by_role("button", name="受理").click()
            await expect(page.locator("h1")).to_contain_text("已受理")
            await page.fill("#f-claimed-amount", "18,600")
            await page.get_by_role("button", name="登记诉求金额").click()
            await expect(page.locator("#h-money + dl")).to_contain_text("18,600.00 元")
            await page.fill("#f-money-amount", "12.345")  # refused by the console before any call
            await page.get_by_role("button", name="登记款项").click()
            await expect(page.locator("#e-money-amount")).to_contain_text("两位小数")
            await page.select_option("#f-refer-department", "human_resources")
            await page.fill("#f-refer-question", "请劳动监察大队核查用工单位")
            await page.fill("#f-refer-deadline", "2031-01-10T17:00")
            await page.get_by_role("button", name="转交部门").click()
            await expect(page.locator(".referrals")).to_contain_text("待答复")
            await check(page, "13-case-money-referral")

            # The other ledgers, drilling from the jurisdiction.
            await page.goto(console.url + "/dashboard?ledger=service")
            await expect(page.locator("#live-status")).to_have_text("实时更新：已连接")
            await expect(page.locator("#ledger-table")).to_contain_text(YONGSHAN)
            await check(page, "14-dashboard-service")
            await page.get_by_role("link", name="监测台账").click()
            await expect(page.locator("#ledger-table caption")).to_contain_text("防返贫监测")
            await check(page, "15-dashboard-monitoring")
            await page.context.close()

            # Employment: employers with masked contacts, a fair and its results, placements.
            page = await signed_in(f"{YONGSHAN}-employment", **office)
            await page.goto(console.url + "/employers")
            await page.get_by_role("link", name="永善县向家坝电力安装有限公司").click()
            await expect(page.locator("body")).to_contain_text("138****2222")
            await check(page, "16-employer")
            await page.goto(console.url + "/fairs")
            await page.get_by_role("link", name="永善县夏季招聘会").click()
            await page.fill("#f-registrations-member", str(member))
            await page.get_by_role("button", name="人员报名").click()
            await expect(page.locator("#fair-registered")).to_have_text("1（0）")
            await expect(page.locator("#fair-attendees")).to_contain_text("王德兵")
            await check(page, "17-fair")
            await page.goto(console.url + "/placements")
            await check(page, "18-placements")
            await page.context.close()

            # A broadcast, composed and previewed on a phone, then sent.
            page = await signed_in(f"{YONGSHAN}-notifier", **phone)
            await page.goto(console.url + "/broadcasts/new")
            await page.fill("#f-zh-Hans-title", "返岗专车报名")
            await page.fill("#f-zh-Hans-body", "{name}您好：返岗专车开始报名。")
            await page.fill("#f-bo-title", "བརྡ་ཐོ།")
            await page.fill("#f-bo-body", "{name} བཀྲ་ཤིས་བདེ་ལེགས།")
            await page.fill("#f-ii-title", "ꇁꀨꌠ")
            await page.fill("#f-ii-body", "{name} ꆈꌠꁱꂷ")
            await check(page, "19-phone-broadcast-compose")
            await page.get_by_role("button", name="预览并核对收件人数").click()
            await expect(page.locator("#recipient-count")).to_have_text(re.compile(r"^[1-9][0-9]*$"))
            # Tibetan and Yi drawn with the console's own fonts (the machine has none for them).
            assert await rendering_fonts(page, 'section.preview[lang="bo"] strong') == ["Noto Serif Tibetan"]
            assert await rendering_fonts(page, 'section.preview[lang="ii"] strong') == ["Noto Sans Yi"]
            await check(page, "20-phone-broadcast-preview")
            await page.get_by_role("button", name=re.compile("确认发送")).click()
            await expect(page.locator("h1")).to_contain_text("群发进度")
            await check(page, "21-phone-broadcast-sent")
        finally:
            await browser.close()


async def test_case_proxy_service_money_correction_and_deregistration_in_the_browser(console: Console) -> None:
    """A station worker records a 代办 and corrects a money entry on a case, then deregisters a member
    after the confirmation step; each refusal of the API is shown next to its field first."""
    member = await console.register_member(120, name="陈光荣")
    leaving = await console.register_member(121, name="李明富")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page = await context.new_page()
            await page.goto(console.url + "/signin")
            await page.select_option("#f-user", f"{YONGSHAN}-station")
            await page.get_by_role("button", name="登录").click()
            await page.wait_for_url(re.compile(r"/(dashboard|cases|members)$"))

            # A case of the member, accepted, with a recovered amount.
            await open_member(page, f"{console.url}/members/{member}", "陈光荣")
            await page.select_option("#f-category", "social_insurance_proxy")
            await page.fill("#f-description", "在外务工，养老保险需转回昭通")
            await page.get_by_role("button", name="登记诉求").click()
            await page.get_by_role("button", name="受理").click()
            await expect(page.locator("h1")).to_contain_text("已受理")
            await page.fill("#f-money-amount", "2000")
            await page.fill("#f-money-on", date.today().isoformat())
            await page.fill("#f-money-note", "用人单位支付第一期")
            await page.get_by_role("button", name="登记款项").click()
            await expect(page.locator("#h-money + dl")).to_contain_text("2,000.00 元")

            # 更正: without a reason, refused by the field; with one, the entry shows both amounts.
            await page.locator("details.correction summary").click()
            entry_form = page.locator("details.correction form")
            await entry_form.get_by_label("更正后的金额（元）").fill("1500")
            await entry_form.get_by_role("button", name="更正款项").click()
            correction = page.locator("details.correction form")
            await expect(correction.locator("p.error")).to_be_visible()
            await expect(correction.get_by_label("更正后的金额（元）")).to_have_value("1500")  # kept
            assert await serious_violations(page) == []
            await shot(page, "22-case-correction-refused")
            await correction.get_by_label("更正原因").fill("第一期实为 1500 元")
            await correction.get_by_role("button", name="更正款项").click()
            await expect(page.locator("#h-money + dl")).to_contain_text("1,500.00 元")
            await expect(page.locator("table")).to_contain_text("原登记 2,000.00 元")
            await expect(page.locator(".timeline")).to_contain_text("更正款项")

            # 代办: casework's refusal (no matter chosen) by the field, then recorded on the timeline.
            await page.get_by_role("button", name="登记代办").click()
            await expect(page.locator("#e-proxy-matter")).to_be_visible()
            assert await page.locator("#f-proxy-note").input_value() == ""
            await page.select_option("#f-proxy-matter", "social_insurance")
            await page.fill("#f-proxy-done_on", date.today().isoformat())
            await page.fill("#f-proxy-note", "已为其办理养老保险跨省转移")
            await page.get_by_role("button", name="登记代办").click()
            await expect(page.locator(".timeline")).to_contain_text("已为其办理养老保险跨省转移")
            await expect(page.locator(".timeline")).to_contain_text("社保关系转移接续")
            assert await serious_violations(page) == []
            await shot(page, "23-case-proxy-correction")
            # The page's forms carry the version the 代办 moved the case to: the next step is taken.
            await page.fill("#f-money-amount", "700")
            await page.fill("#f-money-on", date.today().isoformat())
            await page.fill("#f-money-note", "用人单位支付第二期")
            await page.get_by_role("button", name="登记款项").click()
            await expect(page.locator("#h-money + dl")).to_contain_text("2,200.00 元")

            # Deregistration: a confirmation page, the reason required by the roster.
            await open_member(page, f"{console.url}/members/{leaving}", "李明富")
            await page.get_by_role("link", name="注销人员").click()
            await expect(page.locator("#deregister-warning")).to_contain_text("李明富")
            await page.get_by_role("button", name="确认注销").click()
            await expect(page.locator("#e-reason")).to_be_visible()
            assert await serious_violations(page) == []
            await shot(page, "24-deregister-confirm")
            await page.select_option("#f-reason", "returned-home")
            await page.get_by_role("button", name="确认注销").click()
            await expect(page).to_have_url(re.compile(rf"/members/{leaving}$"))
            await expect(page.locator("h1")).to_contain_text("已注销")
            await expect(page.locator("#deregistered")).to_contain_text("返乡")
            assert await page.get_by_role("link", name="注销人员").count() == 0
            await context.close()
        finally:
            await browser.close()
