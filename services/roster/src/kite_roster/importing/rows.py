"""One row of an import file checked into a registration, or the problems with it. Pure: no I/O."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kite_common.events import EventPayload
from kite_common.ids import new_id

from kite_roster.importing.columns import COLUMNS, HeaderMap
from kite_roster.importing.readers import RawRow
from kite_roster.members.domain.member import MemberRuleViolation, Registration, register_new_member
from kite_roster.shared.divisions import division_problem
from kite_roster.shared.identity import normalise_id_number

MAX_NAME = 50
MAX_CITY = 50
MAX_EMPLOYER = 100
# As the API accepts them (api/schemas.py): an import must not let in what a form refuses.
MAX_INDUSTRY = 30
MAX_DISABILITY = 50
MAX_SKILLS = 30
MAX_SKILL = 30
MAX_LANGUAGES = 10
MAX_LANGUAGE = 20

_PHONE = re.compile(r"^1[0-9]{10}$")
_LOST_NUMBER = re.compile(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+")
_PHONE_NOISE = re.compile(r"[\s\-－—()（）]")
_LIST_SPLIT = re.compile(r"[、，,；;/／|\s]+")
_ZERO_WIDTH = "\u200b\ufeff\u200c\u200d"  # str.strip() already removes full-width and no-break spaces
_YES = frozenset({"是", "党员", "中共党员", "中共预备党员", "预备党员", "y", "yes", "true", "1", "√", "✓"})
_NO = frozenset(
    {"否", "非党员", "群众", "共青团员", "团员", "民主党派", "无党派人士", "n", "no", "false", "0", "×", "无"}
)
_YES_PLAIN = frozenset({"是", "y", "yes", "true", "1", "√", "✓"})
_NO_PLAIN = frozenset({"否", "n", "no", "false", "0", "×", "无"})
_GENDER = {"男": "male", "男性": "male", "m": "male", "女": "female", "女性": "female", "f": "female"}
_TITLES = {c.field: c.title for c in COLUMNS}
_OUTSIDE = "户籍地不在您的管辖范围内，未导入"
_ORIGIN_CACHE = 100_000  # distinct origin codes remembered per file (a county has a few thousand villages)


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # the header as the file names it ("" for the whole row)
    message: str
    outcome: str = "failed"  # "failed" (not imported) | "skipped" (already registered)
    name: str = ""  # the person's name as given, to help find the row


@dataclass(frozen=True)
class CheckedRow:
    """A row the domain accepted: the member's events and personal numbers (never logged)."""

    row: int
    name: str
    origin_division_code: str
    member_id: uuid.UUID
    events: list[EventPayload]
    id_number: str = field(repr=False)
    phone: str = field(repr=False)


def text_of(cell: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO, invisible spaces removed."""
    if type(cell) is str:
        text = cell.strip()
        return text.strip(_ZERO_WIDTH) if text and (text[0] in _ZERO_WIDTH or text[-1] in _ZERO_WIDTH) else text
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip().strip(_ZERO_WIDTH)


def _is_lost_number(cell: Any, text: str) -> bool:
    """An 18-digit number stored as a spreadsheet number has lost its last digits (or shows as 5.2E+17)."""
    if type(cell) is str:
        return ("e" in text or "E" in text) and bool(_LOST_NUMBER.fullmatch(text))
    if isinstance(cell, float) or (isinstance(cell, int) and not isinstance(cell, bool) and cell > 10**15):
        return True
    return bool(_LOST_NUMBER.fullmatch(text))


def split_list(text: str) -> list[str]:
    return [part for part in _LIST_SPLIT.split(text) if part]


def division_from(text: str) -> str:
    """A 6-, 9- or 12-digit code as the 12-digit code it names (a county or township itself)."""
    if text.isascii() and text.isdigit() and len(text) in (6, 9, 12):
        return text.ljust(12, "0")
    raise ValueError("户籍地应填写区划代码（6、9 或 12 位数字，如 522631101001）")


class RowChecker:
    """Checks rows of one file against the member domain, for one uploader's jurisdiction."""

    def __init__(
        self,
        header: HeaderMap,
        titles: Sequence[str],
        jurisdiction: str,
        registered_by: str,
        new_member_id: Callable[[], uuid.UUID] = new_id,
    ) -> None:
        self.header = header
        self.jurisdiction = jurisdiction
        self.registered_by = registered_by
        self._new_id = new_member_id
        self._title = {f: (titles[i] if i < len(titles) and titles[i] else _TITLES[f]) for f, i in header.index.items()}
        self._order = {self._title[f]: i for f, i in header.index.items()}  # problems in the file's column order
        self._fields = tuple(header.index.items())
        # An origin code's verdict (the 12-digit code, or why it is refused), worked out once per
        # distinct code: a file holds a few thousand villages and a million rows.
        self._origins: dict[str, tuple[str, str | None]] = {}

    def title(self, field_name: str) -> str:
        return self._title.get(field_name, _TITLES.get(field_name, field_name))

    def _cell(self, raw: RawRow, field_name: str) -> Any:
        i = self.header.index.get(field_name)
        return raw.cells[i] if i is not None and i < len(raw.cells) else None

    def is_blank(self, raw: RawRow) -> bool:
        for cell in raw.cells:
            if type(cell) is str:
                text = cell.strip()
                if text and text[0] not in _ZERO_WIDTH and text[-1] not in _ZERO_WIDTH:
                    return False  # text_of(cell) is this text: not blank
            if text_of(cell):
                return False
        return True

    def _texts(self, cells: tuple[Any, ...]) -> dict[str, str]:
        """text_of every known field's cell (inlined for text cells: this runs for every cell)."""
        n = len(cells)
        texts: dict[str, str] = {}
        for f, i in self._fields:
            cell = cells[i] if i < n else None
            if type(cell) is str:
                text = cell.strip()
                if text and (text[0] in _ZERO_WIDTH or text[-1] in _ZERO_WIDTH):
                    text = text.strip(_ZERO_WIDTH)
                texts[f] = text
            else:
                texts[f] = text_of(cell)
        return texts

    def _origin(self, text: str) -> tuple[str, str | None]:
        """The 12-digit origin code of a non-empty cell, or "" and why it is refused."""
        found = self._origins.get(text)
        if found is None:
            try:
                origin = division_from(text)
            except ValueError as exc:
                found = ("", str(exc))
            else:
                reason = division_problem(origin)
                if reason is not None:
                    found = ("", reason)
                elif not origin.startswith(self.jurisdiction):
                    found = ("", _OUTSIDE)
                else:
                    found = (origin, None)
            if len(self._origins) >= _ORIGIN_CACHE:
                self._origins.clear()
            self._origins[text] = found
        return found

    def check(self, raw: RawRow) -> CheckedRow | list[RowProblem]:
        problems: list[RowProblem] = []
        texts = self._texts(raw.cells)
        name = texts.get("name", "")

        def problem(field_name: str, message: str) -> None:
            problems.append(RowProblem(raw.number, self.title(field_name), message, name=name[:MAX_NAME]))

        if not name:
            problem("name", "姓名不能为空")
        elif len(name) > MAX_NAME:
            problem("name", f"姓名不能超过 {MAX_NAME} 个字")

        id_text = texts.get("id_number", "")
        id_lost = False
        if not id_text:
            problem("id_number", "身份证号不能为空")
        elif _is_lost_number(self._cell(raw, "id_number"), id_text):
            id_lost = True
            problem("id_number", "身份证号被表格软件存成了数字，末几位已丢失：请把该列设为“文本”格式后重新填写")

        phone = texts.get("phone", "")
        plain = phone.isascii() and phone.isdigit()  # nothing for the noise pattern to take out
        if not plain:
            phone = _PHONE_NOISE.sub("", phone)
        if phone.startswith("+86"):
            phone = phone[3:]
        elif phone.startswith("86") and len(phone) == 13:
            phone = phone[2:]
        if not phone:
            problem("phone", "联系电话不能为空")
        elif not (plain and len(phone) == 11 and phone[0] == "1") and not _PHONE.match(phone):
            problem("phone", "联系电话应为 11 位手机号")

        origin = ""
        origin_text = texts.get("origin_division_code", "")
        if not origin_text:
            problem("origin_division_code", "户籍地区划代码不能为空")
        else:
            origin, reason = self._origin(origin_text)
            if reason is not None:
                problem("origin_division_code", reason)

        city = texts.get("current_city", "")
        if not city:
            problem("current_city", "务工地不能为空")
        elif len(city) > MAX_CITY:
            problem("current_city", f"务工地不能超过 {MAX_CITY} 个字")

        employer = texts.get("employer", "")
        if len(employer) > MAX_EMPLOYER:
            problem("employer", f"工作单位不能超过 {MAX_EMPLOYER} 个字")
        industry = texts.get("industry", "")
        if len(industry) > MAX_INDUSTRY:
            problem("industry", f"行业不能超过 {MAX_INDUSTRY} 个字")

        party = False
        party_text = texts.get("is_party_member", "").lower()
        if party_text:
            if party_text in _YES:
                party = True
            elif party_text not in _NO:
                problem("is_party_member", "是否党员应填写“是”或“否”")

        skills_text = texts.get("skills", "")
        skills = split_list(skills_text) if skills_text else []
        if len(skills) > MAX_SKILLS:
            problem("skills", f"技能最多填写 {MAX_SKILLS} 项")
        elif any(len(s) > MAX_SKILL for s in skills):
            problem("skills", f"每项技能不能超过 {MAX_SKILL} 个字")
        languages_text = texts.get("languages", "")
        languages = split_list(languages_text) if languages_text else []
        if len(languages) > MAX_LANGUAGES:
            problem("languages", f"语言最多填写 {MAX_LANGUAGES} 项")
        elif any(len(s) > MAX_LANGUAGE for s in languages):
            problem("languages", f"每项语言不能超过 {MAX_LANGUAGE} 个字")

        gender = None
        gender_text = texts.get("gender", "").lower()
        if gender_text:
            gender = _GENDER.get(gender_text)
            if gender is None:
                problem("gender", "性别应填写“男”或“女”")

        disability = texts.get("disability", "")
        if disability in ("无", "否", "-", "—"):
            disability = ""
        if len(disability) > MAX_DISABILITY:
            problem("disability", f"残疾情况不能超过 {MAX_DISABILITY} 个字")
        union = False
        union_text = texts.get("union_member", "").lower()
        if union_text:
            if union_text in _YES_PLAIN:
                union = True
            elif union_text not in _NO_PLAIN:
                problem("union_member", "是否工会会员应填写“是”或“否”")

        if problems:
            # The domain checks the ID number when the row is otherwise fine; here, so that every
            # problem of the row is reported at once.
            if id_text and not id_lost:
                try:
                    normalise_id_number(id_text)
                except ValueError as exc:
                    problem("id_number", str(exc))
            return sorted(problems, key=lambda p: self._order.get(p.column, 99))
        reg = Registration(
            name=name,
            id_number=id_text,
            phone=phone,
            origin_division_code=origin,
            current_city=city,
            employer=employer or None,
            is_party_member=party,
            gender=gender,  # type: ignore[arg-type]
            skills=tuple(skills),
            industry=industry or None,
            languages=tuple(languages),
            disability=disability or None,
            union_member=union,
        )
        member_id = self._new_id()
        try:
            events = register_new_member(member_id, reg, registered_by=self.registered_by)
        except MemberRuleViolation as exc:
            return [RowProblem(raw.number, self.title(exc.field or ""), str(exc), name=name[:MAX_NAME])]
        return CheckedRow(raw.number, name, origin, member_id, events, id_text.upper(), phone)
