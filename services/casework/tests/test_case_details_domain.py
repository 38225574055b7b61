"""Intake, referrals, money and the employer in the case aggregate and their rules: pure, no I/O."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from kite_casework.domain import case_detail_events as dev
from kite_casework.domain.case import Case, CaseRequest, MoneyEntryNotFound, ReferralNotFound, ReferralOpen
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.employer import employer_link
from kite_casework.domain.intake import Channel, counted_places, division_code, external_reference
from kite_casework.domain.lifecycle import Outcome
from kite_casework.domain.money import MoneyKind, amount_in_fen
from kite_casework.domain.sla import Urgency
from kite_common.clock import utcnow
from kite_common.domain import Conflict, Forbidden, RuleViolation
from kite_common.identifiers.credit_code import check_character

ORIGIN = "522631101001"
NOW = utcnow()


def valid_credit_code() -> str:
    first17 = "91522631MA6DU1234"
    return first17 + check_character(first17)


def accepted_case(category: CaseCategory = CaseCategory.WAGE_ARREARS, **request: object) -> Case:
    case = Case.create(uuid.uuid4())
    case.open(CaseRequest(uuid.uuid4(), category, Urgency.NORMAL, "欠薪", **request), ORIGIN, "desk", NOW)  # type: ignore[arg-type]
    case.accept("wang", NOW)
    return case


@pytest.mark.parametrize("bad", [12.5, 100.0, "100", True, None, [1]])
def test_an_amount_must_be_a_whole_number_of_fen(bad):
    with pytest.raises(RuleViolation) as refused:
        amount_in_fen(bad)
    assert "整数" in refused.value.message and "分" in refused.value.message


@pytest.mark.parametrize("bad", [0, -1, -800000])
def test_an_amount_must_be_positive(bad):
    with pytest.raises(RuleViolation, match="大于 0"):
        amount_in_fen(bad)


def test_an_amount_of_more_than_a_billion_yuan_is_a_typing_mistake():
    assert amount_in_fen(800000) == 800000
    with pytest.raises(RuleViolation, match="金额过大"):
        amount_in_fen(100_000_000_001)


def test_a_case_counts_once_per_distinct_place_at_each_level():
    assert counted_places(ORIGIN, "330100", 2) == {"52", "33"}  # once in Guizhou, once in Zhejiang
    assert counted_places(ORIGIN, "520102", 2) == {"52"}  # both in Guizhou: once in the province
    assert counted_places(ORIGIN, "520102", 4) == {"5226", "5201"}
    assert counted_places(ORIGIN, None, 6) == {"522631"}


def test_places_are_division_codes_and_an_external_reference_needs_its_source():
    assert division_code(" 3301 ", "work_division_code") == "3301"
    for bad in ("330", "杭州", "33010", "3301000000001"):
        with pytest.raises(RuleViolation, match="区划代码") as refused:
            division_code(bad, "work_division_code")
        assert refused.value.field == "work_division_code"
    assert external_reference(" 12345热线 ", " GZ-2025-1 ") == ("12345热线", "GZ-2025-1")
    assert external_reference(None, "") is None
    with pytest.raises(RuleViolation, match="来源系统"):
        external_reference(None, "GZ-2025-1")


def test_the_employer_credit_code_is_checked_per_gb_32100():
    code = valid_credit_code()
    link = employer_link(None, "黎平县某建筑公司", code.lower())
    assert link.credit_code == code
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(RuleViolation) as refused:
        employer_link(None, "黎平县某建筑公司", wrong)
    assert (
        refused.value.field == "employer.credit_code"
        and refused.value.message == "统一社会信用代码校验码不正确，请核对"
    )
    with pytest.raises(RuleViolation, match="用人单位名称"):
        employer_link(None, None, code)
    with pytest.raises(RuleViolation, match="用人单位编号"):
        employer_link(None, "某公司", None)
    assert employer_link(uuid.uuid4(), None, None).credit_code is None


def test_opening_records_channel_reference_work_place_claim_and_employer():
    case = Case.create(uuid.uuid4())
    link = employer_link(None, "某公司", valid_credit_code())
    request = CaseRequest(
        uuid.uuid4(),
        CaseCategory.WAGE_ARREARS,
        Urgency.HIGH,
        "欠薪",
        channel=Channel.SYSTEM_REFERRAL,
        external=("12345热线", "GZ-1"),
        work_division_code="3301",
        claimed_fen=18_000_000,
        employer=link,
    )
    opened, claimed, named = (e.payload for e in case.open(request, ORIGIN, "hotline", NOW))
    assert (opened.channel, opened.source_system, opened.external_reference) == (
        Channel.SYSTEM_REFERRAL,
        "12345热线",
        "GZ-1",
    )  # type: ignore[attr-defined]
    assert opened.work_division_code == "3301"  # type: ignore[attr-defined]
    assert isinstance(claimed, dev.CaseAmountClaimed) and claimed.amount_fen == 18_000_000
    assert isinstance(named, dev.CaseEmployerNamed) and named.employer_credit_code == link.credit_code
    assert case.covered_by("3301") and case.covered_by("522631") and not case.covered_by("520102")


def test_a_medical_case_names_no_employer():
    case = accepted_case(CaseCategory.MEDICAL)
    with pytest.raises(RuleViolation, match="欠薪、工伤、劳动争议"):
        case.name_employer("wang", employer_link(uuid.uuid4(), None, None), NOW)


def test_a_case_is_not_resolved_while_a_department_has_not_answered():
    case = accepted_case()
    first, second = uuid.uuid4(), uuid.uuid4()
    case.refer("wang", first, "human_resources", "请协调用人单位", NOW + timedelta(days=3), NOW)
    case.refer("wang", second, "justice", "请提供法律援助", NOW + timedelta(days=5), NOW)
    with pytest.raises(Conflict, match="已转交人社"):
        case.refer("wang", uuid.uuid4(), "human_resources", "再问", NOW + timedelta(days=3), NOW)
    with pytest.raises(ReferralOpen) as refused:
        case.resolve("wang", Outcome.RESOLVED, "已追回", NOW)
    assert refused.value.extensions["open_referrals"] == ["人社", "司法/法律援助"]

    late = NOW + timedelta(days=4)
    (answered,) = case.answer_referral("desk", first, "已约谈用人单位", "人社局 李科长", late)
    assert isinstance(answered.payload, dev.CaseReferralAnswered) and answered.payload.late is True
    with pytest.raises(Conflict, match="已答复"):
        case.answer_referral("desk", first, "再答", "人社局", late)
    with pytest.raises(Forbidden):
        case.withdraw_referral("desk", second, "不再需要", NOW)  # only the owner withdraws
    case.withdraw_referral("wang", second, "已自行委托律师", NOW)
    case.resolve("wang", Outcome.RESOLVED, "已追回", NOW)


def test_referral_refusals():
    case = accepted_case()
    with pytest.raises(RuleViolation, match="未知的部门"):
        case.refer("wang", uuid.uuid4(), "foreign_office", "?", NOW + timedelta(days=1), NOW)
    with pytest.raises(RuleViolation, match="答复期限"):
        case.refer("wang", uuid.uuid4(), "health", "?", NOW - timedelta(minutes=1), NOW)
    with pytest.raises(Forbidden):
        case.refer("desk", uuid.uuid4(), "health", "?", NOW + timedelta(days=1), NOW)
    with pytest.raises(ReferralNotFound):
        case.answer_referral("desk", uuid.uuid4(), "答复", "卫健局", NOW)


def test_money_is_recorded_by_the_owner_dated_not_after_today():
    case = accepted_case()
    (entry,) = case.record_money("wang", uuid.uuid4(), MoneyKind.RECOVERED, 500_000, date(2025, 3, 1), "第一期", NOW)
    assert isinstance(entry.payload, dev.CaseMoneyRecorded) and entry.payload.amount_fen == 500_000
    with pytest.raises(Forbidden):
        case.record_money("desk", uuid.uuid4(), MoneyKind.RECOVERED, 1, date(2025, 3, 1), "x", NOW)
    with pytest.raises(RuleViolation, match="晚于今天"):
        case.record_money("wang", uuid.uuid4(), MoneyKind.RELIEF_PAID, 1, NOW.date() + timedelta(days=2), "x", NOW)
    with pytest.raises(RuleViolation, match="大于 0"):
        case.record_money("wang", uuid.uuid4(), MoneyKind.FUNDS_RAISED, -5, date(2025, 3, 1), "x", NOW)
    opened_only = Case.create(uuid.uuid4())
    opened_only.open(CaseRequest(uuid.uuid4(), CaseCategory.WAGE_ARREARS, Urgency.LOW, "欠薪"), ORIGIN, "desk", NOW)
    with pytest.raises(Conflict, match="尚未受理"):
        opened_only.record_money("desk", uuid.uuid4(), MoneyKind.RECOVERED, 1, date(2025, 3, 1), "x", NOW)


def test_a_money_entry_is_corrected_by_a_new_entry_and_a_reversed_one_takes_no_more():
    case = accepted_case()
    first = uuid.uuid4()
    case.record_money("wang", first, MoneyKind.RECOVERED, 800_000, date(2025, 3, 1), "第一期", NOW)
    (fixed,) = case.correct_money("wang", uuid.uuid4(), first, 750_000, "实为7500元", NOW)
    assert isinstance(fixed.payload, dev.CaseMoneyCorrected)
    assert (fixed.payload.corrects, fixed.payload.kind) == (first, MoneyKind.RECOVERED)
    assert (fixed.payload.amount_fen, fixed.payload.replaces_fen) == (750_000, 800_000)
    (reversed_,) = case.correct_money("wang", uuid.uuid4(), first, 0, "重复登记", NOW)
    assert (reversed_.payload.amount_fen, reversed_.payload.replaces_fen) == (0, 750_000)  # type: ignore[attr-defined]
    with pytest.raises(Conflict, match="已冲销") as twice:
        case.correct_money("wang", uuid.uuid4(), first, 0, "再冲一次", NOW)
    assert twice.value.code == "money-entry-reversed"
    with pytest.raises(MoneyEntryNotFound):
        case.correct_money("wang", uuid.uuid4(), uuid.uuid4(), 100, "x", NOW)


def test_bad_corrections_are_refused_and_decide_nothing():
    case = accepted_case()
    entry = uuid.uuid4()
    case.record_money("wang", entry, MoneyKind.RELIEF_PAID, 200_000, date(2025, 3, 1), "临时救助", NOW)
    version = case.version
    with pytest.raises(RuleViolation, match="负数"):
        case.correct_money("wang", uuid.uuid4(), entry, -200_000, "退回", NOW)
    with pytest.raises(RuleViolation, match="整数"):
        case.correct_money("wang", uuid.uuid4(), entry, 12.5, "x", NOW)  # type: ignore[arg-type]
    with pytest.raises(RuleViolation, match="相同"):
        case.correct_money("wang", uuid.uuid4(), entry, 200_000, "x", NOW)
    with pytest.raises(RuleViolation, match="更正原因"):
        case.correct_money("wang", uuid.uuid4(), entry, 100_000, "  ", NOW)
    with pytest.raises(Forbidden):
        case.correct_money("desk", uuid.uuid4(), entry, 100_000, "x", NOW)
    assert case.version == version
