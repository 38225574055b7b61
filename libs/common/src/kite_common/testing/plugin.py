"""pytest fixtures for Kite: `infra` (real PostgreSQL + broker), `prefix` (per-test topics)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from kite_common.ids import new_id
from kite_common.observability import configure_tracing
from kite_common.testing.stack import TEST_SECRETS, Infra

for _key, _value in TEST_SECRETS.items():
    os.environ.setdefault(_key, _value)

# As in every service process: the SDK records spans (no exporter), so trace ids are real.
configure_tracing("tests")


@pytest.fixture(scope="session")
def _infra_process() -> Iterator[Infra]:
    infra = Infra.start()
    yield infra
    infra.stop()


@pytest.fixture(scope="session")
async def infra(_infra_process: Infra) -> AsyncIterator[Infra]:
    yield _infra_process
    await _infra_process.drop_templates()


@pytest.fixture
def prefix() -> str:
    """A topic prefix of this test's own, so tests never read each other's messages."""
    return f"t{new_id().hex[-10:]}."
