"""Turn an event from another service into the notification its member should get. Pure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from kite_common.mirror.roster_members import MemberRegistered

from kite_notify.domain.events import Kind
from kite_notify.domain.labels import case_category_label
from kite_notify.domain.source_events import CaseOpened, JobMatched, SourceEvent, origin_of

# China keeps one time zone and no daylight saving: deadlines are shown in Beijing time.
BEIJING = timezone(timedelta(hours=8), "北京时间")


@dataclass(frozen=True)
class Draft:
    """A notification's content and recipient, before it has an id or has been stored."""

    member_id: uuid.UUID
    origin_division_code: str
    kind: Kind
    title: str
    body: str


def render(event: SourceEvent, member_name: str | None = None) -> Draft:
    """The notification for `event`. `member_name` comes from notify's member directory and may be
    unknown when the member's registration has not arrived yet (topics are not ordered together)."""
    if isinstance(event, MemberRegistered):
        kind, title, body = _welcome(event)
    elif isinstance(event, CaseOpened):
        kind, title, body = _case_opened(event, member_name)
    else:
        kind, title, body = _job_matched(event, member_name)
    return Draft(event.member_id, origin_of(event), kind, title, body)


def _greeting(name: str | None) -> str:
    return f"{name}，您好！" if name else "您好！"


def format_deadline(deadline: datetime) -> str:
    if deadline.tzinfo is None:  # the platform's times are UTC
        deadline = deadline.replace(tzinfo=UTC)
    local = deadline.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _welcome(e: MemberRegistered) -> tuple[Kind, str, str]:
    where = f"在{e.current_city}" if e.current_city else "在外"
    body = (
        f"{_greeting(e.name)}欢迎加入风筝家园。您{where}打拼，家乡始终牵挂着您。"
        "遇到欠薪、工伤、子女就学等困难，可随时在这里提出诉求，我们会尽快为您办理。"
    )
    return "welcome", "欢迎加入风筝家园", body


def _case_opened(e: CaseOpened, name: str | None) -> tuple[Kind, str, str]:
    label = case_category_label(e.category)
    when = f"将在{format_deadline(e.deadline)}前办结" if e.deadline else "我们将尽快为您办结"
    body = f"{_greeting(name)}您的诉求（{label}）已受理，{when}。办理进展会在这里通知您。"
    return "case-opened", f"您的诉求（{label}）已受理", body


def _job_matched(e: JobMatched, name: str | None) -> tuple[Kind, str, str]:
    skills = "、".join(e.matched_skills)
    reason = f"根据您的技能（{skills}），" if skills else ""
    body = f"{_greeting(name)}{reason}为您推荐{e.city}的岗位“{e.title}”。如有意向，请联系就近的服务站。"
    return "job-matched", f"为您推荐岗位：{e.title}（{e.city}）", body
