"""The member aggregate's decisions, without I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from kite_roster.members.domain.member import (
    Member,
    MemberDeregisteredError,
    MemberEdit,
    MemberNotRegistered,
    MemberRuleViolation,
    Registration,
    Relocation,
    holds_personal_number,
    name_bigrams,
    search_terms,
)
from kite_roster.members.domain.member_events import (
    MemberContacted,
    MemberContactLost,
    MemberContactRestored,
    MemberDeregistered,
    MemberRegistered,
    MemberRelocated,
    MemberUpdated,
)
from kite_roster.shared.identity import check_digit

NOW = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
REGISTERED_AT = datetime(2024, 1, 10, tzinfo=UTC)
QUIET = timedelta(days=180)


def _id(seq: int = 1) -> str:
    first17 = f"52263119900101{seq:03d}"
    return first17 + check_digit(first17)


def registration(**overrides: object) -> Registration:
    values: dict[str, object] = {
        "name": " 杨阿妹 ",
        "id_number": _id(),
        "phone": "13800000001",
        "origin_division_code": "522631101001",
        "current_city": "杭州",
        "employer": "杭州某电子厂",
        "is_party_member": False,
        "skills": ("焊工", "电工", "焊工"),
        "industry": "制造业",
        "languages": ("苗语", "普通话", "苗语", " "),
        "disability": None,
        "union_member": True,
    }
    values.update(overrides)
    return Registration(**values)  # type: ignore[arg-type]


def registered(**overrides: object) -> Member:
    member = Member(uuid.uuid4())
    for event in member.register(registration(**overrides), registered_by="clerk"):
        member.apply(event)
    return member


def test_registration_derives_gender_and_keeps_languages_in_order():
    member = Member(uuid.uuid4())
    [event] = member.register(registration(), registered_by="clerk")
    assert isinstance(event, MemberRegistered)
    assert event.name == "杨阿妹"
    assert event.gender == "male"  # the 17th digit of _id(1) is odd
    assert event.skills == ["焊工", "电工"]
    assert event.languages == ["苗语", "普通话"]
    assert (event.industry, event.union_member, event.disability) == ("制造业", True, None)


def test_a_v1_registration_without_the_new_fields_still_reads():
    old = {
        "member_id": str(uuid.uuid4()),
        "name": "张三",
        "gender": "male",
        "birth_year": 1990,
        "origin_division_code": "522631101001",
        "current_city": "杭州",
        "registered_by": "clerk",
    }
    event = MemberRegistered.model_validate(old)
    assert (event.industry, event.languages, event.disability, event.union_member) == (None, [], None, False)


def test_edit_records_only_what_changes_and_never_the_phone_number():
    member = registered()
    edit = MemberEdit(
        given=frozenset({"name", "languages", "industry", "union_member"}),
        name="杨阿妹",  # unchanged
        languages=("普通话", "苗语"),  # reordered: a change (the first is the best spoken)
        industry=None,  # cleared
        union_member=True,  # unchanged
        phone_changed=True,
    )
    [event] = member.edit(edit, updated_by="clerk")
    assert isinstance(event, MemberUpdated)
    assert event.changed == ["phone", "languages", "industry"]
    assert event.phone_changed is True
    assert event.languages == ["普通话", "苗语"] and event.industry is None and event.name is None
    member.apply(event)
    assert member.industry is None and member.languages == ["普通话", "苗语"]


def test_an_edit_that_changes_nothing_records_nothing():
    member = registered()
    assert member.edit(MemberEdit(given=frozenset({"skills"}), skills=("电工", "焊工")), updated_by="clerk") == []


def test_a_blank_name_is_refused():
    with pytest.raises(MemberRuleViolation) as refused:
        registered().edit(MemberEdit(given=frozenset({"name"}), name="  "), updated_by="clerk")
    assert refused.value.field == "name"


def test_relocation_keeps_where_they_came_from_and_the_industry_unless_given():
    member = registered()
    [event] = member.relocate(Relocation("深圳", "深圳某建筑公司", date(2025, 3, 1)), "clerk", today=date(2025, 6, 1))
    assert isinstance(event, MemberRelocated)
    assert (event.previous_city, event.previous_employer, event.previous_industry) == ("杭州", "杭州某电子厂", "制造业")
    assert (event.current_city, event.employer, event.industry) == ("深圳", "深圳某建筑公司", "制造业")
    member.apply(event)
    with pytest.raises(MemberRuleViolation) as earlier:
        member.relocate(Relocation("广州", None, date(2025, 2, 1)), "clerk", today=date(2025, 6, 1))
    assert earlier.value.code == "moved-on-before-last-move"
    with pytest.raises(MemberRuleViolation) as same:
        member.relocate(Relocation("深圳", "深圳某建筑公司", date(2025, 4, 1)), "clerk", today=date(2025, 6, 1))
    assert same.value.code == "no-change"
    with pytest.raises(MemberRuleViolation) as future:
        member.relocate(Relocation("广州", None, date(2025, 6, 2)), "clerk", today=date(2025, 6, 1))
    assert future.value.field == "moved_on"


def test_a_deregistered_member_takes_no_further_change():
    member = registered()
    [event] = member.deregister("returned-home", "回乡务农", "clerk")
    assert isinstance(event, MemberDeregistered)
    member.apply(event)
    assert member.status == "deregistered"
    for attempt in (
        lambda: member.edit(MemberEdit(given=frozenset({"name"}), name="杨二妹"), "clerk"),
        lambda: member.relocate(Relocation("深圳", None, date(2025, 3, 1)), "clerk", today=date(2025, 6, 1)),
        lambda: member.deregister("deceased", None, "clerk"),
        lambda: member.record_contact("phone", NOW, None, "clerk", now=NOW),
    ):
        with pytest.raises(MemberDeregisteredError, match="返乡"):
            attempt()
    assert member.mark_lost(NOW + timedelta(days=1000), QUIET, REGISTERED_AT) == []


def test_an_unregistered_member_cannot_be_changed():
    with pytest.raises(MemberNotRegistered):
        Member(uuid.uuid4()).deregister("other", "x", "clerk")


def test_notes_must_not_carry_personal_numbers():
    member = registered()
    with pytest.raises(MemberRuleViolation) as refused:
        member.record_contact("phone", NOW, "新号码 139 0000 1111", "clerk", now=NOW)
    assert refused.value.code == "personal-number-in-note"
    assert holds_personal_number(f"身份证{_id(2)}")
    assert not holds_personal_number("2025-05-01 电话回访，月收入4500元")


def test_lost_after_the_quiet_period_once_and_found_again_by_a_contact():
    member = registered()
    assert member.mark_lost(REGISTERED_AT + QUIET, QUIET, REGISTERED_AT) == []  # exactly the period: not yet
    [lost] = member.mark_lost(NOW, QUIET, REGISTERED_AT)
    assert isinstance(lost, MemberContactLost) and lost.last_contact_at == REGISTERED_AT and lost.quiet_days == 180
    member.apply(lost)
    assert member.mark_lost(NOW + timedelta(days=1), QUIET, REGISTERED_AT) == []  # at most once
    contacted, restored = member.record_contact("wechat", NOW, None, "clerk", now=NOW)
    assert isinstance(contacted, MemberContacted) and isinstance(restored, MemberContactRestored)
    member.apply(contacted)
    member.apply(restored)
    assert member.contact_status == "in-contact"
    assert member.mark_lost(NOW + timedelta(days=179), QUIET, REGISTERED_AT) == []  # counted from the contact
    assert len(member.mark_lost(NOW + timedelta(days=181), QUIET, REGISTERED_AT)) == 1


def test_a_contact_in_the_future_is_refused_but_a_late_entry_does_not_move_the_last_contact_back():
    member = registered()
    with pytest.raises(MemberRuleViolation):
        member.record_contact("visit", NOW + timedelta(hours=1), None, "clerk", now=NOW)
    for when in (NOW, NOW - timedelta(days=30)):
        for event in member.record_contact("visit", when, None, "clerk", now=NOW):
            member.apply(event)
    assert member.last_contact_at == NOW


def test_name_bigrams():
    assert name_bigrams("王小明") == ["王小", "小明"]
    assert name_bigrams("阿卜杜拉·买买提") == ["阿卜", "卜杜", "杜拉", "拉·", "·买", "买买", "买提"]
    assert name_bigrams("王") == []


def test_search_terms_hold_name_pairs_and_tagged_places():
    assert search_terms("王小明", "522631101001", "杭州", "某厂", None) == [
        "王小",
        "小明",
        "c:杭州",
        "c@522631:杭州",
        "e:某厂",
        "e@522631:某厂",
    ]
    # A name yields only pairs; a tagged term is at least three characters, so they never meet.
    assert all(len(t) >= 3 for t in search_terms("", "522631101001", "c", None, "i"))
