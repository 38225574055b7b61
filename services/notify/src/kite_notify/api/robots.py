"""/robots: the WeCom, DingTalk and Feishu group robots of branches and stations. Their webhook URLs
and secrets are credentials: taken once, kept encrypted, shown masked."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.privacy import FieldProtector
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from kite_notify.adapters.pii import field_protector
from kite_notify.application.robots import add_robot, get_robot, list_robots, remove_robot
from kite_notify.domain.robots import Provider

router = APIRouter(prefix="/robots", tags=["robots"])

Manager = Annotated[Principal, Depends(require_roles(Role.NOTIFIER))]
Protector = Annotated[FieldProtector, Depends(field_protector)]


class AddRobotRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    provider: Provider = Field(description="wecom（企业微信）、dingtalk（钉钉）或 feishu（飞书）")
    name: str = Field(min_length=1, max_length=50, description="群名称，如 黎平县驻杭州流动党员党支部群")
    webhook_url: SecretStr = Field(description="机器人的 Webhook 地址（含密钥，加密保存，回显时脱敏）")
    secret: SecretStr | None = Field(default=None, description="钉钉“加签”或飞书“签名校验”的密钥（加密保存，不回显）")
    organisation_id: uuid.UUID | None = Field(default=None, description="所属党组织（支部、站点）；缺省时属本辖区")


class RobotResponse(BaseModel):
    robot_id: uuid.UUID
    provider: str
    name: str
    organisation_id: uuid.UUID | None
    division_code: str = Field(description="机器人所属区划：辖区覆盖它的工作人员可以使用")
    masked_url: str = Field(description="脱敏后的地址：不含令牌")
    signed: bool = Field(description="是否配置了加签/签名密钥")
    added_by: str
    added_at: datetime


class RobotList(BaseModel):
    items: list[RobotResponse]


def _response(row: asyncpg.Record) -> RobotResponse:
    return RobotResponse.model_validate(dict(row))


@router.post("", status_code=201, response_model=RobotResponse, summary="登记群机器人（企业微信、钉钉、飞书）")
async def create(
    body: AddRobotRequest, principal: Manager, runtime: Runtime, protector: Protector, response: Response
) -> RobotResponse:
    row = await add_robot(
        runtime.unit_of_work(),
        principal,
        protector,
        body.provider,
        body.name,
        body.webhook_url.get_secret_value(),
        body.secret.get_secret_value() if body.secret else None,
        body.organisation_id,
    )
    response.headers["Location"] = f"/robots/{row['robot_id']}"
    return _response(row)


@router.get("", response_model=RobotList, summary="查看本辖区的群机器人")
async def list_(principal: Manager, runtime: Runtime) -> RobotList:
    return RobotList(items=[_response(r) for r in await list_robots(runtime, principal)])


@router.get("/{robot_id}", response_model=RobotResponse, summary="查看群机器人")
async def get(robot_id: uuid.UUID, principal: Manager, runtime: Runtime) -> RobotResponse:
    return _response(await get_robot(runtime, principal, robot_id))


@router.delete("/{robot_id}", status_code=204, summary="移除群机器人")
async def delete(robot_id: uuid.UUID, principal: Manager, runtime: Runtime) -> Response:
    await remove_robot(runtime.unit_of_work(), principal, robot_id)
    return Response(status_code=204)
