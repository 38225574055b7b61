"""The certificate aggregate, its templates and its signatures: pure, no I/O."""

from __future__ import annotations

import base64
import json
import string
import uuid
from datetime import UTC, datetime

import pytest
from kite_casework.certificates.domain.certificate import (
    AlreadyRevoked,
    Certificate,
    CertificateNotFound,
    CertificateStatus,
    IssueRequest,
)
from kite_casework.certificates.domain.events import CertificateIssued, CertificateRevoked
from kite_casework.certificates.domain.signing import KeyRing, canonical_json
from kite_casework.certificates.domain.templates import SYSTEM_PLACEHOLDERS, TEMPLATES, CertifiedMember
from kite_common.domain import RuleViolation

NOW = datetime(2025, 3, 7, 17, 30, tzinfo=UTC)  # 2025-03-08 01:30 in Beijing
KEY_1 = "k1:" + base64.b64encode(b"1" * 32).decode()
KEY_2 = "k2:" + base64.b64encode(b"2" * 32).decode()
MEMBER = CertifiedMember(str(uuid.uuid4()), "陈贵友", "371481101001", is_party_member=False)
PARTY_MEMBER = CertifiedMember(str(uuid.uuid4()), "刘红", "371481101002", is_party_member=True)
WORK_FIELDS = {
    "work_since": "2023年3月",
    "work_place": "无锡市惠山区某电子厂",
    "occupation": "装配",
    "purpose": "子女入学",
}


def work_request(**overrides: object) -> IssueRequest:
    values: dict[str, object] = {
        "member_id": uuid.UUID(MEMBER.member_id),
        "template": "work",
        "office_name": "乐陵市人力资源和社会保障局",
        "fields": dict(WORK_FIELDS),
    }
    values.update(overrides)
    return IssueRequest(**values)  # type: ignore[arg-type]


def issued(keys: KeyRing | None = None, member: CertifiedMember = MEMBER, **overrides: object) -> Certificate:
    certificate = Certificate.create(uuid.uuid4())
    certificate.issue(work_request(**overrides), member, "371481", "desk-1", keys or KeyRing.parse(KEY_1), NOW)
    return certificate


def field_errors(exc: pytest.ExceptionInfo[RuleViolation]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in exc.value.extensions["errors"]}


def test_issue_signs_the_filled_template_and_records_one_event():
    keys = KeyRing.parse(KEY_1)
    certificate = Certificate.create(uuid.uuid4())
    [event] = certificate.issue(work_request(), MEMBER, "371481", "desk-1", keys, NOW)
    payload = event.payload
    assert isinstance(payload, CertificateIssued) and event.time == NOW
    assert certificate.status is CertificateStatus.CURRENT
    assert certificate.origin_division_code == "371481101001"
    assert payload.key_id == "k1" and payload.title == "务工证明"
    content = json.loads(payload.payload)
    assert content["certificate_id"] == str(certificate.certificate_id)
    assert content["office"] == {"name": "乐陵市人力资源和社会保障局", "jurisdiction": "371481"}
    assert content["fields"]["issued_on"] == "2025年3月8日"  # Beijing's date
    assert content["text"].startswith("兹证明陈贵友（户籍地行政区划代码：371481101001）")
    assert "无锡市惠山区某电子厂" in content["text"] and "{" not in content["text"]
    assert payload.payload == canonical_json(content)
    assert keys.verify(payload.payload, payload.signature, payload.key_id)


def test_numbers_typed_into_a_field_are_masked_before_signing():
    fields = {**WORK_FIELDS, "purpose": "办理社保，身份证 371481199001011234，电话 13812345678"}
    [event] = issued(fields=fields).pending
    assert isinstance(event.payload, CertificateIssued)
    text = event.payload.payload
    assert "371481199001011234" not in text and "13812345678" not in text
    assert "371481********1234" in text and "138****5678" in text


def test_an_unknown_template_is_422_on_the_template_field():
    with pytest.raises(RuleViolation) as exc:
        issued(template="birth")
    assert exc.value.code == "certificate-template-unknown"
    assert field_errors(exc) == {"template": "unknown"}


def test_missing_empty_and_unknown_fields_are_listed_each():
    with pytest.raises(RuleViolation) as exc:
        issued(fields={"work_since": "2023年", "work_place": "  ", "salary": "5000"}, office_name=" ")
    assert exc.value.code == "certificate-fields-invalid"
    assert field_errors(exc) == {
        "fields.work_place": "missing",
        "fields.occupation": "missing",
        "fields.purpose": "missing",
        "fields.salary": "unknown",
        "office_name": "missing",
    }


def test_a_mobile_party_member_certificate_is_for_party_members_only():
    fields = {"party_branch": "乐陵市某村党支部", "flow_destination": "江苏省无锡市", "purpose": "转接组织关系"}
    with pytest.raises(RuleViolation) as exc:
        issued(template="mobile_party_member", fields=fields)
    assert field_errors(exc) == {"member_id": "not-a-party-member"}
    certificate = issued(member=PARTY_MEMBER, template="mobile_party_member", fields=fields)
    assert certificate.status is CertificateStatus.CURRENT


def test_every_template_declares_the_placeholders_its_body_uses():
    for template in TEMPLATES.values():
        asked = {f.name for f in template.fields}
        used = {name for _, name, _, _ in string.Formatter().parse(template.body) if name}
        assert used == template.placeholders
        assert asked <= used <= asked | SYSTEM_PLACEHOLDERS, template.code  # office and date: under the text


def test_revoke_records_reason_and_who_then_a_second_revoke_is_refused():
    certificate = issued()
    [event] = certificate.revoke("  信息有误，重新出具  ", "desk-2", NOW)
    assert event.payload == CertificateRevoked(
        certificate_id=certificate.certificate_id, reason="信息有误，重新出具", revoked_by="desk-2", revoked_at=NOW
    )
    assert certificate.status is CertificateStatus.REVOKED
    with pytest.raises(AlreadyRevoked) as exc:
        certificate.revoke("再撤一次", "desk-3", NOW)
    assert exc.value.extensions["revoked_by"] == "desk-2"
    assert len(certificate.pending) == 2


def test_revoke_needs_a_reason_and_an_issued_certificate():
    with pytest.raises(RuleViolation):
        issued().revoke("   ", "desk-2", NOW)
    with pytest.raises(CertificateNotFound):
        Certificate.create(uuid.uuid4()).revoke("原因", "desk-2", NOW)


def test_replay_gives_the_state_back():
    certificate = issued()
    certificate.revoke("作废", "desk-2", NOW)
    replayed = Certificate.replay(certificate.certificate_id, [e.payload for e in certificate.pending])
    assert replayed.status is CertificateStatus.REVOKED and replayed.version == 2
    assert replayed.origin_division_code == "371481101001"


# ----------------------------------------------------------------------------- signatures


def test_a_tampered_payload_or_signature_fails():
    keys = KeyRing.parse(KEY_1)
    [event] = issued(keys).pending
    p = event.payload
    assert isinstance(p, CertificateIssued)
    assert keys.verify(p.payload, p.signature, "k1")
    assert not keys.verify(p.payload.replace("陈贵友", "陈贵有"), p.signature, "k1")
    forged = base64.b64encode(bytes(64)).decode()
    assert not keys.verify(p.payload, forged, "k1")
    assert not keys.verify(p.payload, "not base64!", "k1")
    assert not keys.verify(p.payload, p.signature, "unknown-key")


def test_after_rotation_new_certificates_use_the_new_key_and_old_ones_still_verify():
    old_keys = KeyRing.parse(KEY_1)
    [old] = issued(old_keys).pending
    rotated = KeyRing.parse(f"{KEY_2},{KEY_1}")
    [new] = issued(rotated).pending
    assert isinstance(old.payload, CertificateIssued) and isinstance(new.payload, CertificateIssued)
    assert (old.payload.key_id, new.payload.key_id) == ("k1", "k2")
    assert rotated.verify(old.payload.payload, old.payload.signature, "k1")
    assert rotated.verify(new.payload.payload, new.payload.signature, "k2")
    assert not old_keys.verify(new.payload.payload, new.payload.signature, "k2")  # k2 unknown there
    assert set(rotated.public_keys()) == {"k1", "k2"}
    assert rotated.public_keys()["k1"] == old_keys.public_keys()["k1"]


@pytest.mark.parametrize(
    "spec",
    ["k1:not-base64", "k1:" + base64.b64encode(b"short").decode(), f"{KEY_1},{KEY_1}", "bad id:" + KEY_1[3:]],
)
def test_malformed_key_specs_are_refused(spec):
    with pytest.raises(ValueError):
        KeyRing.parse(spec)


def test_canonical_json_is_one_text_for_one_content():
    assert canonical_json({"b": 1, "a": "证明"}) == canonical_json({"a": "证明", "b": 1}) == '{"a":"证明","b":1}'
