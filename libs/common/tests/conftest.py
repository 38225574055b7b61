"""Fixtures of the platform's own tests."""

from __future__ import annotations

import pytest
from kite_common.db.pool import create_pool
from kite_common.runtime import ServiceRuntime
from kite_common.settings import DatabaseSettings, KafkaSettings
from kite_common.testing.sample import SAMPLE


@pytest.fixture
async def runtime(infra):
    dsn = await infra.fresh_database(SAMPLE)
    pool = await create_pool(DatabaseSettings(database_pool_max=6), dsn=dsn)
    yield ServiceRuntime(SAMPLE, pool, KafkaSettings(topic_prefix="unused."))
    await pool.close()
    await infra.drop(dsn)
