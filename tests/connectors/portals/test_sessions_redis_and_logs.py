"""Portal sessions in Redis when ``MONOPILOT_REDIS_URL`` is set (nothing in the database's
sessions table), and refused sign-ins in the process log without passwords."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from monopilot_integrations.core.db.web_sessions import WebSessionRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.web.sessions import RedisSessionStore
from tests.connectors.portals.conftest import signed_in
from tests.connectors.portals.world import Org
from tests.support import services


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if "redis" not in request.node.keywords:
        return settings
    return settings.model_copy(update={"redis_url": services.need("redis", services.REDIS_URL)})


@pytest.mark.redis
async def test_sessions_live_in_redis_when_configured(
    kernel: Kernel, world: tuple[Org, Org], new_client: Any, server: Any
) -> None:
    alfa, _ = world
    client, csrf = await signed_in(new_client, "supplier", alfa.emails["S1"])
    assert (await client.get("/api/portal/supplier/orders")).status == 200
    assert isinstance(kernel.runtime().web_session_store, RedisSessionStore)
    async with kernel.database.system_session() as s:
        assert await s.scalar(select(func.count()).select_from(WebSessionRow)) == 0
    served: Any = server.app
    from monopilot_integrations.core.web.request import KERNEL

    store = served[KERNEL].runtime().web_session_store
    assert await store.count("portal-supplier", alfa.users["S1"]) == 1
    assert (
        await client.post("/api/portal/supplier/logout", headers={"X-CSRF-Token": csrf})
    ).status == 200
    assert await store.count("portal-supplier", alfa.users["S1"]) == 0
    assert (await client.get("/api/portal/supplier/orders")).status == 401


async def test_refused_sign_ins_are_logged_without_the_password(
    world: tuple[Org, Org], new_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    alfa, _ = world
    client = await new_client()
    with caplog.at_level(logging.INFO, logger="monopilot_integrations.core.web.sessions.signin"):
        await client.post(
            "/api/portal/supplier/login",
            json={"email": alfa.emails["S1"], "password": "Secret-Guess-123"},
        )
        await client.post(
            "/api/portal/supplier/login",
            json={"email": "ghost@nowhere.example", "password": "Another-Guess-456"},
        )
    text = caplog.text
    assert "sign-in refused" in text and "realm=portal-supplier" in text
    assert "s***@alfa.example" in text and "reason=wrong password" in text
    assert "g***@nowhere.example" in text and "reason=unknown e-mail" in text
    assert "Secret-Guess-123" not in text and "Another-Guess-456" not in text
    assert alfa.emails["S1"] not in text
