"""The group robot aggregate: added once, removed once. Pure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from kite_common.domain import Aggregate
from kite_common.events import EventPayload

from kite_notify.domain.events import GroupRobotAdded, GroupRobotRemoved
from kite_notify.domain.robots import Provider, RobotRejected


@dataclass
class GroupRobot(Aggregate):
    stream_prefix: ClassVar[str] = "robot"
    label: ClassVar[str] = "该群机器人"

    robot_id: uuid.UUID
    division_code: str = ""
    active: bool = False
    removed: bool = False

    @property
    def id(self) -> uuid.UUID:
        return self.robot_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, GroupRobotAdded):
            self.active, self.division_code = True, event.division_code
        elif isinstance(event, GroupRobotRemoved):
            self.active, self.removed = False, True

    def add(
        self,
        provider: Provider,
        name: str,
        organisation_id: uuid.UUID | None,
        division_code: str,
        signed: bool,
        added_by: str,
    ) -> list[EventPayload]:
        if self.active or self.removed:
            raise RobotRejected("该群机器人已存在")
        name = name.strip()
        if not 1 <= len(name) <= 50:
            raise RobotRejected("群名称应为 1–50 个字", field="name")
        added = GroupRobotAdded(
            robot_id=self.robot_id,
            provider=provider,
            name=name,
            organisation_id=organisation_id,
            division_code=division_code,
            signed=signed,
            added_by=added_by,
        )
        return self._record(added)

    def remove(self, removed_by: str) -> list[EventPayload]:
        if not self.active:
            return []
        return self._record(GroupRobotRemoved(robot_id=self.robot_id, removed_by=removed_by))
