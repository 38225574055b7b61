"""The household aggregate (户): pure decisions, no I/O.

A household lives in a village (12-digit division code) and carries three flags from poverty
alleviation practice: 建档立卡 (poverty-registered), 易地扶贫搬迁 with its 安置点 (relocated), and
防返贫监测 with one of the 三类对象 categories (monitored). Members belong to one household; each
year's income is reported (收入台账) and a later report for a year corrects the earlier one."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

from kite_common.domain import Aggregate, NotFound, RuleViolation
from kite_common.events import EventPayload
from kite_common.privacy.redaction import fold

from kite_roster.households.domain.household_events import (
    HouseholdFlagsChanged,
    HouseholdIncomeReported,
    HouseholdMemberAdded,
    HouseholdMemberRemoved,
    HouseholdRegistered,
    MonitoringCategory,
)
from kite_roster.shared.divisions import division_problem, level_of

MONITORING_LABELS: dict[str, str] = {
    "unstable": "脱贫不稳定户",
    "marginal": "边缘易致贫户",
    "sudden-hardship": "突发严重困难户",
}
FIRST_INCOME_YEAR = 2000
MAX_HOUSEHOLD_SIZE = 99
MAX_TOTAL_INCOME = Decimal("100000000")  # 1亿元: anything above is a typing error
CENT = Decimal("0.01")
# An 11-digit run is a phone number or part of an ID number: never let one into an event.
_PERSONAL_NUMBER = re.compile(r"[0-9]{11,}")


class HouseholdRuleViolation(RuleViolation):
    """A request the domain refuses (422, naming the field when there is one); the message is for
    people (Chinese)."""

    code = "invalid-household"

    def __init__(self, message: str, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


class HouseholdNotRegistered(NotFound):
    code = "household-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该户")


class NotAHouseholdMember(NotFound):
    code = "not-a-household-member"

    def __init__(self) -> None:
        super().__init__("该人员不是本户成员")


def village_code_problem(code: str) -> str | None:
    """Why `code` does not name a village (村/社区) of a known county, or None when it does."""
    problem = division_problem(code)
    if problem is None and level_of(code) != "village":
        problem = "户所在地应为村级区划代码（乡镇、村两级均不为000）"
    return problem


def per_capita_income(total_income: Decimal, household_size: int) -> Decimal:
    """人均收入 = 家庭年收入 / 家庭人口, to the fen, half up."""
    return (total_income / household_size).quantize(CENT, rounding=ROUND_HALF_UP)


def _free_text(value: str | None, field_name: str, label: str, required: bool = False) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise HouseholdRuleViolation(f"请填写{label}", field_name)
        return None
    if _PERSONAL_NUMBER.search(fold(text)):  # full-width and other scripts' digits count too
        raise HouseholdRuleViolation(f"{label}中不应包含身份证号或手机号", field_name)
    return text


@dataclass(frozen=True)
class HouseholdFlags:
    poverty_registered: bool = False
    relocated: bool = False
    relocation_site: str | None = None
    monitored: bool = False
    monitoring_category: MonitoringCategory | None = None

    def checked(self) -> HouseholdFlags:
        """The flags normalised, or a violation: a site exactly when relocated, a category exactly
        when monitored."""
        site = _free_text(self.relocation_site, "relocation_site", "安置点")
        if self.relocated and site is None:
            raise HouseholdRuleViolation("易地搬迁户须填写安置点", "relocation_site", code="relocation-site-required")
        if not self.relocated and site is not None:
            raise HouseholdRuleViolation("未标记易地搬迁的户不应填写安置点", "relocation_site")
        if self.monitored and self.monitoring_category is None:
            raise HouseholdRuleViolation(
                "防返贫监测户须选择监测类别（脱贫不稳定户、边缘易致贫户或突发严重困难户）",
                "monitoring_category",
                code="monitoring-category-required",
            )
        if not self.monitored and self.monitoring_category is not None:
            raise HouseholdRuleViolation("未纳入防返贫监测的户不应填写监测类别", "monitoring_category")
        return replace(self, relocation_site=site)


@dataclass(frozen=True)
class FlagChanges:
    """A partial change: None leaves a flag as it is. Clearing `relocated` clears the site and
    clearing `monitored` clears the category, unless the same change sets them (which is refused)."""

    poverty_registered: bool | None = None
    relocated: bool | None = None
    relocation_site: str | None = None
    monitored: bool | None = None
    monitoring_category: MonitoringCategory | None = None

    def applied_to(self, current: HouseholdFlags) -> HouseholdFlags:
        relocated = current.relocated if self.relocated is None else self.relocated
        monitored = current.monitored if self.monitored is None else self.monitored
        site = self.relocation_site
        if site is None:
            site = current.relocation_site if relocated else None
        category = self.monitoring_category
        if category is None:
            category = current.monitoring_category if monitored else None
        return HouseholdFlags(
            poverty_registered=(
                current.poverty_registered if self.poverty_registered is None else self.poverty_registered
            ),
            relocated=relocated,
            relocation_site=site,
            monitored=monitored,
            monitoring_category=category,
        )


@dataclass(frozen=True)
class HouseholdRegistration:
    division_code: str
    head_name: str
    address: str | None = None
    flags: HouseholdFlags = HouseholdFlags()


@dataclass(frozen=True)
class IncomeReport:
    year: int
    total_income: Decimal
    household_size: int

    @property
    def per_capita_income(self) -> Decimal:
        return per_capita_income(self.total_income, self.household_size)


def check_income(year: int, total_income: Decimal, household_size: int, current_year: int) -> IncomeReport:
    """Refuse what cannot be: a future year, a year before 2000, a negative income, nobody in the
    household, more than two decimal places of yuan."""
    if year > current_year:
        raise HouseholdRuleViolation(f"不能填报未来年份（{year}年）的收入", "year", code="future-year")
    if year < FIRST_INCOME_YEAR:
        raise HouseholdRuleViolation(f"收入年份不能早于{FIRST_INCOME_YEAR}年", "year", code="year-too-early")
    if not total_income.is_finite():
        raise HouseholdRuleViolation("家庭年收入应为数字", "total_income")
    if total_income < 0:
        raise HouseholdRuleViolation("家庭年收入不能为负数", "total_income", code="negative-income")
    if total_income > MAX_TOTAL_INCOME:
        raise HouseholdRuleViolation("家庭年收入数额过大，请核对（单位：元）", "total_income")
    if total_income != total_income.quantize(CENT, rounding=ROUND_HALF_UP):
        raise HouseholdRuleViolation("家庭年收入以元为单位，最多保留两位小数", "total_income")
    if household_size < 1:
        raise HouseholdRuleViolation("家庭人口应至少为1人", "household_size", code="empty-household")
    if household_size > MAX_HOUSEHOLD_SIZE:
        raise HouseholdRuleViolation(f"家庭人口不应超过{MAX_HOUSEHOLD_SIZE}人", "household_size")
    return IncomeReport(year, total_income.quantize(CENT), household_size)


@dataclass
class Household(Aggregate):
    stream_prefix: ClassVar[str] = "household"
    label: ClassVar[str] = "该户信息"
    jurisdiction_attribute: ClassVar[str | None] = "division_code"

    household_id: uuid.UUID
    division_code: str | None = None
    flags: HouseholdFlags = HouseholdFlags()
    members: dict[uuid.UUID, str | None] = field(default_factory=dict)  # member id → relation
    incomes: dict[int, IncomeReport] = field(default_factory=dict)  # the latest report of each year

    @property
    def id(self) -> uuid.UUID:
        return self.household_id

    @property
    def registered(self) -> bool:
        return self.division_code is not None

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, HouseholdRegistered):
            self.division_code = event.division_code
            self.flags = _flags_of(event)
        elif isinstance(event, HouseholdFlagsChanged):
            self.flags = _flags_of(event)
        elif isinstance(event, HouseholdMemberAdded):
            self.members[event.member_id] = event.relation
        elif isinstance(event, HouseholdMemberRemoved):
            self.members.pop(event.member_id, None)
        elif isinstance(event, HouseholdIncomeReported):
            self.incomes[event.year] = IncomeReport(event.year, event.total_income, event.household_size)

    def _require_registered(self) -> None:
        if not self.registered:
            raise HouseholdNotRegistered()

    def register(self, reg: HouseholdRegistration, registered_by: str) -> list[EventPayload]:
        if self.registered:
            raise HouseholdRuleViolation("该户已登记", code="household-already-registered")
        problem = village_code_problem(reg.division_code)
        if problem is not None:
            raise HouseholdRuleViolation(problem, "division_code", code="invalid-division-code")
        head_name = _free_text(reg.head_name, "head_name", "户主姓名", required=True)
        assert head_name is not None
        flags = reg.flags.checked()
        return self._record(
            HouseholdRegistered(
                household_id=self.household_id,
                division_code=reg.division_code,
                head_name=head_name,
                address=_free_text(reg.address, "address", "地址"),
                poverty_registered=flags.poverty_registered,
                relocated=flags.relocated,
                relocation_site=flags.relocation_site,
                monitored=flags.monitored,
                monitoring_category=flags.monitoring_category,
                registered_by=registered_by,
            )
        )

    def change_flags(self, changes: FlagChanges, changed_by: str) -> list[EventPayload]:
        """No event when nothing changes."""
        self._require_registered()
        flags = changes.applied_to(self.flags).checked()
        if flags == self.flags:
            return []
        return self._record(
            HouseholdFlagsChanged(
                household_id=self.household_id,
                poverty_registered=flags.poverty_registered,
                relocated=flags.relocated,
                relocation_site=flags.relocation_site,
                monitored=flags.monitored,
                monitoring_category=flags.monitoring_category,
                changed_by=changed_by,
            )
        )

    def add_member(
        self,
        member_id: uuid.UUID,
        added_by: str,
        relation: str | None = None,
        moved_from: uuid.UUID | None = None,
    ) -> list[EventPayload]:
        """Adding someone already in this household changes nothing (a retried request is safe).
        That the member belongs to no other household is checked across households by the caller
        (see `move_member`)."""
        self._require_registered()
        if member_id in self.members:
            return []
        return self._record(
            HouseholdMemberAdded(
                household_id=self.household_id,
                member_id=member_id,
                relation=_free_text(relation, "relation", "与户主关系"),
                moved_from_household_id=moved_from,
                added_by=added_by,
            )
        )

    def remove_member(
        self, member_id: uuid.UUID, removed_by: str, moved_to: uuid.UUID | None = None
    ) -> list[EventPayload]:
        self._require_registered()
        if member_id not in self.members:
            raise NotAHouseholdMember()
        return self._record(
            HouseholdMemberRemoved(
                household_id=self.household_id,
                member_id=member_id,
                moved_to_household_id=moved_to,
                removed_by=removed_by,
            )
        )

    def report_income(
        self, year: int, total_income: Decimal, household_size: int, reported_by: str, current_year: int
    ) -> list[EventPayload]:
        """A report equal to the year's current one changes nothing; a different one corrects it."""
        self._require_registered()
        report = check_income(year, total_income, household_size, current_year)
        if self.incomes.get(year) == report:
            return []
        return self._record(
            HouseholdIncomeReported(
                household_id=self.household_id,
                year=report.year,
                total_income=report.total_income,
                household_size=report.household_size,
                reported_by=reported_by,
            )
        )


def move_member(
    source: Household, target: Household, member_id: uuid.UUID, moved_by: str, relation: str | None = None
) -> tuple[list[EventPayload], list[EventPayload]]:
    """A member leaves `source` and joins `target`: the removal recorded on the source and the
    addition on the target, to be saved together (the source first)."""
    if source.household_id == target.household_id:
        return [], target.add_member(member_id, moved_by, relation)
    added = target.add_member(member_id, moved_by, relation, moved_from=source.household_id)
    removed = source.remove_member(member_id, moved_by, moved_to=target.household_id)
    return removed, added


def _flags_of(event: HouseholdRegistered | HouseholdFlagsChanged) -> HouseholdFlags:
    return HouseholdFlags(
        poverty_registered=event.poverty_registered,
        relocated=event.relocated,
        relocation_site=event.relocation_site,
        monitored=event.monitored,
        monitoring_category=event.monitoring_category,
    )
