"""Registering client systems: admins of a jurisdiction, for systems of that jurisdiction."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status
from kite_common.auth import Principal, Role, require_roles
from kite_common.commands import command
from kite_common.http.app import RuntimeDep
from kite_common.unit_of_work import UnitOfWork

from kite_identity.adapters.client_store import ClientRecord, find_client
from kite_identity.api.schemas import ClientResponse, RegisterClientRequest, RevokeRequest
from kite_identity.application.register_client import register_client
from kite_identity.domain.client import Client, ClientNotFound, ClientSpec

router = APIRouter(prefix="/clients", tags=["clients"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def _response(client: ClientRecord, secret: str | None = None) -> ClientResponse:
    return ClientResponse(
        client_id=client.client_id,
        name=client.name,
        auth_method=client.auth_method,
        jwks_url=client.jwks_url,
        scopes=client.scopes,
        roles=client.roles,
        jurisdiction=client.jurisdiction,
        revoked=client.revoked,
        client_secret=secret,
    )


async def _visible(runtime: RuntimeDep, principal: Principal, client_id: uuid.UUID) -> ClientRecord:
    async with runtime.pool.acquire() as conn:
        client = await find_client(conn, client_id)
    if client is None or not client.jurisdiction.startswith(principal.jurisdiction):
        raise ClientNotFound()
    return client


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ClientResponse, summary="登记客户端系统")
async def register(body: RegisterClientRequest, principal: Admin, runtime: RuntimeDep) -> ClientResponse:
    spec = ClientSpec(
        name=body.name,
        auth_method=body.auth_method,
        scopes=body.scopes,
        roles=body.roles,
        jurisdiction=body.jurisdiction,
        jwks_url=body.jwks_url,
        public_keys=tuple(body.public_keys),
    )
    registered = await register_client(runtime.unit_of_work(), principal, spec)
    client = await _visible(runtime, principal, registered.client_id)
    return _response(client, registered.client_secret)


@router.get("/{client_id}", response_model=ClientResponse, summary="查看客户端")
async def read(client_id: uuid.UUID, principal: Admin, runtime: RuntimeDep) -> ClientResponse:
    return _response(await _visible(runtime, principal, client_id))


@command
async def _revoke(uow: UnitOfWork, principal: Principal, client_id: uuid.UUID, reason: str) -> None:
    async with uow:
        client = await uow.get(Client, client_id)
        if not client.registered or not (client.jurisdiction or "").startswith(principal.jurisdiction):
            raise ClientNotFound()
        client.revoke(reason, principal.subject)
        await uow.save(client)


@router.post("/{client_id}/revoke", response_model=ClientResponse, summary="吊销客户端（此后不再发放令牌）")
async def revoke(client_id: uuid.UUID, body: RevokeRequest, principal: Admin, runtime: RuntimeDep) -> ClientResponse:
    await _revoke(runtime.unit_of_work(), principal, client_id, body.reason)
    return _response(await _visible(runtime, principal, client_id))
