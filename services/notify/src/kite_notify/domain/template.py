"""The template aggregate: one stream per (kind, channel, language), one event per saved version."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import ClassVar

from kite_common.domain import Aggregate, Forbidden, NotFound
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


NO_TEMPLATE = "该消息类型、渠道和语言还没有模板"
PROVINCE_LEVEL = 2  # a jurisdiction this short (or the whole country, '') edits the province defaults
_SCOPE = re.compile(r"^[0-9]+$")
SCOPE_LENGTHS = (4, 6, 9, 12)  # city, county, township, village


def template_id_for(kind: str, channel: str, language: str, division_code: str = "") -> uuid.UUID:
    scope = f"/{division_code}" if division_code else ""  # the defaults keep the ids they had
    return uuid.uuid5(_NAMESPACE, f"{kind}/{channel}/{language}{scope}")


def check_scope(division_code: str, jurisdiction: str) -> None:
    """Who may edit which templates: the province default ('') only province staff; a place's override
    only staff whose jurisdiction covers the place — outside it, an override answers as none does."""
    if division_code == "":
        if len(jurisdiction) > PROVINCE_LEVEL:
            raise Forbidden(
                "省级默认模板只能由省级工作人员修改；本地模板请指定本辖区的区划代码（division_code）",
                code="province-template",
            )
        return
    if not _SCOPE.match(division_code) or len(division_code) not in SCOPE_LENGTHS:
        raise TemplateRejected("区划代码应为 4、6、9 或 12 位数字", field="division_code")
    if not division_code.startswith(jurisdiction):
        raise NotFound(NO_TEMPLATE, code="template-not-found")


def visible_scope(division_code: str, jurisdiction: str) -> bool:
    """Whether a template of this place is visible to staff of this jurisdiction (defaults are to all)."""
    return division_code == "" or division_code.startswith(jurisdiction)


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
        *,
        division_code: str = "",
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
            division_code=division_code,
        )
        return self._record(saved)
