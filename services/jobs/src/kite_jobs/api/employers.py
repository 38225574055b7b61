"""/employers: register, get, list, verify (HR station)."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Query, Response
from kite_common.db.types import Connection
from kite_common.http.preconditions import IfMatch, set_etag

from kite_jobs.adapters.employer_contacts import masked_phones
from kite_jobs.adapters.rights_record import rights_of
from kite_jobs.api.deps import HrStation, Phones, Reader, Runtime, Writer
from kite_jobs.api.schemas import (
    ContactResponse,
    EmployerPage,
    EmployerResponse,
    RegisterEmployerRequest,
    RightsRecordResponse,
    VerifyEmployerRequest,
)
from kite_jobs.application.queries import get_employer, list_employers
from kite_jobs.application.register_employer import register_employer
from kite_jobs.application.verify_employer import verify_employer
from kite_jobs.domain.employer import ContactDetails, EmployerDetails

router = APIRouter(prefix="/employers", tags=["employers"])


async def _responses(conn: Connection, rows: list[asyncpg.Record]) -> list[EmployerResponse]:
    ids = [r["employer_id"] for r in rows]
    phones = await masked_phones(conn, ids)
    rights = await rights_of(conn, ids)
    out = []
    for row in rows:
        stored = row["contacts"]
        contacts = [
            ContactResponse(**c, phone_masked=phones.get(uuid.UUID(c["contact_id"])))
            for c in (json.loads(stored) if isinstance(stored, str) else stored)
        ]
        record = rights.get(row["employer_id"])
        rights_record = RightsRecordResponse(**asdict(record)) if record else RightsRecordResponse()
        out.append(EmployerResponse.model_validate(dict(row) | {"contacts": contacts, "rights_record": rights_record}))
    return out


async def _one(runtime: Runtime, principal: Reader, employer_id: uuid.UUID, response: Response) -> EmployerResponse:
    async with runtime.pool.acquire() as conn:
        row = await get_employer(conn, principal, employer_id)
        (employer,) = await _responses(conn, [row])
    set_etag(response, employer.version)
    return employer


@router.post(
    "",
    status_code=201,
    response_model=EmployerResponse,
    summary="登记用人单位",
    description="统一社会信用代码按 GB 32100 校验（含校验码）；联系人电话加密保存，仅返回掩码；登记地须在本辖区内。",
)
async def register(
    body: RegisterEmployerRequest, principal: Writer, runtime: Runtime, response: Response, phones: Phones
) -> EmployerResponse:
    details = EmployerDetails(
        name=body.name,
        unified_social_credit_code=body.unified_social_credit_code,
        industry=body.industry,
        hiring_division_code=body.hiring_division_code,
        area_division_code=body.area_division_code,
        contacts=[ContactDetails(name=c.name, phone=c.phone, role=c.role) for c in body.contacts],
    )
    employer = await register_employer(runtime.unit_of_work(), principal, details, phones)
    response.headers["Location"] = f"/employers/{employer.employer_id}"
    return await _one(runtime, principal, employer.employer_id, response)


@router.get("/{employer_id}", response_model=EmployerResponse, summary="查看用人单位")
async def get_one(employer_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response) -> EmployerResponse:
    return await _one(runtime, principal, employer_id, response)


@router.get("", response_model=EmployerPage, summary="查询本辖区用人单位")
async def list_(
    principal: Reader,
    runtime: Runtime,
    verified: Annotated[bool | None, Query(description="是否已核验")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> EmployerPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_employers(conn, principal, verified, limit, cursor)
        items = await _responses(conn, rows)
    return EmployerPage(items=items, next_cursor=next_cursor)


@router.post(
    "/{employer_id}/verification",
    response_model=EmployerResponse,
    summary="核验用人单位（人社驿站/劳务工作站）",
    description="需要 hr-station 角色；已核验的单位再次核验不产生新记录。",
)
async def verify(
    employer_id: uuid.UUID,
    body: VerifyEmployerRequest,
    principal: HrStation,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> EmployerResponse:
    await verify_employer(runtime.unit_of_work(), principal, employer_id, body.note, if_match)
    return await _one(runtime, principal, employer_id, response)
