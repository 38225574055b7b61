"""Early warning from jobs: the household's last working member losing their job.

Roster keeps the placements jobs recorded (`job_placements`). When a placement ends and the member
belongs to a household, the household still has a working member when one of its members
- has another open placement, or
- is not deregistered and has an employer on the roster record — except the member who just left:
  their roster employer may be the job that ended (the roster record is kept by hand, the ending is
  the newer fact), so only their other placements count.
Otherwise a `job-loss` alert is raised, keyed on the placement: a redelivered ending raises nothing."""

from __future__ import annotations

import logging
import uuid
from datetime import date

from kite_common.unit_of_work import UnitOfWork
from pydantic import BaseModel, ConfigDict

from kite_roster.monitoring.application.raise_alert import raise_alert

log = logging.getLogger(__name__)

MEMBER_PLACED = "kite.jobs.member-placed.v1"
PLACEMENT_ENDED = "kite.jobs.placement-ended.v1"
JOB_LOSS_NOTE = "家庭最后一名务工成员离职（岗位结束）"


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Placed(_Tolerant):
    placement_id: uuid.UUID
    member_id: uuid.UUID


class Ended(_Tolerant):
    placement_id: uuid.UUID
    left_on: date


async def member_placed(uow: UnitOfWork, data: object) -> None:
    placed = Placed.model_validate(data)
    await uow.conn.execute(
        "INSERT INTO job_placements (placement_id, member_id) VALUES ($1, $2) ON CONFLICT (placement_id) DO NOTHING",
        placed.placement_id,
        placed.member_id,
    )


async def placement_ended(uow: UnitOfWork, data: object) -> None:
    ended = Ended.model_validate(data)
    member_id = await uow.conn.fetchval(
        "UPDATE job_placements SET ended_on = coalesce(ended_on, $2) WHERE placement_id = $1 RETURNING member_id",
        ended.placement_id,
        ended.left_on,
    )
    if member_id is None:
        log.info("placement-%s: never placed as far as the roster knows, no check", ended.placement_id)
        return
    household_id = await uow.conn.fetchval("SELECT household_id FROM household_members WHERE member_id = $1", member_id)
    if household_id is None:
        return
    still_working = await uow.conn.fetchval(
        """
        SELECT EXISTS (
            SELECT 1 FROM household_members hm
            WHERE hm.household_id = $1
              AND (EXISTS (SELECT 1 FROM job_placements p WHERE p.member_id = hm.member_id AND p.ended_on IS NULL)
                   OR (hm.member_id <> $2 AND EXISTS (
                        SELECT 1 FROM members m
                        WHERE m.member_id = hm.member_id AND m.status = 'active'
                          AND coalesce(m.employer, '') <> '')))
        )
        """,
        household_id,
        member_id,
    )
    if still_working:
        return
    await raise_alert(uow, household_id, "job-loss", f"placement-ended:{ended.placement_id}", note=JOB_LOSS_NOTE)
