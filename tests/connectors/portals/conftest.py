"""Fixtures of the portal tests: the assembled server on loopback, the two-organisation
world, and a client per signed-in portal user."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.server.app import create_app
from tests.connectors.portals.world import PASSWORD, Org, build_org


@pytest.fixture
async def world(kernel: Kernel) -> tuple[Org, Org]:
    return await build_org(kernel, "ALFA"), await build_org(kernel, "BETA")


Client = TestClient[Any, Any]


@pytest.fixture
async def server(kernel: Kernel, clock: ManualClock) -> AsyncIterator[TestServer]:
    app = create_app(kernel.settings, plugins=kernel.plugins, clock=clock, embedded_worker=False)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def new_client(server: TestServer) -> AsyncIterator[Callable[[], Awaitable[Client]]]:
    """Clients of their own (each its own cookie jar), closed after the test."""
    made: list[Client] = []

    async def make() -> Client:
        client: Client = TestClient(server)
        await client.start_server()
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


async def signed_in(
    make: Callable[[], Awaitable[Client]], kind: str, email: str, password: str = PASSWORD
) -> tuple[Client, str]:
    """A client signed in to ``kind``'s portal, and its CSRF token."""
    client = await make()
    response = await client.post(
        f"/api/portal/{kind}/login", json={"email": email, "password": password}
    )
    assert response.status == 200, await response.text()
    return client, (await response.json())["csrf_token"]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """For pytest-playwright's own fixtures: Debian's chromium, never a downloaded browser
    (the portals' browser tests launch it the same way through the async API)."""
    import shutil

    from tests.connectors.portals.test_browser import LAUNCH_ARGS

    return {"executable_path": shutil.which("chromium"), "args": LAUNCH_ARGS, "headless": True}
