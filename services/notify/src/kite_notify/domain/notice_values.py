"""What a source event says, as the values its notice's template is filled with. Pure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from kite_common.mirror.roster_members import MemberRegistered

from kite_notify.domain.labels import case_category_label, outcome_label
from kite_notify.domain.source_events import (
    CaseAccepted,
    CaseFollowUpRecorded,
    CaseOpened,
    CaseResolved,
    CaseTransferAccepted,
    CertificateIssued,
    JobMatched,
    SourceEvent,
)

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


def _deadline(case: CaseFacts) -> str:
    return format_deadline(case.deadline) if case.deadline else "规定时限"


def notice_for(event: SourceEvent, name: str, case: CaseFacts | None) -> tuple[str, dict[str, str]] | None:
    """The kind of notice `event` makes and its template values; None when it makes none (a
    follow-up that reached the member). `case` is required for the steps of a case."""
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
