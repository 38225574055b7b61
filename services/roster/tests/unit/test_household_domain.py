"""The household aggregate and the income ledger's bands, without I/O."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from kite_roster.households.adapters.income_ledger import IncomeLedgerSettings
from kite_roster.households.application.income_ledger import tally
from kite_roster.households.domain.household import (
    FlagChanges,
    Household,
    HouseholdFlags,
    HouseholdNotRegistered,
    HouseholdRegistration,
    HouseholdRuleViolation,
    NotAHouseholdMember,
    move_member,
    per_capita_income,
)
from kite_roster.households.domain.household_events import (
    HouseholdFlagsChanged,
    HouseholdIncomeReported,
    HouseholdMemberAdded,
    HouseholdMemberRemoved,
    HouseholdRegistered,
)

VILLAGE = "522631101001"  # a village of 黎平县
NOW_YEAR = 2024


def registered(**flags: object) -> Household:
    household = Household(uuid.uuid4())
    reg = HouseholdRegistration(VILLAGE, "吴老三", "黎平县某村3组", HouseholdFlags(**flags))  # type: ignore[arg-type]
    for event in household.register(reg, "registrar-1"):
        household.apply(event)
    return household


def decided(household: Household, events: list) -> Household:  # type: ignore[type-arg]
    for event in events:
        household.apply(event)
    return household


def test_registration_records_the_village_head_and_flags() -> None:
    household = Household(uuid.uuid4())
    flags = HouseholdFlags(poverty_registered=True, relocated=True, relocation_site="  汇丰园安置点 ")
    [event] = household.register(HouseholdRegistration(VILLAGE, " 吴老三 ", None, flags), "registrar-1")
    assert isinstance(event, HouseholdRegistered)
    assert (event.division_code, event.head_name, event.relocation_site) == (VILLAGE, "吴老三", "汇丰园安置点")
    assert event.poverty_registered and event.relocated and not event.monitored
    household.apply(event)
    assert Household.replay(household.household_id, [event]) == household


@pytest.mark.parametrize(
    ("flags", "field"),
    [
        ({"relocated": True}, "relocation_site"),
        ({"relocated": True, "relocation_site": "  "}, "relocation_site"),
        ({"relocation_site": "汇丰园安置点"}, "relocation_site"),
        ({"monitored": True}, "monitoring_category"),
        ({"monitoring_category": "marginal"}, "monitoring_category"),
    ],
)
def test_a_site_goes_with_relocation_and_a_category_with_monitoring(flags: dict[str, object], field: str) -> None:
    with pytest.raises(HouseholdRuleViolation) as refused:
        Household(uuid.uuid4()).register(
            HouseholdRegistration(VILLAGE, "吴老三", flags=HouseholdFlags(**flags)),  # type: ignore[arg-type]
            "registrar-1",
        )
    assert refused.value.field == field


@pytest.mark.parametrize(
    "code",
    ["522631", "522631000000", "522631101000", "5226311010011", "999999101001", "52263110100A"],
)
def test_a_household_lives_in_a_village_of_a_known_county(code: str) -> None:
    with pytest.raises(HouseholdRuleViolation) as refused:
        Household(uuid.uuid4()).register(HouseholdRegistration(code, "吴老三"), "registrar-1")
    assert refused.value.field == "division_code"


@pytest.mark.parametrize(
    ("head", "address"), [("吴老三", "联系电话13812345678"), ("522631199001010011", None), ("", None)]
)
def test_free_text_carries_no_personal_numbers_and_the_head_is_named(head: str, address: str | None) -> None:
    with pytest.raises(HouseholdRuleViolation):
        Household(uuid.uuid4()).register(HouseholdRegistration(VILLAGE, head, address), "registrar-1")


def test_flag_changes_merge_and_clearing_a_flag_clears_its_detail() -> None:
    household = registered(relocated=True, relocation_site="汇丰园安置点")
    [event] = household.change_flags(FlagChanges(monitored=True, monitoring_category="sudden-hardship"), "r")
    assert isinstance(event, HouseholdFlagsChanged)
    assert (event.relocated, event.relocation_site, event.monitoring_category) == (
        True,
        "汇丰园安置点",
        "sudden-hardship",
    )
    decided(household, [event])
    [cleared] = household.change_flags(FlagChanges(relocated=False, monitored=False), "r")
    assert isinstance(cleared, HouseholdFlagsChanged)
    assert (cleared.relocation_site, cleared.monitoring_category) == (None, None)
    decided(household, [cleared])
    assert household.change_flags(FlagChanges(relocated=False), "r") == []
    with pytest.raises(HouseholdRuleViolation):
        household.change_flags(FlagChanges(monitored=True), "r")


def test_nothing_can_be_decided_for_an_unregistered_household() -> None:
    with pytest.raises(HouseholdNotRegistered):
        Household(uuid.uuid4()).change_flags(FlagChanges(poverty_registered=True), "r")
    with pytest.raises(HouseholdNotRegistered):
        Household(uuid.uuid4()).add_member(uuid.uuid4(), "r")
    with pytest.raises(HouseholdNotRegistered):
        Household(uuid.uuid4()).report_income(2023, Decimal(1000), 1, "r", NOW_YEAR)


def test_members_join_once_and_only_members_can_be_removed() -> None:
    household = registered()
    member = uuid.uuid4()
    [added] = household.add_member(member, "r", relation="配偶")
    assert isinstance(added, HouseholdMemberAdded) and added.relation == "配偶"
    decided(household, [added])
    assert household.add_member(member, "r") == []
    [removed] = household.remove_member(member, "r")
    assert isinstance(removed, HouseholdMemberRemoved) and removed.moved_to_household_id is None
    decided(household, [removed])
    with pytest.raises(NotAHouseholdMember):
        household.remove_member(member, "r")


def test_moving_a_member_removes_from_the_old_household_and_adds_to_the_new() -> None:
    old, new, member = registered(), registered(), uuid.uuid4()
    decided(old, old.add_member(member, "r"))
    removed, added = move_member(old, new, member, "r")
    assert [type(e) for e in removed] == [HouseholdMemberRemoved]
    assert [type(e) for e in added] == [HouseholdMemberAdded]
    assert removed[0].moved_to_household_id == new.household_id  # type: ignore[attr-defined]
    assert added[0].moved_from_household_id == old.household_id  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("year", "total", "size", "code"),
    [
        (NOW_YEAR + 1, "1000", 1, "future-year"),
        (1999, "1000", 1, "year-too-early"),
        (2023, "-1", 1, "negative-income"),
        (2023, "1000", 0, "empty-household"),
        (2023, "1000.005", 2, "invalid-household"),
    ],
)
def test_impossible_income_reports_are_refused(year: int, total: str, size: int, code: str) -> None:
    with pytest.raises(HouseholdRuleViolation) as refused:
        registered().report_income(year, Decimal(total), size, "r", NOW_YEAR)
    assert refused.value.code == code


def test_a_later_report_corrects_a_year_and_an_equal_one_changes_nothing() -> None:
    household = registered()
    [first] = household.report_income(2023, Decimal("36000"), 4, "r", NOW_YEAR)
    assert isinstance(first, HouseholdIncomeReported) and first.total_income == Decimal("36000.00")
    decided(household, [first])
    assert household.report_income(2023, Decimal("36000.00"), 4, "r", NOW_YEAR) == []
    [correction] = household.report_income(2023, Decimal("26000"), 4, "r", NOW_YEAR)
    decided(household, [correction])
    assert household.incomes[2023].per_capita_income == Decimal("6500.00")
    assert household.report_income(NOW_YEAR, Decimal(0), 1, "r", NOW_YEAR) != []


def test_per_capita_income_is_to_the_fen_half_up() -> None:
    assert per_capita_income(Decimal("10000"), 3) == Decimal("3333.33")
    assert per_capita_income(Decimal("0.05"), 2) == Decimal("0.03")


def test_bands_from_settings_and_the_threshold_cut_the_counters() -> None:
    settings = IncomeLedgerSettings(income_bands="5000, 10000,20000", monitoring_threshold=Decimal(7000))  # type: ignore[arg-type]
    bands = settings.bands
    assert [b.label for b in bands.bands] == ["5000元以下", "5000–10000元", "10000–20000元", "20000元及以上"]
    assert bands.counter_floor(Decimal("6999.99")) == Decimal(5000)
    assert bands.counter_floor(Decimal("7000")) == Decimal(7000)
    rows = [
        {"band_floor": Decimal(5000), "households": 2, "persons": 7, "poverty_registered": True, "relocated": False,
         "monitored": True},
        {"band_floor": Decimal(7000), "households": 1, "persons": 3, "poverty_registered": False, "relocated": True,
         "monitored": False},
    ]  # fmt: skip
    ledger = tally(2023, "522631", bands, rows)
    assert [b.tally.households for b in ledger.bands] == [0, 3, 0, 0]
    assert (ledger.below_threshold.households, ledger.below_threshold.persons) == (2, 7)
    assert (ledger.below_threshold.monitored, ledger.total.relocated) == (2, 1)


def test_bands_must_increase() -> None:
    with pytest.raises(ValueError):
        IncomeLedgerSettings(income_bands="8000,6000")  # type: ignore[arg-type]
