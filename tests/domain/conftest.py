"""Fixtures of the reference store's tests: the store on a manual clock, two organisations."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.domain.seed import load_seed, parse_seed
from monopilot_integrations.domain.sql_store import SqlDomainStore
from tests.domain.support import NOW, Orgs, demo_data


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def store(database: Database, clock: ManualClock) -> AsyncIterator[SqlDomainStore]:
    yield SqlDomainStore(database, clock=clock)


@pytest.fixture
async def orgs(database: Database, clock: ManualClock) -> Orgs:
    result = Orgs()
    for name in ("a", "b"):
        seed = parse_seed(demo_data(f"org-{name}"))
        setattr(result, name, (await load_seed(database, seed, clock=clock)).org_id)
    return result
