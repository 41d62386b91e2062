"""Panels come from plugins through ``register_dashboard_panels``; the dashboard renders
their data itself (escaped) and their buttons call JSON API routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.plugins.hookspecs import hookimpl
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.web.panels import (
    DashboardPanel,
    PanelAction,
    PanelContext,
    PanelField,
    PanelForm,
    PanelTable,
    PanelView,
)
from monopilot_integrations.server.app import create_app, kernel_of
from tests.support import plugin

from .conftest import HandedInUsers, as_user

HOSTILE = '<script>alert("x")</script>'
SEEN: list[PanelContext] = []


async def load(context: PanelContext) -> PanelView:
    SEEN.append(context)
    return PanelView(
        figures=(("Exports today", "3"),),
        tables=(
            PanelTable(
                columns=("Name", "Note"),
                rows=[
                    (
                        ("nightly", HOSTILE),
                        (PanelAction("Run now", "POST", "/api/acme/run", body={"n": '"1"'}),),
                    )
                ],
                caption="Exports",
            ),
        ),
        forms=(
            PanelForm(
                "Schedule",
                "POST",
                "/api/acme/schedule",
                (PanelField("cron", "Cron", required=True),),
            ),
        ),
        notes=("A note.",),
    )


class AcmePanelPlugin:
    @hookimpl
    def register_dashboard_panels(self, register: Callable[[DashboardPanel], None]) -> None:
        register(DashboardPanel("acme", "ACME exports", load, connector="acme", order=1))


@pytest.fixture
async def client(server_settings: Settings, clock: ManualClock) -> AsyncIterator[TestClient]:
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    plugins.register(AcmePanelPlugin(), "acme-panel")
    users = HandedInUsers()
    plugins.register(users, "handed-in-users")
    app = create_app(server_settings, plugins=plugins, clock=clock, embedded_worker=False)
    users.kernel = kernel_of(app)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def test_a_plugins_panel_is_rendered_from_its_data(client: TestClient) -> None:
    SEEN.clear()
    response = await client.get("/dashboard/panels/acme", headers=as_user("admin-a"))
    html = await response.text()
    assert response.status == 200
    assert HOSTILE not in html and "&lt;script&gt;" in html  # escaped by the dashboard
    assert 'data-path="/api/acme/run"' in html and 'data-method="POST"' in html
    assert "&#34;n&#34;" in html  # the body travels as escaped JSON in an attribute
    assert 'data-path="/api/acme/schedule"' in html and 'name="cron"' in html
    assert "Exports today" in html and "A note." in html
    assert SEEN[-1].org_id == SEEN[-1].user.org_id
    nav = await (await client.get("/dashboard/", headers=as_user("admin-a"))).text()
    assert nav.index("/dashboard/panels/acme") < nav.index("/dashboard/panels/edi")


async def test_a_connector_that_is_not_installed_has_no_panel(client: TestClient) -> None:
    """A connector not installed here (``sage``): no panel, no overview row, no routes."""
    html = await (await client.get("/dashboard/", headers=as_user("admin-a"))).text()
    assert "/dashboard/panels/sage" not in html
    assert 'id="integration-sage"' not in html
    assert 'id="integration-comarch"' in html  # an installed one has its row
    missing = await client.get("/dashboard/panels/sage", headers=as_user("admin-a"))
    assert missing.status == 404
    mirrored = await client.post(
        "/dashboard/api/integrations/sage/test", headers=as_user("admin-a")
    )
    # No such route (the API middleware answers unknown paths before the dashboard's).
    assert mirrored.status in (401, 404)
