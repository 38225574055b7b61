"""E-seal certificates over real HTTP, PostgreSQL and Kafka, members fed by the real roster."""

from __future__ import annotations

import base64
import json
import re
import uuid

import httpx
from kite_casework.certificates.adapters.pdf import extract_signed_document
from kite_common.testing.stack import answer, auth

from .conftest import COUNTY, OTHER_COUNTY, case_body, caseworker

ISSUED = "kite.casework.certificate-issued.v1"
REVOKED = "kite.casework.certificate-revoked.v1"
OFFICE = "黎平县人力资源和社会保障局"


def work_body(member_id: uuid.UUID, /, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "member_id": str(member_id),
        "template": "work",
        "office_name": OFFICE,
        "fields": {
            "work_since": "2023年3月",
            "work_place": "无锡市惠山区某厂",
            "occupation": "装配",
            "purpose": "子女入学",
        },
    }
    body.update(overrides)
    return body


def tamper_pdf(pdf: bytes, old: str, new: str) -> bytes:
    """The same PDF with the certified text changed inside its embedded signed payload."""
    match = re.search(rb"KITE-CERT:([A-Za-z0-9_-]+)", pdf)
    assert match
    token = match.group(1).decode()
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    data["payload"] = data["payload"].replace(old, new)
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    return pdf.replace(match.group(1), forged.encode())


async def test_issue_download_and_verify_without_logging_in(stack):
    member_id = await stack.register_member(11, name="陈贵友")
    async with stack.casework.client(headers=caseworker()) as http:
        created = await http.post("/certificates", json=work_body(member_id))
        assert created.status_code == 201, created.text
        cert = created.json()
        cid = cert["certificate_id"]
        assert created.headers["location"] == f"/certificates/{cid}"
        assert created.headers["etag"] == '"1"'
        assert cert["status"] == "current" and cert["status_label"] == "有效"
        assert cert["title"] == "务工证明" and cert["member_name"] == "陈贵友" and cert["office_name"] == OFFICE
        assert cert["text"].startswith("兹证明陈贵友") and cert["key_id"] == "test1"
        assert cert["verify_url"].endswith(f"/certificates/{cid}/verify")
        assert (await http.get(f"/certificates/{cid}")).json() == cert
        listed = (await http.get("/certificates", params={"member_id": str(member_id)})).json()
        assert [c["certificate_id"] for c in listed["items"]] == [cid]
        assert (await http.get("/certificates", params={"member_id": str(uuid.uuid4())})).json()["items"] == []

        pdf = await http.get(f"/certificates/{cid}/pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
        assert cert["verify_url"].encode() in pdf.content  # printed under the QR code
        embedded = extract_signed_document(pdf.content)
        assert embedded is not None and embedded.payload == cert["payload"]

    async with stack.casework.client() as public:  # no token at all
        verified = await public.get(f"/certificates/{cid}/verify")
        assert verified.status_code == 200, verified.text
        v = verified.json()
        assert v["genuine"] is True and v["status"] == "current"
        assert v["certifies"]["member_name"] == "陈贵友" and v["certifies"]["title"] == "务工证明"
        assert v["certifies"]["office_name"] == OFFICE and v["revoked_at"] is None

        upload = await public.post(
            "/certificates/verify", content=pdf.content, headers={"Content-Type": "application/pdf"}
        )
        assert upload.status_code == 200, upload.text
        assert upload.json()["genuine"] is True and upload.json()["certifies"]["certificate_id"] == cid
        tampered = tamper_pdf(pdf.content, "陈贵友", "陈富有")
        forged = await public.post(
            "/certificates/verify", content=tampered, headers={"Content-Type": "application/pdf"}
        )
        assert forged.status_code == 200 and forged.json()["genuine"] is False and forged.json()["certifies"] is None
        not_ours = await public.post(
            "/certificates/verify", content=b"%PDF-1.4 nothing", headers={"Content-Type": "application/pdf"}
        )
        assert not_ours.status_code == 422 and not_ours.json()["type"].endswith("/not-a-certificate")

        signed = {"payload": cert["payload"], "signature": cert["signature"], "key_id": cert["key_id"]}
        assert (await public.post("/certificates/verify", json=signed)).json()["genuine"] is True
        changed = {**signed, "payload": cert["payload"].replace("装配", "管理")}
        assert (await public.post("/certificates/verify", json=changed)).json()["genuine"] is False
        bad = await public.post("/certificates/verify", json={"payload": "x"})
        assert bad.status_code == 422
        as_text = await public.post("/certificates/verify", content=b"x", headers={"Content-Type": "text/plain"})
        assert as_text.status_code == 415

        keys = (await public.get("/certificates/signing-keys")).json()["keys"]
        assert [k["key_id"] for k in keys] == ["test1"] and keys[0]["algorithm"] == "Ed25519"
        # the staff routes still need a token
        assert (await public.get(f"/certificates/{cid}")).status_code == 401
        assert (await public.get(f"/certificates/{cid}/pdf")).status_code == 401

    rows = await stack.casework.pool.fetch("SELECT type, data FROM events")
    assert [r["type"] for r in rows] == [ISSUED]
    data = rows[0]["data"] if isinstance(rows[0]["data"], dict) else json.loads(rows[0]["data"])
    assert not {"id_number", "phone"} & set(data) and "13800000011" not in json.dumps(data, ensure_ascii=False)


async def test_unknown_certificate_is_404_for_the_public_and_staff(stack):
    unknown = uuid.uuid4()
    async with stack.casework.client() as http:
        r = await http.get(f"/certificates/{unknown}/verify")
        assert r.status_code == 404 and r.json()["type"].endswith("/certificate-not-found")
        assert (await http.get(f"/certificates/{unknown}", headers=caseworker())).status_code == 404
        assert (
            await http.post(f"/certificates/{unknown}/revoke", json={"reason": "x"}, headers=caseworker())
        ).status_code == 404


async def test_revoke_with_if_match_then_verification_says_revoked(stack):
    member_id = await stack.register_member(12)
    async with stack.casework.client(headers=caseworker("wang")) as http:
        cert = (await http.post("/certificates", json=work_body(member_id))).json()
        cid = cert["certificate_id"]
        stale = await http.post(f"/certificates/{cid}/revoke", json={"reason": "信息有误"}, headers={"If-Match": '"5"'})
        assert stale.status_code == 412 and stale.json()["current_version"] == 1
        empty = await http.post(f"/certificates/{cid}/revoke", json={"reason": ""})
        assert empty.status_code == 422
        revoked = await http.post(
            f"/certificates/{cid}/revoke", json={"reason": "信息有误"}, headers={"If-Match": '"1"'}
        )
        assert revoked.status_code == 200, revoked.text
        body = revoked.json()
        assert revoked.headers["etag"] == '"2"'
        assert body["status"] == "revoked" and body["revoked_reason"] == "信息有误" and body["revoked_by"] == "wang"
        again = await http.post(f"/certificates/{cid}/revoke", json={"reason": "再撤"})
        assert again.status_code == 409 and again.json()["type"].endswith("/certificate-already-revoked")
    async with stack.casework.client() as public:
        v = (await public.get(f"/certificates/{cid}/verify")).json()
        assert v["genuine"] is True and v["status"] == "revoked" and v["status_label"] == "已撤销"
        assert v["revoked_reason"] == "信息有误" and v["revoked_at"] == body["revoked_at"]
        assert "已撤销" in v["detail"]
    assert await stack.count("SELECT count(*) FROM events WHERE type = $1", REVOKED) == 1


async def test_template_and_field_errors_are_422_and_store_nothing(stack):
    member_id = await stack.register_member(13)
    async with stack.casework.client(headers=caseworker()) as http:
        unknown = await http.post("/certificates", json=work_body(member_id, template="birth"))
        assert unknown.status_code == 422
        assert unknown.json()["errors"] == [{"field": "template", "code": "unknown", "message": "没有这种证明模板"}]
        missing = await http.post("/certificates", json=work_body(member_id, fields={"purpose": "入学"}))
        assert missing.status_code == 422
        assert {e["field"] for e in missing.json()["errors"]} == {
            "fields.work_since",
            "fields.work_place",
            "fields.occupation",
        }
        nobody = await http.post("/certificates", json=work_body(uuid.uuid4()))
        assert nobody.status_code == 422 and nobody.json()["type"].endswith("/member-unknown")
        templates = (await http.get("/certificates/templates")).json()
        assert {t["title"] for t in templates} == {"务工证明", "流动党员证明", "困难证明"}
    assert await stack.count("SELECT count(*) FROM events") == 0
    assert await stack.count("SELECT count(*) FROM certificates") == 0


async def test_linked_to_a_case_of_the_same_member_only(stack):
    member_id = await stack.register_member(14)
    other_member = await stack.register_member(15)
    async with stack.casework.client(headers=caseworker()) as http:
        case = (await http.post("/cases", json=case_body(member_id, category="certificate"))).json()
        wrong = await http.post("/certificates", json=work_body(other_member, case_id=case["case_id"]))
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "case_id"
        cert = (await http.post("/certificates", json=work_body(member_id, case_id=case["case_id"]))).json()
        assert cert["case_id"] == case["case_id"]
        listed = (await http.get("/certificates", params={"case_id": case["case_id"]})).json()
        assert [c["certificate_id"] for c in listed["items"]] == [cert["certificate_id"]]


async def test_another_countys_staff_cannot_issue_read_download_or_revoke(stack):
    """Outside the jurisdiction a member and a certificate answer exactly as ids nobody has."""
    member_id = await stack.register_member(16)
    other = caseworker("nanming", OTHER_COUNTY)
    async with stack.casework.client() as http:
        foreign = await http.post("/certificates", json=work_body(member_id), headers=other)
        unknown = await http.post("/certificates", json=work_body(str(uuid.uuid4())), headers=other)
        assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "member_id"
        assert answer(foreign) == answer(unknown)
        as_viewer = await http.post("/certificates", json=work_body(member_id), headers=auth(["viewer"], COUNTY))
        assert as_viewer.status_code == 403
        cert = (await http.post("/certificates", json=work_body(member_id), headers=caseworker())).json()
        cid, nobodys = cert["certificate_id"], str(uuid.uuid4())
        for method, path, body in (
            ("GET", "/certificates/{}", None),
            ("GET", "/certificates/{}/pdf", None),
            ("POST", "/certificates/{}/revoke", {"reason": "x"}),
        ):
            theirs = await http.request(method, path.format(cid), json=body, headers=other)
            missing = await http.request(method, path.format(nobodys), json=body, headers=other)
            assert theirs.status_code == 404, (method, path, theirs.text)
            assert answer(theirs) == answer(missing), (method, path)
        assert (await http.get("/certificates", headers=other)).json()["items"] == []
        assert (await http.get(f"/certificates/{cid}", headers=auth(["viewer"], COUNTY))).status_code == 200
    assert await stack.count("SELECT count(*) FROM events WHERE type = $1", REVOKED) == 0


async def test_list_pages_by_cursor(stack):
    member_id = await stack.register_member(17)
    async with stack.casework.client(headers=caseworker()) as http:
        ids = [(await http.post("/certificates", json=work_body(member_id))).json()["certificate_id"] for _ in range(5)]
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await http.get("/certificates", params=params)).json()
            seen += [c["certificate_id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert seen == sorted(ids, key=uuid.UUID) == ids


async def test_openapi_shows_the_public_routes_without_token_problems(stack):
    async with httpx.AsyncClient(base_url=stack.casework.base_url) as http:
        spec = (await http.get("/openapi.json")).json()
    verify = spec["paths"]["/certificates/{certificate_id}/verify"]["get"]["responses"]
    assert "401" not in verify and "404" in verify
    assert "401" in spec["paths"]["/certificates/{certificate_id}/pdf"]["get"]["responses"]
