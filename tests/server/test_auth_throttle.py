"""Failed API key attempts on a real server (loopback), with the in-memory and the Redis
limiter: a client address is throttled (429 with Retry-After) whatever kind of bad key it
sends, and wrong secrets never suspend a key nor lock its owner out."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from monopilot_integrations.core.apikeys import format as key_format
from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import ApiKeyRow, LogRow
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.server.app import create_app, kernel_of
from tests.support import services

from .conftest import ORG_B, Server

ROUTE = "/api/integrations/api-keys"
BURST = 5


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def server_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """A small budget (burst 5), one trusted proxy (so each test picks its client
    addresses), and the chosen limiter. Redis keys are those of this test's own random
    addresses and key ids, so concurrent suites sharing the Redis do not meet."""
    update: dict[str, Any] = {
        "api_key_bcrypt_rounds": 4,
        "api_key_attempts_per_address": f"1/100/{BURST}",
        "trusted_proxy_hops": 1,
    }
    if request.param == "redis":
        update["redis_url"] = services.need("redis", services.REDIS_URL)
    return settings.model_copy(update=update)


def address() -> str:
    return f"203.0.113.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:8]}"


async def call(server: Server, key: str, client: str) -> Any:
    return await server.client.get(
        ROUTE, headers={"Authorization": f"Bearer {key}", "X-Forwarded-For": f"10.0.0.9, {client}"}
    )


async def test_an_address_is_throttled_whatever_bad_keys_it_sends(server: Server) -> None:
    client = address()
    unknown = key_format.generate("live").text  # a well-formed key of no row
    bad = ["mp_live_garbage", unknown, "mp_live_" + "x" * 43, unknown, "not-a-key"]
    for key in bad[:BURST]:
        assert (await call(server, key, client)).status == 401
    refused = await call(server, unknown, client)
    assert refused.status == 429, await refused.text()
    assert refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    body = await refused.json()
    assert body["type"].endswith("api-key-attempts") and "retry in" in body["detail"]
    # 600 more from that address: all refused before any lookup (the 401s stopped).
    statuses = {(await call(server, "mp_live_nope", client)).status for _ in range(50)}
    assert statuses == {429}
    # Another address is not affected, and a valid key works from it.
    assert (await call(server, server.keys["a"], address())).status == 200
    # Requests without any key cost nothing and are not throttled.
    missing = await server.client.get(ROUTE, headers={"X-Forwarded-For": client})
    assert missing.status == 401


async def test_wrong_secrets_never_suspend_the_key_nor_lock_out_its_owner(
    server: Server,
) -> None:
    key_id = key_format.parse(server.keys["b"]).key_id
    wrong = 0
    for _ in range(4):  # four attackers, each within its own budget
        attacker = address()
        for _ in range(BURST):
            guess = key_format.with_new_secret(key_id).text
            assert (await call(server, guess, attacker)).status == 401
            wrong += 1
    assert wrong > BURST  # the key id's own budget of wrong secrets is spent
    owner = await call(server, server.keys["b"], address())
    assert owner.status == 200, await owner.text()
    async with server.kernel.database.system_session() as session:
        row = await session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id))
        assert row is not None and row.status == "active"
    await server.kernel.runtime().log_writer.flush()
    async with server.kernel.database.system_session() as session:
        rows = (await session.execute(select(LogRow))).scalars().all()
    warnings = [r for r in rows if r.event_type == "api_key.failed_attempts"]
    assert len(warnings) == 1  # once per window, not once per attempt
    assert warnings[0].org_id == ORG_B and "stays active" in (warnings[0].error_message or "")
    assert not [r for r in rows if r.event_type == "api_key.suspended"]


async def test_a_verified_key_spends_nothing_from_its_address(server: Server) -> None:
    client = address()
    for _ in range(BURST * 3):  # cached after the first verification
        assert (await call(server, server.keys["a"], client)).status == 200
    for _ in range(BURST - 1):
        assert (await call(server, "mp_live_nope", client)).status == 401
    assert (await call(server, "mp_live_nope", client)).status == 429


def test_the_budget_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="per_minute/per_hour/burst"):
        Settings(api_key_attempts_per_address="lots")


@pytest.mark.redis
async def test_with_redis_the_budget_is_shared_by_every_server_process(
    server: Server, server_settings: Settings, clock: ManualClock
) -> None:
    if not server_settings.redis_url:
        pytest.skip("the in-memory limiter keeps one budget per process by design")
    app = create_app(server_settings, plugins=PluginManager(), clock=clock, embedded_worker=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as other_client:
        other = Server(client=other_client, kernel=kernel_of(app), keys=server.keys)
        client = address()
        for index in range(BURST):  # spent alternately on the two servers
            target = server if index % 2 else other
            assert (await call(target, "mp_live_nope", client)).status == 401
        assert (await call(server, "mp_live_nope", client)).status == 429
        assert (await call(other, "mp_live_nope", client)).status == 429
