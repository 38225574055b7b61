"""Jobs under test next to the real roster service, sharing one topic prefix."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from kite_common.testing.stack import RunningService, running
from kite_jobs.service import SERVICE as JOBS
from kite_roster.service import SERVICE as ROSTER


@dataclass
class Stack:
    roster: RunningService
    jobs: RunningService


@pytest.fixture
async def stack(infra, prefix):
    async with running(infra, ROSTER, prefix, roles=("api", "relay")) as roster, running(infra, JOBS, prefix) as jobs:
        yield Stack(roster, jobs)


@pytest.fixture
async def jobs(infra, prefix):
    """Jobs' API alone, for what needs no members and no broker."""
    async with running(infra, JOBS, prefix, roles=("api",)) as svc:
        yield svc
