"""/employers: register, get."""

from __future__ import annotations

import uuid

import asyncpg
from fastapi import APIRouter, Response

from kite_jobs.api.deps import Reader, Runtime, Writer
from kite_jobs.api.schemas import EmployerResponse, RegisterEmployerRequest
from kite_jobs.application.queries import get_employer
from kite_jobs.application.register_employer import register_employer
from kite_jobs.domain.employer import EmployerDetails

router = APIRouter(prefix="/employers", tags=["employers"])


def _to_response(row: asyncpg.Record) -> EmployerResponse:
    return EmployerResponse.model_validate(dict(row))


@router.post("", status_code=201, response_model=EmployerResponse, summary="登记用人单位")
async def register(
    body: RegisterEmployerRequest, principal: Writer, runtime: Runtime, response: Response
) -> EmployerResponse:
    details = EmployerDetails(
        name=body.name,
        city=body.city,
        area_division_code=body.area_division_code,
        unified_social_credit_code=body.unified_social_credit_code,
        contact_name=body.contact_name,
    )
    employer = await register_employer(runtime.unit_of_work(), principal, details)
    async with runtime.pool.acquire() as conn:
        row = await get_employer(conn, employer.employer_id)
    response.headers["Location"] = f"/employers/{employer.employer_id}"
    return _to_response(row)


@router.get("/{employer_id}", response_model=EmployerResponse, summary="查看用人单位")
async def get_one(employer_id: uuid.UUID, principal: Reader, runtime: Runtime) -> EmployerResponse:
    async with runtime.pool.acquire() as conn:
        return _to_response(await get_employer(conn, employer_id))
