"""Party membership, the three-way coverage, dues and org-life sessions: decisions without I/O."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from kite_common.events import EventPayload
from kite_roster.party.domain.organisation_events import OrganisationKind
from kite_roster.party.domain.party import (
    BranchInfo,
    OrgLifeSession,
    PartyMember,
    PartyRuleViolation,
    SessionRequest,
    add_one_year,
)
from kite_roster.party.domain.party_events import (
    Attendance,
    AttendanceStatus,
    BranchMembershipJoined,
    BranchMembershipLeft,
    BranchMembershipTransferred,
    DuesPaid,
    MembershipRole,
    OrgLifeKind,
    OrgLifeSessionHeld,
    PartyDuesReminderDue,
    PartyMemberConfirmed,
    PartyMembershipRecorded,
    PartyStatus,
    PartyStatusChanged,
    SessionMode,
)

R = MembershipRole
TODAY = date(2024, 6, 30)
ORIGIN = "371481101001"


def branch(
    name: str = "铁营镇驻京流动党员党支部", kind=OrganisationKind.OUTSTATION_BRANCH, dissolved=False
) -> BranchInfo:
    return BranchInfo(uuid.uuid4(), name, kind, dissolved)


def apply(member: PartyMember, events: list[EventPayload]) -> list[EventPayload]:
    for e in events:
        member.apply(e)
    return events


def party_member(joined_on: date = date(2020, 3, 1), probationary: bool = False) -> PartyMember:
    member = PartyMember(uuid.uuid4())
    apply(member, member.record(ORIGIN, joined_on, probationary, TODAY, "u"))
    return member


def refused(call, code: str, status: int | None = None) -> PartyRuleViolation:  # type: ignore[no-untyped-def]
    with pytest.raises(PartyRuleViolation) as caught:
        call()
    assert caught.value.code == code, caught.value
    if status is not None:
        assert caught.value.status == status
    return caught.value


def test_a_probationary_member_has_one_year_of_probation():
    member = PartyMember(uuid.uuid4())
    [event] = member.record(ORIGIN, date(2023, 7, 1), True, TODAY, "u")
    assert isinstance(event, PartyMembershipRecorded)
    assert event.probationary_until == date(2024, 7, 1)
    assert event.origin_division_code == ORIGIN
    assert add_one_year(date(2024, 2, 29)) == date(2025, 2, 28)
    full = PartyMember(uuid.uuid4())
    [event] = full.record(ORIGIN, date(2001, 7, 1), False, TODAY, "u")
    assert isinstance(event, PartyMembershipRecorded) and event.probationary_until is None


def test_recording_refuses_impossible_dates_and_a_second_record():
    refused(lambda: PartyMember(uuid.uuid4()).record(ORIGIN, date(2024, 7, 1), True, TODAY, "u"), "date-in-future")
    refused(lambda: PartyMember(uuid.uuid4()).record(ORIGIN, date(1921, 6, 30), False, TODAY, "u"), "date-too-early")
    member = party_member()
    refused(lambda: member.record(ORIGIN, date(2020, 1, 1), False, TODAY, "u"), "party-record-exists", 409)


def test_confirmation_comes_only_after_the_probation_and_only_once():
    member = party_member(date(2023, 6, 30), probationary=True)
    error = refused(lambda: member.confirm(date(2024, 6, 29), TODAY, "u"), "probation-not-over", 422)
    assert error.extensions["probationary_until"] == "2024-06-30"
    refused(lambda: member.confirm(date(2024, 7, 1), TODAY, "u"), "date-in-future")
    [event] = apply(member, member.confirm(date(2024, 6, 30), TODAY, "u"))
    assert isinstance(event, PartyMemberConfirmed)
    refused(lambda: member.confirm(TODAY, TODAY, "u"), "already-confirmed", 409)
    refused(lambda: party_member().confirm(TODAY, TODAY, "u"), "not-probationary", 409)
    refused(lambda: PartyMember(uuid.uuid4()).confirm(TODAY, TODAY, "u"), "not-a-party-member", 422)


def test_three_way_coverage_one_branch_per_role():
    member = party_member()
    origin, region, industry = branch(), branch("朝阳区党支部"), branch("酒店业商会党支部", OrganisationKind.BRANCH)
    apply(member, member.join(origin, R.ORIGIN, date(2021, 1, 1), TODAY, "u"))
    apply(member, member.join(region, R.REGION, date(2021, 1, 1), TODAY, "u"))
    apply(member, member.join(industry, R.INDUSTRY, date(2021, 1, 1), TODAY, "u"))
    assert set(member.memberships) == {R.ORIGIN, R.REGION, R.INDUSTRY}

    other = branch("花园镇驻京流动党员党支部")
    names = {origin.organisation_id: origin.name}
    error = refused(lambda: member.join(other, R.ORIGIN, TODAY, TODAY, "u", names=names), "role-taken", 409)
    assert origin.name in str(error) and error.extensions["existing_organisation_id"] == str(origin.organisation_id)


def test_only_active_branches_take_members_and_one_branch_holds_a_member_once():
    member = party_member()
    refused(
        lambda: member.join(branch("乐陵市委", OrganisationKind.PARTY_COMMITTEE), R.ORIGIN, TODAY, TODAY, "u"),
        "not-a-branch",
        422,
    )
    refused(lambda: member.join(branch(dissolved=True), R.ORIGIN, TODAY, TODAY, "u"), "organisation-dissolved", 409)
    refused(lambda: member.join(branch(), R.ORIGIN, date(2019, 1, 1), TODAY, "u"), "date-before-joining")
    b = branch()
    apply(member, member.join(b, R.ORIGIN, TODAY, TODAY, "u"))
    refused(lambda: member.join(b, R.REGION, TODAY, TODAY, "u"), "already-in-branch", 409)


def test_transfer_leaves_and_joins_in_one_event_and_leave_ends_a_role():
    member = party_member()
    first, second = branch(), branch("朝阳区党支部")
    refused(lambda: member.transfer(R.REGION, second, TODAY, TODAY, "u"), "no-membership", 409)
    apply(member, member.join(first, R.REGION, date(2022, 1, 1), TODAY, "u"))
    refused(lambda: member.transfer(R.REGION, first, TODAY, TODAY, "u"), "same-branch", 409)
    refused(lambda: member.transfer(R.REGION, second, date(2021, 12, 31), TODAY, "u"), "date-before-joining")
    [moved] = apply(member, member.transfer(R.REGION, second, TODAY, TODAY, "u"))
    assert isinstance(moved, BranchMembershipTransferred)
    assert (moved.from_organisation_id, moved.to_organisation_id) == (first.organisation_id, second.organisation_id)
    assert member.memberships[R.REGION].organisation_id == second.organisation_id
    [left] = apply(member, member.leave(R.REGION, TODAY, " 返乡 ", TODAY, "u"))
    assert isinstance(left, BranchMembershipLeft) and left.reason == "返乡"
    assert member.memberships == {}


def test_status_changes_follow_the_allowed_paths_and_leaving_us_ends_every_membership():
    member = party_member()
    apply(member, member.join(branch(), R.ORIGIN, date(2021, 1, 1), TODAY, "u"))
    apply(member, member.join(branch("朝阳区党支部"), R.REGION, date(2021, 1, 1), TODAY, "u"))
    refused(lambda: member.change_status(PartyStatus.NORMAL, TODAY, None, TODAY, "u"), "same-status", 409)
    [suspended] = apply(member, member.change_status(PartyStatus.SUSPENDED, TODAY, "失联", TODAY, "u"))
    assert isinstance(suspended, PartyStatusChanged) and len(member.memberships) == 2
    refused(lambda: member.join(branch(), R.INDUSTRY, TODAY, TODAY, "u"), "status-not-normal", 409)
    events = apply(member, member.change_status(PartyStatus.DECEASED, TODAY, None, TODAY, "u"))
    assert [type(e) for e in events] == [PartyStatusChanged, BranchMembershipLeft, BranchMembershipLeft]
    assert member.memberships == {}
    refused(lambda: member.change_status(PartyStatus.NORMAL, TODAY, None, TODAY, "u"), "status-transition", 409)


def test_dues_once_a_month_corrections_replace_and_non_members_pay_none():
    refused(lambda: PartyMember(uuid.uuid4()).pay_dues("2024-05", 200, TODAY, TODAY, "u"), "not-a-party-member", 422)
    member = party_member(date(2024, 3, 15))
    [paid] = apply(member, member.pay_dues("2024-05", 200, date(2024, 5, 20), TODAY, "u"))
    assert isinstance(paid, DuesPaid) and paid.correction is False
    error = refused(lambda: member.pay_dues("2024-05", 300, TODAY, TODAY, "u"), "dues-already-paid", 409)
    assert error.extensions["existing_amount_fen"] == 200
    [fixed] = apply(member, member.pay_dues("2024-05", 300, TODAY, TODAY, "u", correction=True, note="少记"))
    assert isinstance(fixed, DuesPaid) and fixed.correction and fixed.note == "少记"
    assert member.pay_dues("2024-05", 300, TODAY, TODAY, "u", correction=True) == []
    refused(lambda: member.pay_dues("2024-06", 300, TODAY, TODAY, "u", correction=True), "nothing-to-correct")
    refused(lambda: member.pay_dues("2024-02", 100, TODAY, TODAY, "u"), "month-before-joining")
    refused(lambda: member.pay_dues("2025-07", 100, TODAY, TODAY, "u"), "month-too-far-ahead")
    refused(lambda: member.pay_dues("2024-06", 0, TODAY, TODAY, "u"), "bad-amount")
    refused(lambda: member.pay_dues("2024-13", 100, TODAY, TODAY, "u"), "bad-month")
    refused(lambda: member.pay_dues("2024-06", 100, date(2024, 7, 1), TODAY, "u"), "date-in-future")
    apply(member, member.change_status(PartyStatus.SUSPENDED, TODAY, None, TODAY, "u"))
    refused(lambda: member.pay_dues("2024-06", 100, TODAY, TODAY, "u"), "status-not-normal", 409)


def test_a_session_records_everyone_who_should_have_come():
    b = branch()
    present, online, excused, silent = (uuid.uuid4() for _ in range(4))
    request = SessionRequest(
        OrgLifeKind.THEME_DAY,
        SessionMode.ONLINE,
        date(2024, 6, 1),
        " 学习党章 ",
        (
            Attendance(member_id=present, status=AttendanceStatus.PRESENT),
            Attendance(member_id=online, status=AttendanceStatus.ONLINE),
            Attendance(member_id=excused, status=AttendanceStatus.ABSENT, reason="值班"),
        ),
    )
    [event] = OrgLifeSession(uuid.uuid4()).hold(b, request, [present, online, excused, silent], TODAY, "u")
    assert isinstance(event, OrgLifeSessionHeld) and event.topic == "学习党章"
    statuses = {a.member_id: (a.status, a.reason) for a in event.attendance}
    assert statuses == {
        present: (AttendanceStatus.PRESENT, None),
        online: (AttendanceStatus.ONLINE, None),
        excused: (AttendanceStatus.ABSENT, "值班"),
        silent: (AttendanceStatus.ABSENT, None),
    }


@pytest.mark.parametrize(
    ("attendance", "code"),
    [
        ((Attendance(member_id=uuid.UUID(int=9), status=AttendanceStatus.PRESENT),), "not-a-branch-member"),
        ((Attendance(member_id=uuid.UUID(int=1), status=AttendanceStatus.ABSENT),), "reason-required"),
        (
            (
                Attendance(member_id=uuid.UUID(int=1), status=AttendanceStatus.PRESENT),
                Attendance(member_id=uuid.UUID(int=1), status=AttendanceStatus.ONLINE),
            ),
            "duplicate-attendee",
        ),
    ],
)
def test_a_session_refuses_a_wrong_attendance_list(attendance, code):
    request = SessionRequest(OrgLifeKind.PARTY_LECTURE, SessionMode.IN_PERSON, date(2024, 6, 1), "党课", attendance)
    refused(lambda: OrgLifeSession(uuid.uuid4()).hold(branch(), request, [uuid.UUID(int=1)], TODAY, "u"), code)


def test_sessions_belong_to_branches_on_past_days():
    request = SessionRequest(OrgLifeKind.BRANCH_COMMITTEE, SessionMode.IN_PERSON, date(2024, 7, 1), "支委会", ())
    members = [uuid.uuid4()]
    refused(lambda: OrgLifeSession(uuid.uuid4()).hold(branch(), request, members, TODAY, "u"), "date-in-future")
    station = branch("驻杭服务站", OrganisationKind.SERVICE_STATION)
    past = SessionRequest(OrgLifeKind.BRANCH_COMMITTEE, SessionMode.IN_PERSON, TODAY, "支委会", ())
    refused(lambda: OrgLifeSession(uuid.uuid4()).hold(station, past, members, TODAY, "u"), "not-a-branch")
    refused(lambda: OrgLifeSession(uuid.uuid4()).hold(branch(), past, [], TODAY, "u"), "no-members")


def test_replay_gives_back_memberships_and_dues():
    member = party_member()
    b = branch()
    events: list[EventPayload] = [
        PartyMembershipRecorded(
            member_id=member.member_id,
            origin_division_code=ORIGIN,
            joined_on=date(2020, 1, 1),
            probationary=False,
            recorded_by="u",
        ),
        BranchMembershipJoined(
            member_id=member.member_id,
            organisation_id=b.organisation_id,
            role=R.ORIGIN,
            joined_on=TODAY,
            recorded_by="u",
        ),
        DuesPaid(member_id=member.member_id, month="2024-06", amount_fen=50, paid_on=TODAY, recorded_by="u"),
    ]
    again = PartyMember.replay(member.member_id, events)
    assert again.memberships[R.ORIGIN].organisation_id == b.organisation_id
    assert again.dues["2024-06"].amount_fen == 50


def test_a_dues_reminder_once_a_month_only_to_members_in_normal_status_who_have_not_paid():
    from kite_roster.party.application.dues_reminders import reminder_month

    assert reminder_month(date(2024, 6, 19), 20) is None
    assert reminder_month(date(2024, 6, 20), 20) == "2024-06"
    assert PartyMember(uuid.uuid4()).remind_dues("2024-06", TODAY) == []  # no party record
    member = party_member(date(2024, 3, 15))
    assert member.remind_dues("2024-02", TODAY) == []  # before joining
    [due] = apply(member, member.remind_dues("2024-06", TODAY))
    assert isinstance(due, PartyDuesReminderDue) and due.month == "2024-06" and due.due_on == TODAY
    assert member.remind_dues("2024-06", TODAY) == []  # once a month
    apply(member, member.pay_dues("2024-05", 200, TODAY, TODAY, "u"))
    assert member.remind_dues("2024-05", TODAY) == []  # paid
    apply(member, member.change_status(PartyStatus.SUSPENDED, TODAY, None, TODAY, "u"))
    assert member.remind_dues("2024-04", TODAY) == []  # not in normal status
