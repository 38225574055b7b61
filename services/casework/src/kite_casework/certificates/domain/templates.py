"""Certificate templates as data: a Chinese title, a body with declared placeholders, and the fields
the office fills in at issue. Who the member is, where home is, which office and which day are
filled by Kite; the rest (purpose, employer, …) by the office, validated here."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kite_common.domain import RuleViolation

from kite_casework.domain.redaction import redact_personal_numbers

# Placeholders Kite fills itself: never asked of the office.
SYSTEM_PLACEHOLDERS = frozenset({"member_name", "home_place_code", "office_name", "issued_on"})
MAX_FIELD_LENGTH = 200


@dataclass(frozen=True)
class TemplateField:
    name: str
    label: str  # what the form shows: "务工单位"


@dataclass(frozen=True)
class CertificateTemplate:
    code: str
    title: str
    body: str  # str.format placeholders: system ones and the declared fields
    fields: tuple[TemplateField, ...]
    party_members_only: bool = False

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(self.body) if name)


PURPOSE = TemplateField("purpose", "证明用途")

TEMPLATES: dict[str, CertificateTemplate] = {
    t.code: t
    for t in (
        CertificateTemplate(
            code="work",
            title="务工证明",
            body=(
                "兹证明{member_name}（户籍地行政区划代码：{home_place_code}）系我县外出务工人员，"
                "自{work_since}起在{work_place}务工，从事{occupation}工作。"
                "本证明用于{purpose}。特此证明。"
            ),
            fields=(
                TemplateField("work_since", "务工起始时间"),
                TemplateField("work_place", "务工地点及单位"),
                TemplateField("occupation", "从事工作"),
                PURPOSE,
            ),
        ),
        CertificateTemplate(
            code="mobile_party_member",
            title="流动党员证明",
            body=(
                "兹证明{member_name}（户籍地行政区划代码：{home_place_code}）系中共党员，"
                "组织关系在{party_branch}，现外出流动至{flow_destination}。"
                "本证明用于{purpose}。特此证明。"
            ),
            fields=(
                TemplateField("party_branch", "组织关系所在党支部"),
                TemplateField("flow_destination", "流入地"),
                PURPOSE,
            ),
            party_members_only=True,
        ),
        CertificateTemplate(
            code="hardship",
            title="困难证明",
            body=(
                "兹证明{member_name}（户籍地行政区划代码：{home_place_code}），"
                "因{hardship}，家庭生活困难，情况属实。本证明用于{purpose}。特此证明。"
            ),
            fields=(TemplateField("hardship", "困难情况"), PURPOSE),
        ),
    )
}


@dataclass(frozen=True)
class CertifiedMember:
    """What a certificate says of the member: the name and home place, never a personal number."""

    member_id: str
    name: str
    home_place_code: str
    is_party_member: bool


@dataclass(frozen=True)
class FilledTemplate:
    template: CertificateTemplate
    fields: dict[str, str]  # every placeholder's value, system ones included
    text: str


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _error(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def find_template(code: str) -> CertificateTemplate:
    template = TEMPLATES.get(code)
    if template is None:
        known = "、".join(f"{t.code}（{t.title}）" for t in TEMPLATES.values())
        raise RuleViolation(
            f"没有这种证明模板；可选：{known}",
            code="certificate-template-unknown",
            errors=[_error("template", "unknown", "没有这种证明模板")],
        )
    return template


def fill(
    code: str, member: CertifiedMember, office_name: str, fields: Mapping[str, str], issued_on: date
) -> FilledTemplate:
    """The template's text with every placeholder filled; 422 listing each missing, empty, too long
    or unknown field. ID and phone numbers typed into a field are masked."""
    template = find_template(code)
    errors: list[dict[str, str]] = []
    declared = {f.name for f in template.fields}
    values: dict[str, str] = {}
    for f in template.fields:
        value = (fields.get(f.name) or "").strip()
        if not value:
            errors.append(_error(f"fields.{f.name}", "missing", f"请填写{f.label}"))
        elif len(value) > MAX_FIELD_LENGTH:
            errors.append(_error(f"fields.{f.name}", "too-long", f"{f.label}不能超过 {MAX_FIELD_LENGTH} 字"))
        else:
            values[f.name] = redact_personal_numbers(value)
    for name in sorted(set(fields) - declared):
        errors.append(_error(f"fields.{name}", "unknown", f"{template.title}没有这一项"))
    office_name = office_name.strip()
    if not office_name:
        errors.append(_error("office_name", "missing", "请填写出具证明的单位"))
    if template.party_members_only and not member.is_party_member:
        errors.append(_error("member_id", "not-a-party-member", "该人员不是党员，不能出具流动党员证明"))
    if errors:
        raise RuleViolation("；".join(e["message"] for e in errors), code="certificate-fields-invalid", errors=errors)
    values |= {
        "member_name": member.name,
        "home_place_code": member.home_place_code,
        "office_name": office_name,
        "issued_on": chinese_date(issued_on),
    }
    text = template.body.format_map(values)
    return FilledTemplate(template, {k: values[k] for k in sorted(values)}, text)
