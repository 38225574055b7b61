"""Household events on roster.events (户: 建档立卡, 易地搬迁, 防返贫监测, 收入台账).
No ID or phone number ever appears here: free text is checked for them before it is decided.

Money is yuan as a decimal with at most two places, a JSON string ("36000.00") on the wire, so no
consumer ever sees a binary float."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from kite_common.events import EventPayload
from pydantic import WithJsonSchema

from kite_roster.shared.event_registry import registry

# 防返贫监测 三类对象: 脱贫不稳定户, 边缘易致贫户, 突发严重困难户
MonitoringCategory = Literal["unstable", "marginal", "sudden-hardship"]
# Published as what is on the wire: a decimal string of yuan, e.g. "36000.00".
Yuan = Annotated[
    Decimal,
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "description": "元，两位小数，如 36000.00"}),
]


@registry.register
class HouseholdRegistered(EventPayload):
    event_name = "household-registered"

    household_id: uuid.UUID
    division_code: str  # 12-digit village code
    head_name: str
    address: str | None = None
    poverty_registered: bool = False  # 建档立卡
    relocated: bool = False  # 易地扶贫搬迁
    relocation_site: str | None = None  # 安置点, set exactly when relocated
    monitored: bool = False  # 防返贫监测对象
    monitoring_category: MonitoringCategory | None = None  # set exactly when monitored
    registered_by: str


@registry.register
class HouseholdFlagsChanged(EventPayload):
    """The household's flags as they are after the change (all of them, not a diff)."""

    event_name = "household-flags-changed"

    household_id: uuid.UUID
    poverty_registered: bool
    relocated: bool
    relocation_site: str | None = None
    monitored: bool
    monitoring_category: MonitoringCategory | None = None
    changed_by: str


@registry.register
class HouseholdMemberAdded(EventPayload):
    event_name = "household-member-added"

    household_id: uuid.UUID
    member_id: uuid.UUID
    relation: str | None = None  # 与户主关系, as the village writes it
    moved_from_household_id: uuid.UUID | None = None
    added_by: str


@registry.register
class HouseholdMemberRemoved(EventPayload):
    event_name = "household-member-removed"

    household_id: uuid.UUID
    member_id: uuid.UUID
    moved_to_household_id: uuid.UUID | None = None  # set when the member moved to another household
    removed_by: str


@registry.register
class HouseholdIncomeReported(EventPayload):
    """A household's income for one year. A later report for the same year corrects it: the latest
    wins and the earlier ones stay in the stream."""

    event_name = "household-income-reported"

    household_id: uuid.UUID
    year: int
    total_income: Yuan
    household_size: int
    reported_by: str
