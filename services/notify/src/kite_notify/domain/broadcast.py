"""The broadcast aggregate: scheduled, sent in batches, completed or cancelled. Pure."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from kite_common.domain import Aggregate, Conflict, Forbidden, NotFound, RuleViolation
from kite_common.events import EventPayload

from kite_notify.domain.events import (
    BroadcastBatchSent,
    BroadcastCancelled,
    BroadcastCompleted,
    BroadcastPostedToGroups,
    BroadcastScheduled,
    BroadcastText,
)
from kite_notify.domain.languages import DEFAULT, LANGUAGE_LABELS, LANGUAGES
from kite_notify.domain.templates import TemplateRejected, TemplateText, check_template

BroadcastStatus = Literal["new", "scheduled", "sending", "completed", "cancelled"]
_PREFIX = re.compile(r"^[0-9]+$")
PREFIX_LENGTHS = (2, 4, 6, 9, 12)  # province, city, county, township, village
CHANNELS = ("in_app", "sms", "email")  # a broadcast's: always the inbox; SMS or email to who chose it
GROUP_GREETING = "各位"  # `{name}` in a broadcast posted to a group chat: the group, not one member


class BroadcastNotFound(NotFound):
    code = "broadcast-not-found"


def check_audience(prefix: str, jurisdiction: str) -> None:
    if not _PREFIX.match(prefix) or len(prefix) not in PREFIX_LENGTHS:
        raise RuleViolation("区划代码前缀应为 2、4、6、9 或 12 位数字", field="division_code_prefix")
    if not prefix.startswith(jurisdiction):
        raise Forbidden("不能向管辖范围以外的地区群发", code="outside-jurisdiction")


def check_place(place: str, jurisdiction: str, what: str) -> None:
    """An organisation's or a fair's place must be inside the jurisdiction."""
    if not place.startswith(jurisdiction):
        raise Forbidden(f"不能向管辖范围以外的{what}群发", code="outside-jurisdiction")


def check_texts(texts: dict[str, TemplateText]) -> None:
    if DEFAULT not in texts:
        raise TemplateRejected("群发内容须有简体中文（zh-Hans）版本", field="texts")
    for language, text in texts.items():
        if language not in LANGUAGES:
            choices = "、".join(f"{code}（{label}）" for code, label in LANGUAGE_LABELS.items())
            raise TemplateRejected(
                f"不支持的语言 {language}（可选：{choices}）", field="texts", code="unknown-language"
            )
        check_template("broadcast", ["name"], text)


@dataclass
class Broadcast(Aggregate):
    stream_prefix: ClassVar[str] = "broadcast"
    label: ClassVar[str] = "该群发"

    broadcast_id: uuid.UUID
    status: BroadcastStatus = "new"
    batches: int = 0
    sent: int = 0

    @property
    def id(self) -> uuid.UUID:
        return self.broadcast_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, BroadcastScheduled):
            self.status = "scheduled"
        elif isinstance(event, BroadcastBatchSent):
            self.status, self.batches, self.sent = "sending", event.batch, self.sent + event.sent
        elif isinstance(event, BroadcastCompleted):
            self.status = "completed"
        elif isinstance(event, BroadcastCancelled):
            self.status = "cancelled"

    def schedule(
        self,
        prefix: str,
        organisation_id: uuid.UUID | None,
        party_members_only: bool,
        texts: dict[str, TemplateText],
        send_at: datetime,
        jurisdiction: str,
        created_by: str,
        *,
        fair_id: uuid.UUID | None = None,
        monitored_only: bool = False,
        trades: list[str] | None = None,
        channels: list[str] | None = None,
        robots: bool = False,
    ) -> list[EventPayload]:
        if robots and organisation_id is None:
            raise RuleViolation("只有向组织群发时才能同时发到群机器人", field="robots", code="robots-need-organisation")
        if organisation_id is None and fair_id is None:
            check_audience(prefix, jurisdiction)
        else:
            check_place(prefix, jurisdiction, "组织" if organisation_id is not None else "招聘会")
        check_texts(texts)
        return self._record(
            BroadcastScheduled(
                broadcast_id=self.broadcast_id,
                division_prefix=prefix,
                organisation_id=organisation_id,
                party_members_only=party_members_only,
                texts={lang: BroadcastText(title=t.title, body=t.body) for lang, t in texts.items()},
                send_at=send_at,
                jurisdiction=jurisdiction,
                created_by=created_by,
                fair_id=fair_id,
                monitored_households_only=monitored_only,
                trades=trades or None,
                channels=channels or ["in_app"],
                robots=robots,
            )
        )

    @property
    def running(self) -> bool:
        return self.status in ("scheduled", "sending")

    def batch_sent(self, sent: int, opted_out: int, queued: int = 0) -> list[EventPayload]:
        if not self.running:
            return []
        batch = BroadcastBatchSent(
            broadcast_id=self.broadcast_id, batch=self.batches + 1, sent=sent, opted_out=opted_out, queued=queued
        )
        return self._record(batch)

    def posted_to_groups(self, robots: int) -> list[EventPayload]:
        if not self.running:
            return []
        return self._record(BroadcastPostedToGroups(broadcast_id=self.broadcast_id, robots=robots))

    def complete(self, opted_out: int) -> list[EventPayload]:
        if not self.running:
            return []
        return self._record(BroadcastCompleted(broadcast_id=self.broadcast_id, sent=self.sent, opted_out=opted_out))

    def cancel(self, cancelled_by: str) -> list[EventPayload]:
        if self.status == "cancelled":
            return []
        if self.status == "completed":
            raise Conflict("群发已完成，不能取消", code="broadcast-completed")
        return self._record(
            BroadcastCancelled(broadcast_id=self.broadcast_id, cancelled_by=cancelled_by, sent=self.sent)
        )
