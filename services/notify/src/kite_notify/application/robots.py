"""Use cases: add a branch's or station's group robot, list those of the jurisdiction, remove one.

A robot belongs to a place: its organisation's division (the organisation must be known and inside
the caller's jurisdiction), else the caller's jurisdiction. Outside it a robot answers as unknown."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.commands import command
from kite_common.domain import NotFound
from kite_common.http.outbound import AddressGuard, AddressRefused
from kite_common.ids import new_id
from kite_common.privacy import FieldProtector
from kite_common.runtime import ServiceRuntime
from kite_common.settings import WebhookSettings
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters import organisations, robot_store
from kite_notify.adapters.db import Conn
from kite_notify.domain.group_robot import GroupRobot
from kite_notify.domain.robots import Provider, RobotAddress, RobotRejected, check_robot, mask_url

URL_CONTEXT = "notify.robot.url"
SECRET_CONTEXT = "notify.robot.secret"  # noqa: S105 (an encryption context, not a secret)


def _unknown_robot() -> NotFound:
    return NotFound("未找到该群机器人", code="robot-not-found")


@command
async def add_robot(
    uow: UnitOfWork,
    principal: Principal,
    protector: FieldProtector,
    provider: Provider,
    name: str,
    url: str,
    secret: str | None,
    organisation_id: uuid.UUID | None,
    now: datetime | None = None,
) -> asyncpg.Record:
    url = check_robot(provider, url, secret)
    try:  # resolved now where it can be; checked again at each send
        await AddressGuard.of(WebhookSettings().allowed_networks).check(url, allow_unresolved=True)
    except AddressRefused as exc:
        raise RobotRejected(str(exc).replace("回调地址", "机器人地址"), field="webhook_url") from exc
    async with uow:
        division = principal.jurisdiction
        if organisation_id is not None:
            org = await organisations.find(uow.conn, organisation_id)
            if org is None or org["dissolved_at"] is not None or not principal.covers(org["division_code"]):
                raise NotFound("未找到该组织", code="organisation-not-found")
            division = org["division_code"]
        robot = GroupRobot.create(new_id())
        robot.add(provider, name, organisation_id, division, bool(secret), principal.subject)
        await uow.save(robot)
        await robot_store.insert(
            uow.conn,
            robot.robot_id,
            provider,
            name,
            organisation_id,
            division,
            protector.encrypt(url, URL_CONTEXT),
            protector.encrypt(secret, SECRET_CONTEXT) if secret else None,
            mask_url(url),
            principal.subject,
            now or utcnow(),
        )
        row = await robot_store.shown(uow.conn, robot.robot_id, principal.jurisdiction_like)
    assert row is not None
    return row


async def list_robots(runtime: ServiceRuntime, principal: Principal) -> list[asyncpg.Record]:
    async with runtime.pool.acquire() as conn:
        return await robot_store.within(conn, principal.jurisdiction_like)


async def get_robot(runtime: ServiceRuntime, principal: Principal, robot_id: uuid.UUID) -> asyncpg.Record:
    async with runtime.pool.acquire() as conn:
        row = await robot_store.shown(conn, robot_id, principal.jurisdiction_like)
    if row is None:
        raise _unknown_robot()
    return row


@command
async def remove_robot(uow: UnitOfWork, principal: Principal, robot_id: uuid.UUID) -> None:
    async with uow:
        if await robot_store.shown(uow.conn, robot_id, principal.jurisdiction_like) is None:
            raise _unknown_robot()
        robot = await uow.get(GroupRobot, robot_id)
        robot.remove(principal.subject)
        await uow.save(robot)
        await robot_store.mark_removed(uow.conn, robot_id, utcnow())


async def robot_address(
    conn: Conn, principal: Principal, protector: FieldProtector, robot_id: uuid.UUID
) -> tuple[RobotAddress, str]:
    """The robot's provider, URL and secret (decrypted to be sealed again in the queue) and its name."""
    row = await robot_store.credentials(conn, robot_id, principal.jurisdiction_like)
    if row is None:
        raise _unknown_robot()
    url = protector.decrypt(row["url_enc"], URL_CONTEXT)
    secret = protector.decrypt(row["secret_enc"], SECRET_CONTEXT) if row["secret_enc"] else None
    return RobotAddress(row["provider"], url, secret), row["name"]
