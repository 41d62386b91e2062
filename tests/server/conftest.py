"""A real server on loopback, with real API keys, for the server tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp.test_utils import TestClient, TestServer

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.server.app import create_app, kernel_of
from tests.server.public_api_support import api  # noqa: F401  (the public API tests' fixture)
from tests.support import plugin
from tests.support.schema import truncate_all

ORG_A = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
ORG_B = uuid.UUID("00000000-0000-4000-8000-0000000000b2")
ALL_SCOPES = [
    "read:products",
    "write:products",
    "read:orders",
    "write:orders",
    "read:inventory",
    "write:inventory",
    "read:production",
    "write:production",
    "read:shipping",
    "webhook:manage",
    "integrations:admin",
    "events:publish",
]


@dataclass
class Server:
    client: TestClient
    kernel: Kernel
    keys: dict[str, str] = field(default_factory=dict)

    def auth(self, name: str = "a") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}


@pytest.fixture
def server_settings(settings: Settings) -> Settings:
    # bcrypt cost 4 keeps the suite fast; a test checks that the default is the document's 12.
    return settings.model_copy(update={"api_key_bcrypt_rounds": 4})


@pytest.fixture
async def server(server_settings: Settings, clock: ManualClock) -> AsyncIterator[Server]:
    plugin.ATTEMPTS.clear()
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    app = create_app(server_settings, plugins=plugins, clock=clock, embedded_worker=False)
    kernel = kernel_of(app)
    if kernel.database.is_postgres:
        await truncate_all(kernel.database)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        handle = Server(client=client, kernel=kernel)
        for name, org in (("a", ORG_A), ("b", ORG_B)):
            _, handle.keys[name] = await kernel.api_keys.create(
                org, name=f"admin {name}", scopes=ALL_SCOPES, rate_limit_tier="premium"
            )
        yield handle


@pytest.fixture
async def flush_logs_before_teardown(server: Server) -> AsyncIterator[None]:
    """Leave nothing in the log buffer for shutdown.

    Works around a race in ``LogWriter.close`` (core): it cancels the background task,
    and a cancellation landing after a batch's commit but before the batch leaves the
    buffer makes the final flush insert the same rows again (duplicate key).
    """
    yield
    await server.kernel.runtime().log_writer.flush()
