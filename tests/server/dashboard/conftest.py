"""The dashboard on a real loopback server, with users handed in the way MonoPilot hands
in its own: a plugin implementing ``provide_dashboard_user`` (here it trusts a cookie
naming one of two organisations' admins; MonoPilot reads its own session)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.plugins.hookspecs import hookimpl
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.web.panels import DashboardUser
from monopilot_integrations.server.app import create_app, kernel_of
from monopilot_integrations.server.dashboard.identity import admin_scopes
from tests.server.conftest import ORG_A, ORG_B, Server
from tests.support import plugin
from tests.support.schema import truncate_all

USER_COOKIE = "monopilot-test-user"
ADMINS = {"admin-a": ORG_A, "admin-b": ORG_B}
#: A user whose MonoPilot role grants no integration scope.
VIEWERS = {"viewer-a": ORG_A}


class HandedInUsers:
    """The test stand-in for MonoPilot's own session: a cookie names the user."""

    def __init__(self) -> None:
        self.kernel: Any = None

    @hookimpl
    def provide_dashboard_user(self, request: Any) -> DashboardUser | None:
        name = request.cookies.get(USER_COOKIE)
        if name in ADMINS:
            return DashboardUser(ADMINS[name], name, name, admin_scopes(self.kernel))
        if name in VIEWERS:
            return DashboardUser(VIEWERS[name], name, name, frozenset({"read:products"}))
        return None


@pytest.fixture
async def dashboard(server_settings: Settings, clock: ManualClock) -> AsyncIterator[Server]:
    plugin.ATTEMPTS.clear()
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    users = HandedInUsers()
    plugins.register(users, "handed-in-users")
    app = create_app(server_settings, plugins=plugins, clock=clock, embedded_worker=False)
    kernel = kernel_of(app)
    users.kernel = kernel
    if kernel.database.is_postgres:
        await truncate_all(kernel.database)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Server(client=client, kernel=kernel)


def as_user(name: str) -> dict[str, str]:
    return {"Cookie": f"{USER_COOKIE}={name}"}


def changing(name: str) -> dict[str, str]:
    """Headers of a change made from the dashboard's page."""
    return {**as_user(name), "X-CSRF-Token": "same-origin", "Sec-Fetch-Site": "same-origin"}


__all__ = ["ADMINS", "ORG_A", "ORG_B", "as_user", "changing", "uuid"]
