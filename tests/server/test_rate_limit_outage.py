"""The rate-limit Redis goes away under a running server: the API keeps answering with
per-process limits (never a 500), says so once in the log, counts it in /metrics and
reports it in /readyz; when Redis is back the limits are shared again."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from monopilot_integrations.core.ratelimit import DegradingRateLimiter
from monopilot_integrations.core.settings import Settings
from tests.support.redis_server import RedisProcess

from .conftest import Server

pytestmark = pytest.mark.redis

EVENT = {
    "event_type": "workorder.completed",
    "data": {"wo_number": "WO-1", "qty_completed": 10, "product_code": "BUL-KAJ-60"},
}


@pytest.fixture
def redis_process() -> Iterator[RedisProcess]:
    process = RedisProcess()
    process.start()
    yield process
    process.stop()


@pytest.fixture
def server_settings(settings: Settings, redis_process: RedisProcess) -> Settings:
    return settings.model_copy(update={"api_key_bcrypt_rounds": 4, "redis_url": redis_process.url})


async def publish(server: Server, key: str = "a") -> int:
    response = await server.client.post(
        "/api/integrations/events", json=EVENT, headers=server.auth(key)
    )
    return response.status


async def test_a_lost_rate_limit_redis_degrades_to_per_process_limits(
    server: Server, redis_process: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    server.kernel.start_worker()  # ready but for the rate limits
    server.kernel.start_scheduler()
    assert await publish(server) == 202
    ready = await server.client.get("/readyz")
    assert (await ready.json())["checks"]["rate_limits"] == "ok"

    redis_process.stop()
    with caplog.at_level(logging.WARNING):
        statuses = [await publish(server) for _ in range(20)]
    assert statuses == [202] * 20
    warnings = [r for r in caplog.records if "per process" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not per request

    limiter = server.kernel.runtime().rate_limiter
    assert isinstance(limiter, DegradingRateLimiter) and limiter.degraded
    ready = await server.client.get("/readyz")
    body = await ready.json()
    assert ready.status == 200 and body["status"] == "degraded"
    assert body["checks"]["rate_limits"].startswith("degraded")
    metrics = await (await server.client.get("/metrics")).text()
    assert "monopilot_rate_limit_degraded 1.0" in metrics
    assert "monopilot_rate_limit_outages 1.0" in metrics

    # The tier still holds, per process: basic's burst of 10, then 429.
    from tests.core.helpers import ORG_A

    _, server.keys["basic"] = await server.kernel.api_keys.create(
        ORG_A, name="basic", scopes=["events:publish"], rate_limit_tier="basic"
    )
    statuses = [await publish(server, "basic") for _ in range(15)]
    assert statuses[:10] == [202] * 10 and statuses[-1] == 429

    redis_process.start()  # back: the next probe (here the readiness check) sees it
    body = await (await server.client.get("/readyz")).json()
    assert body["status"] == "ready" and body["checks"]["rate_limits"] == "ok"
    assert not limiter.degraded
    fallback_hits = limiter.fallback_hits
    assert await publish(server) == 202
    assert limiter.fallback_hits == fallback_hits  # answered by the shared limiter again
