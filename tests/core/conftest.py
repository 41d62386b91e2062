from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio

from monopilot_integrations.core.logs.masking import Masker
from tests.support import services


@pytest.fixture(scope="module")
def kernel_masker() -> Masker:
    return Masker()


@pytest.fixture
def redis_url() -> str:
    return services.need("redis", services.REDIS_URL)


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """A key prefix of the test's own in Redis, its keys deleted afterwards. Near the top
    of the hour it first waits for the next one, so hour counters do not roll over."""
    to_hour = 3600 - time.time() % 3600
    if to_hour < 10:
        await asyncio.sleep(to_hour + 0.5)
    prefix = f"mp:rl:test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.asyncio.Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
