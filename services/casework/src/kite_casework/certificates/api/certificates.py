"""/certificates for staff: issue, get, PDF, revoke, list; and the templates to issue from."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.preconditions import IfMatch, set_etag
from kite_common.runtime import ServiceRuntime

from kite_casework.certificates.adapters.pdf import SignedDocument, render_certificate
from kite_casework.certificates.adapters.settings import certificate_settings
from kite_casework.certificates.api.dependencies import Keys
from kite_casework.certificates.api.schemas import (
    CertificatePage,
    CertificateResponse,
    IssueCertificateRequest,
    RevokeCertificateRequest,
    TemplateFieldResponse,
    TemplateResponse,
)
from kite_casework.certificates.api.views import certificate_response
from kite_casework.certificates.application.issue_certificate import issue_certificate
from kite_casework.certificates.application.queries import get_certificate, list_certificates
from kite_casework.certificates.application.revoke_certificate import revoke_certificate
from kite_casework.certificates.domain.certificate import IssueRequest
from kite_casework.certificates.domain.templates import TEMPLATES

router = APIRouter(prefix="/certificates", tags=["certificates"])

Reader = Annotated[Principal, Depends(require_roles(Role.CASEWORKER, Role.VIEWER))]
Writer = Annotated[Principal, Depends(require_roles(Role.CASEWORKER))]


async def _certificate_response(
    runtime: ServiceRuntime, principal: Principal, certificate_id: uuid.UUID, response: Response
) -> CertificateResponse:
    async with runtime.pool.acquire() as conn:
        row = await get_certificate(conn, principal, certificate_id)
    set_etag(response, row["version"])
    return certificate_response(row)


@router.get("/templates", response_model=list[TemplateResponse], summary="证明模板")
async def templates(principal: Reader) -> list[TemplateResponse]:
    return [
        TemplateResponse(
            code=t.code,
            title=t.title,
            body=t.body,
            fields=[TemplateFieldResponse(name=f.name, label=f.label) for f in t.fields],
            party_members_only=t.party_members_only,
        )
        for t in TEMPLATES.values()
    ]


@router.post("", status_code=201, response_model=CertificateResponse, summary="出具证明（电子印章）")
async def issue(
    body: IssueCertificateRequest, principal: Writer, runtime: Runtime, keys: Keys, response: Response
) -> CertificateResponse:
    request = IssueRequest(
        body.member_id, body.template, body.office_name, dict(body.fields), body.case_id, body.office_id
    )
    certificate_id = await issue_certificate(runtime.unit_of_work(), principal, request, keys, utcnow())
    response.headers["Location"] = f"/certificates/{certificate_id}"
    return await _certificate_response(runtime, principal, certificate_id, response)


@router.get("/{certificate_id}", response_model=CertificateResponse, summary="查看证明")
async def get_one(
    certificate_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response
) -> CertificateResponse:
    return await _certificate_response(runtime, principal, certificate_id, response)


@router.get(
    "/{certificate_id}/pdf",
    response_class=Response,
    summary="下载证明（PDF）",
    responses={200: {"content": {"application/pdf": {}}, "description": "盖有电子印章的证明"}},
)
async def pdf(certificate_id: uuid.UUID, principal: Reader, runtime: Runtime) -> Response:
    async with runtime.pool.acquire() as conn:
        row = await get_certificate(conn, principal, certificate_id)
    document = SignedDocument(row["payload"], row["signature"], row["key_id"])
    url = certificate_settings().verify_url(certificate_id)
    content = await asyncio.to_thread(render_certificate, document, url)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="certificate-{certificate_id}.pdf"'},
    )


@router.post(
    "/{certificate_id}/revoke",
    response_model=CertificateResponse,
    summary="撤销证明",
    responses={409: {"description": "该证明已撤销"}, 412: {"description": "If-Match 版本已过期"}},
)
async def revoke(
    certificate_id: uuid.UUID,
    body: RevokeCertificateRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CertificateResponse:
    await revoke_certificate(runtime.unit_of_work(), principal, certificate_id, body.reason, if_match, utcnow())
    return await _certificate_response(runtime, principal, certificate_id, response)


@router.get("", response_model=CertificatePage, summary="查询证明")
async def list_(
    principal: Reader,
    runtime: Runtime,
    member_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> CertificatePage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_certificates(conn, principal, member_id, case_id, limit, cursor)
    return CertificatePage(items=[certificate_response(r) for r in rows], next_cursor=next_cursor)
