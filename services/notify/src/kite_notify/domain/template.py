"""The template aggregate: one stream per (kind, channel, language), one event per saved version."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from kite_common.domain import Aggregate
from kite_common.events import EventPayload

from kite_notify.domain.events import TemplateSaved
from kite_notify.domain.kinds import KINDS
from kite_notify.domain.languages import LANGUAGE_LABELS, LANGUAGES
from kite_notify.domain.templates import TemplateRejected, TemplateText, check_template

# Fixed forever: template ids are derived from it.
_NAMESPACE = uuid.UUID("6b697465-6e6f-7469-6679-000000000002")
TEMPLATE_CHANNELS: dict[str, str] = {
    "in_app": "站内消息（也用于推送）",
    "email": "电子邮件",
    "sms": "短信",
    "robot": "群机器人（企业微信、钉钉、飞书）",
}


def template_id_for(kind: str, channel: str, language: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{kind}/{channel}/{language}")


def check_address(kind: str, channel: str, language: str) -> None:
    """Refuses a kind, channel or language notify has no templates for (422, in Chinese)."""
    if kind not in KINDS:
        raise TemplateRejected(f"没有 {kind} 这种消息类型（可选：{'、'.join(KINDS)}）", field="kind")
    if channel not in TEMPLATE_CHANNELS:
        raise TemplateRejected(f"没有 {channel} 这种渠道（可选：{'、'.join(TEMPLATE_CHANNELS)}）", field="channel")
    if language not in LANGUAGES:
        choices = "、".join(f"{code}（{label}）" for code, label in LANGUAGE_LABELS.items())
        raise TemplateRejected(f"不支持的语言 {language}（可选：{choices}）", field="language", code="unknown-language")


@dataclass
class Template(Aggregate):
    stream_prefix: ClassVar[str] = "template"
    label: ClassVar[str] = "该模板"

    template_id: uuid.UUID
    saved_versions: int = 0

    @property
    def id(self) -> uuid.UUID:
        return self.template_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, TemplateSaved):
            self.saved_versions += 1

    def save_version(
        self,
        kind: str,
        channel: str,
        language: str,
        version: int,
        text: TemplateText,
        placeholders: list[str],
        saved_by: str,
    ) -> list[EventPayload]:
        check_address(kind, channel, language)
        check_template(kind, placeholders, text)
        saved = TemplateSaved(
            template_id=self.template_id,
            kind=kind,
            channel=channel,
            language=language,
            version=version,
            title=text.title,
            body=text.body,
            placeholders=placeholders,
            saved_by=saved_by,
        )
        return self._record(saved)
