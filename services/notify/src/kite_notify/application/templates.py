"""Use cases: save a new version of a notice template, read them, preview one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import NotFound
from kite_common.runtime import ServiceRuntime
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import template_store
from kite_notify.adapters.template_store import StoredTemplate
from kite_notify.domain.kinds import KINDS, SAMPLE_VALUES
from kite_notify.domain.template import (
    NO_TEMPLATE,
    Template,
    check_address,
    check_scope,
    template_id_for,
    visible_scope,
)
from kite_notify.domain.templates import TemplateText, check_template, render


class TemplateNotFound(NotFound):
    code = "template-not-found"


@command
async def save_template(
    uow: UnitOfWork,
    principal: Principal,
    kind: str,
    channel: str,
    language: str,
    text: TemplateText,
    placeholders: list[str],
    now: datetime,
    division_code: str = "",
) -> StoredTemplate:
    """A new version, in use from now on; the earlier ones are kept. `division_code` '' is the
    province default (province staff only), else the override of that place (inside the jurisdiction)."""
    check_address(kind, channel, language)
    check_scope(division_code, principal.jurisdiction)
    async with uow:
        template = await uow.get(Template, template_id_for(kind, channel, language, division_code))
        latest = await template_store.latest(uow.conn, kind, channel, language, division_code)
        version = (latest.version if latest else 0) + 1
        template.save_version(
            kind, channel, language, version, text, placeholders, principal.subject, division_code=division_code
        )
        await uow.save(template)  # two saves at once: the second appends at a stale version and runs again
        stored = StoredTemplate(
            kind,
            channel,
            language,
            version,
            text.title,
            text.body,
            placeholders,
            principal.subject,
            now,
            division_code,
        )
        await template_store.insert(uow.conn, stored)
    return stored


async def current_templates(runtime: ServiceRuntime, principal: Principal) -> list[StoredTemplate]:
    """The defaults in use, and the overrides of places inside the caller's jurisdiction."""
    async with runtime.pool.acquire() as conn:
        return await template_store.all_latest(conn, principal.jurisdiction)


async def template_versions(
    runtime: ServiceRuntime, principal: Principal, kind: str, channel: str, language: str, division_code: str = ""
) -> list[StoredTemplate]:
    check_address(kind, channel, language)
    if not visible_scope(division_code, principal.jurisdiction):  # another place's: as if there were none
        raise TemplateNotFound(NO_TEMPLATE, code="template-not-found")
    async with runtime.pool.acquire() as conn:
        found = await template_store.versions(conn, kind, channel, language, division_code)
    if not found:
        raise TemplateNotFound(NO_TEMPLATE, code="template-not-found")
    return found


@dataclass(frozen=True)
class Preview:
    text: TemplateText
    language: str  # the language of the template used: Chinese where the translation is missing
    channel: str
    version: int | None  # None: the draft in the request
    division_code: str = ""  # whose template it is: '' the province default


async def preview(
    runtime: ServiceRuntime,
    kind: str,
    channel: str,
    language: str,
    draft: TemplateText | None,
    placeholders: list[str] | None,
    values: Mapping[str, str],
    place: str | None = None,
) -> Preview:
    """The notice as a member would read it: a draft (checked as a save would be) or the template in
    use, filled with `values` and sample values for the rest. Stores nothing."""
    check_address(kind, channel, language)
    filled = {name: values.get(name) or SAMPLE_VALUES.get(name, name) for name in KINDS[kind].placeholders}
    if draft is not None:
        check_template(kind, placeholders or [], draft)
        return Preview(render(draft, filled), language, channel, None)
    async with runtime.pool.acquire() as conn:
        used = await template_store.for_notice(conn, kind, channel, language, place)
    if used is None:
        raise TemplateNotFound("该消息类型还没有模板", code="template-not-found")
    return Preview(render(used.text, filled), used.language, used.channel, used.version, used.division_code)
