"""What a source event says, as the values its notice's template is filled with. Pure."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from kite_common.mirror.roster_members import MemberRegistered

from kite_notify.domain.labels import case_category_label, outcome_label
from kite_notify.domain.source_events import (
    CaseAccepted,
    CaseFollowUpRecorded,
    CaseOpened,
    CaseResolved,
    CaseTransferAccepted,
    CertificateIssued,
    CourseEnrolled,
    DuesPaid,
    FairRegistered,
    JobMatched,
    MemberContactLost,
    OrgLifeAbsence,
    OrgLifeSessionPlanned,
    PartyDuesReminderDue,
    PlacementFollowUpDue,
    SourceEvent,
)

ORG_LIFE_LABELS = {
    "branch-general-meeting": "支部党员大会",
    "branch-committee": "支部委员会",
    "party-group": "党小组会",
    "party-lecture": "党课",
    "theme-day": "主题党日",
}

# China keeps one time zone and no daylight saving: deadlines are shown in Beijing time.
BEIJING = timezone(timedelta(hours=8), "北京时间")


@dataclass(frozen=True)
class CaseFacts:
    """What notify keeps of a case from its case-opened event (later steps name only the case)."""

    member_id: uuid.UUID
    origin_division_code: str
    category: str
    urgency: str
    deadline: datetime | None


def format_deadline(deadline: datetime) -> str:
    if deadline.tzinfo is None:  # the platform's times are UTC
        deadline = deadline.replace(tzinfo=UTC)
    local = deadline.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def format_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def format_fen(fen: int) -> str:
    """Integer fen as yuan with two decimals: 5000 → 50.00."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _month(text: str) -> str:
    year, _, month = text.partition("-")
    return f"{year}年{int(month)}月" if month.isdigit() else text


def _deadline(case: CaseFacts) -> str:
    return format_deadline(case.deadline) if case.deadline else "规定时限"


def notice_for(
    event: SourceEvent, name: str, case: CaseFacts | None, facts: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]] | None:
    """The kind of notice `event` makes and its template values; None when it makes none (a
    follow-up that reached the member, a fair the member signed up for themselves, a correction of
    dues). `case` is required for the steps of a case; `facts` holds what notify keeps of the fair or
    course (title, date) and of the member's branch (its secretary)."""
    facts = facts or {}
    if isinstance(event, FairRegistered):
        if not event.invited:
            return None
        return "fair-invitation", {
            "name": name,
            "fair_title": facts.get("title", "招聘会"),
            "held_on": facts.get("held_on", "近期"),
            "where": facts.get("where", "线下"),
        }
    if isinstance(event, CourseEnrolled):
        return "training-enrolment", {
            "name": name,
            "course_title": facts.get("title", "技能培训班"),
            "trade": facts.get("trade", "技能"),
            "starts_on": facts.get("starts_on", "开班前另行通知的日期"),
        }
    if isinstance(event, PlacementFollowUpDue):
        return "follow-up-due", {"name": name, "months": str(event.month), "due_on": format_date(event.due_on)}
    if isinstance(event, DuesPaid):
        if event.correction:
            return None
        return "dues-paid", {"name": name, "month": _month(event.month), "amount": format_fen(event.amount_fen)}
    if isinstance(event, PartyDuesReminderDue):
        return "dues-reminder", {"name": name, "month": _month(event.month)}
    if isinstance(event, OrgLifeAbsence):
        session = ORG_LIFE_LABELS.get(event.kind, "组织生活")
        return "org-life-missed", {
            "name": name,
            "session": session,
            "topic": event.topic,
            "held_on": format_date(event.held_on),
        }
    if isinstance(event, MemberContactLost):
        last = event.last_contact_at if event.last_contact_at.tzinfo else event.last_contact_at.replace(tzinfo=UTC)
        return "member-contact-lost", {
            "name": name,
            "secretary": facts.get("secretary", "支部书记"),
            "quiet_days": str(event.quiet_days),
            "last_contact": format_date(last.astimezone(BEIJING).date()),
        }
    if isinstance(event, MemberRegistered):
        return "welcome", {"name": name, "city": event.current_city or "外地"}
    if isinstance(event, JobMatched):
        skills = "、".join(event.matched_skills) or "您登记的技能"
        return "job-matched", {"name": name, "job_title": event.title, "city": event.city, "skills": skills}
    if isinstance(event, CertificateIssued):
        return "certificate-issued", {"name": name, "title": event.title, "office": event.office_name}
    assert case is not None
    values = {"name": name, "category": case_category_label(case.category)}
    if isinstance(event, CaseOpened):
        return "case-opened", values | {"deadline": _deadline(case)}
    if isinstance(event, CaseAccepted):
        return "case-accepted", values | {"deadline": _deadline(case)}
    if isinstance(event, CaseTransferAccepted):
        return "case-transferred", values
    if isinstance(event, CaseResolved):
        return "case-resolved", values | {"outcome": outcome_label(event.outcome)}
    if isinstance(event, CaseFollowUpRecorded):
        return None if event.reached else ("case-follow-up-request", values)
    raise TypeError(f"no notice for {type(event).__name__}")


def announcement_values(planned: OrgLifeSessionPlanned) -> dict[str, str]:
    """What an org-life session announcement is filled with, all but the member's `name`."""
    return {
        "organisation": planned.organisation_name,
        "session": ORG_LIFE_LABELS.get(planned.kind, "组织生活"),
        "topic": planned.topic,
        "starts_at": format_deadline(planned.starts_at),
        "place": planned.place,
        "mode": "线上" if planned.mode == "online" else "线下",
    }
