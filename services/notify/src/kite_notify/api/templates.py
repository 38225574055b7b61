"""/templates: the notices' wording, per kind, channel and language, versioned."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from kite_common.auth import Principal, Role, require_roles
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime

from kite_notify.adapters.template_store import StoredTemplate
from kite_notify.api.template_schemas import (
    KindList,
    KindResponse,
    PreviewRequest,
    PreviewResponse,
    SaveTemplateRequest,
    TemplateList,
    TemplateResponse,
)
from kite_notify.application.templates import current_templates, preview, save_template, template_versions
from kite_notify.domain.kinds import KINDS
from kite_notify.domain.templates import TemplateRejected, TemplateText

router = APIRouter(prefix="/templates", tags=["templates"])

Reader = Annotated[Principal, Depends(require_roles(Role.NOTIFIER, Role.VIEWER, Role.CASEWORKER))]
Editor = Annotated[Principal, Depends(require_roles(Role.NOTIFIER))]
Scope = Annotated[
    str,
    Query(
        max_length=12,
        description="空为省级默认模板（仅省级工作人员可改）；区划代码为该地的本地模板（本辖区内可改，优先于默认模板）",
    ),
]


def _response(t: StoredTemplate) -> TemplateResponse:
    return TemplateResponse(
        kind=t.kind,
        channel=t.channel,
        language=t.language,
        version=t.version,
        title=t.title,
        body=t.body,
        placeholders=t.placeholders,
        saved_by=t.saved_by,
        saved_at=t.saved_at,
        division_code=t.division_code,
    )


@router.get("/kinds", response_model=KindList, summary="消息类型及其可用占位符")
async def kinds(principal: Reader) -> KindList:
    return KindList(items=[KindResponse(kind=k, label=s.label, placeholders=s.placeholders) for k, s in KINDS.items()])


@router.get("", response_model=TemplateList, summary="在用的模板（每种类型、渠道、语言的最新版本）")
async def list_(principal: Reader, runtime: Runtime) -> TemplateList:
    return TemplateList(items=[_response(t) for t in await current_templates(runtime, principal)])


@router.get("/{kind}/{channel}/{language}", response_model=TemplateList, summary="模板的全部版本（最新在前）")
async def versions(
    kind: str, channel: str, language: str, principal: Reader, runtime: Runtime, division_code: Scope = ""
) -> TemplateList:
    found = await template_versions(runtime, principal, kind, channel, language, division_code)
    return TemplateList(items=[_response(t) for t in found])


@router.put("/{kind}/{channel}/{language}", response_model=TemplateResponse, summary="保存模板新版本")
async def save(
    kind: str,
    channel: str,
    language: str,
    body: SaveTemplateRequest,
    principal: Editor,
    runtime: Runtime,
    division_code: Scope = "",
) -> TemplateResponse:
    text = TemplateText(body.title, body.body)
    saved = await save_template(
        runtime.unit_of_work(), principal, kind, channel, language, text, body.placeholders, utcnow(), division_code
    )
    return _response(saved)


@router.post("/{kind}/{channel}/{language}/preview", response_model=PreviewResponse, summary="预览消息")
async def preview_(
    kind: str,
    channel: str,
    language: str,
    body: PreviewRequest,
    principal: Reader,
    runtime: Runtime,
    division_code: Annotated[str | None, Query(max_length=12, description="按该地人员看到的预览；缺省为本辖区")] = None,
) -> PreviewResponse:
    if (body.title is None) != (body.body is None):
        raise TemplateRejected("预览草稿须同时提供标题和正文", field="body" if body.body is None else "title")
    draft = TemplateText(body.title, body.body) if body.title is not None and body.body is not None else None
    place = division_code if division_code is not None else principal.jurisdiction
    if not place.startswith(principal.jurisdiction):
        place = principal.jurisdiction  # another place's overrides are not shown: the caller's own view
    shown = await preview(runtime, kind, channel, language, draft, body.placeholders, body.values, place)
    return PreviewResponse(
        title=shown.text.title,
        body=shown.text.body,
        language=shown.language,
        channel=shown.channel,
        version=shown.version,
        division_code=shown.division_code,
    )
