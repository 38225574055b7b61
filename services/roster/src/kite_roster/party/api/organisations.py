"""/organisations: register, edit, move, dissolve; read one (with ETag), list, members."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.preconditions import IfMatch, set_etag
from kite_common.runtime import ServiceRuntime

from kite_roster.party.adapters.organisation_contacts import ContactPhones
from kite_roster.party.api.pii import contact_phones
from kite_roster.party.api.schemas import (
    ContactIn,
    DissolveOrganisationRequest,
    MoveOrganisationRequest,
    OrganisationMemberPage,
    OrganisationMemberResponse,
    OrganisationPage,
    OrganisationResponse,
    RegisterOrganisationRequest,
    UpdateOrganisationRequest,
)
from kite_roster.party.application.dissolve_organisation import dissolve_organisation
from kite_roster.party.application.move_organisation import move_organisation
from kite_roster.party.application.organisation_common import ContactInput
from kite_roster.party.application.organisation_queries import (
    OrganisationFilter,
    get_organisation,
    list_organisation_members,
    list_organisations,
)
from kite_roster.party.application.register_organisation import NewOrganisation, register_organisation
from kite_roster.party.application.update_organisation import OrganisationChanges, update_organisation
from kite_roster.party.domain.organisation_events import OrganisationKind
from kite_roster.party.domain.party_events import MembershipRole

router = APIRouter(prefix="/organisations", tags=["organisations"])

Reader = Annotated[Principal, Depends(require_roles(Role.PARTY_AFFAIRS, Role.VIEWER, Role.REGISTRAR))]
Writer = Annotated[Principal, Depends(require_roles(Role.PARTY_AFFAIRS))]
_CHANGED: dict[int | str, dict[str, Any]] = {
    412: {"description": "If-Match 版本已过期"},
    409: {"description": "与当前状态冲突"},
}


Phones = Annotated[ContactPhones, Depends(contact_phones)]


def _contacts(contacts: list[ContactIn]) -> tuple[ContactInput, ...]:
    return tuple(ContactInput(c.name, c.role, c.phone, c.contact_id) for c in contacts)


async def _one(
    runtime: ServiceRuntime, principal: Principal, organisation_id: uuid.UUID, response: Response
) -> OrganisationResponse:
    async with runtime.pool.acquire() as conn:
        row = await get_organisation(conn, principal, organisation_id)
    set_etag(response, row["version"])
    return OrganisationResponse.model_validate(row)


@router.post("", status_code=201, response_model=OrganisationResponse, summary="登记组织")
async def register(
    body: RegisterOrganisationRequest, principal: Writer, runtime: Runtime, response: Response, phones: Phones
) -> OrganisationResponse:
    new = NewOrganisation(
        body.name, body.kind, body.division_code, body.host_city, body.parent_id, _contacts(body.contacts)
    )
    organisation_id = await register_organisation(runtime.unit_of_work(), phones, principal, new)
    response.headers["Location"] = f"/organisations/{organisation_id}"
    return await _one(runtime, principal, organisation_id, response)


@router.get("/{organisation_id}", response_model=OrganisationResponse, summary="查看组织")
async def get_one(
    organisation_id: uuid.UUID, principal: Reader, runtime: Runtime, response: Response
) -> OrganisationResponse:
    return await _one(runtime, principal, organisation_id, response)


@router.put("/{organisation_id}", response_model=OrganisationResponse, summary="修改组织", responses=_CHANGED)
async def update(
    organisation_id: uuid.UUID,
    body: UpdateOrganisationRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    phones: Phones,
    if_match: IfMatch,
) -> OrganisationResponse:
    changes = OrganisationChanges(body.name, body.host_city, _contacts(body.contacts))
    await update_organisation(runtime.unit_of_work(), phones, principal, organisation_id, changes, if_match)
    return await _one(runtime, principal, organisation_id, response)


@router.post("/{organisation_id}/move", response_model=OrganisationResponse, summary="调整上级组织", responses=_CHANGED)
async def move(
    organisation_id: uuid.UUID,
    body: MoveOrganisationRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> OrganisationResponse:
    await move_organisation(runtime.unit_of_work(), principal, organisation_id, body.parent_id, if_match)
    return await _one(runtime, principal, organisation_id, response)


@router.post("/{organisation_id}/dissolve", response_model=OrganisationResponse, summary="撤销组织", responses=_CHANGED)
async def dissolve(
    organisation_id: uuid.UUID,
    body: DissolveOrganisationRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> OrganisationResponse:
    await dissolve_organisation(
        runtime.unit_of_work(), principal, organisation_id, body.dissolved_on, body.reason, if_match
    )
    return await _one(runtime, principal, organisation_id, response)


@router.get("", response_model=OrganisationPage, summary="查询组织")
async def list_(
    principal: Reader,
    runtime: Runtime,
    kind: OrganisationKind | None = None,
    division: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$", description="区划代码前缀")] = None,
    host_city: Annotated[str | None, Query(max_length=50, description="驻在城市")] = None,
    parent: Annotated[uuid.UUID | None, Query(description="直接上级组织")] = None,
    within: Annotated[uuid.UUID | None, Query(description="该组织及其全部下级组织")] = None,
    include_dissolved: Annotated[bool, Query(description="包括已撤销的组织")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> OrganisationPage:
    f = OrganisationFilter(kind, division, host_city, parent, within, include_dissolved)
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_organisations(conn, principal, f, limit, cursor)
    return OrganisationPage(items=[OrganisationResponse.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/{organisation_id}/members", response_model=OrganisationMemberPage, summary="支部党员")
async def members(
    organisation_id: uuid.UUID,
    principal: Reader,
    runtime: Runtime,
    role: MembershipRole | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> OrganisationMemberPage:
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await list_organisation_members(
            conn, principal, organisation_id, role.value if role else None, limit, cursor
        )
    return OrganisationMemberPage(
        items=[OrganisationMemberResponse.model_validate(dict(r)) for r in rows], next_cursor=next_cursor
    )
