"""Register a client system: the event, and its secret's hash kept beside it (never in an event)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_common.auth.principal import Principal
from kite_common.commands import command
from kite_common.domain import Conflict
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_identity.adapters.client_store import hash_secret, name_taken, new_secret, store_secret
from kite_identity.domain.client import Client, ClientSpec


@dataclass(frozen=True)
class Registered:
    client_id: uuid.UUID
    client_secret: str | None  # shown once, to whoever registered the client


@command
async def register_client(uow: UnitOfWork, principal: Principal, spec: ClientSpec) -> Registered:
    async with uow:
        if await name_taken(uow.conn, spec.name):
            raise Conflict("已有同名客户端", code="client-name-taken", field="name")
        client = Client.create(new_id())
        client.register(spec, principal.subject, principal.jurisdiction)
        await uow.save(client)
        secret = None
        if spec.auth_method == "client_secret":
            secret = new_secret()
            await store_secret(uow.conn, client.client_id, hash_secret(secret))
        return Registered(client.client_id, secret)
