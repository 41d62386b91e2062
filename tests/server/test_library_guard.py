"""MonoPilot's own aiohttp app, guarded by the library: ``install`` and ``require_scope``."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from monopilot_integrations.core.db.tables import LogRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.web.request import request_org
from monopilot_integrations.core.web.scopes import public, require_any_scope, require_scope

from .conftest import ORG_A


@require_scope("read:products")
async def monopilot_products(request: web.Request) -> web.Response:
    return web.json_response({"org": str(request_org(request)), "items": []})


@require_any_scope("webhook:manage", "integrations:admin")
async def monopilot_webhooks(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


@public
async def monopilot_health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def test_monopilots_own_routes_use_the_modules_keys_scopes_and_log(
    kernel: Kernel,
) -> None:
    settings = kernel.settings
    settings.api_key_bcrypt_rounds = 4
    _, reader = await kernel.api_keys.create(ORG_A, name="reader", scopes=["read:products"])
    _, admin = await kernel.api_keys.create(ORG_A, name="admin", scopes=["integrations:admin"])

    app = web.Application()  # MonoPilot's application
    kernel.install(app)
    app.router.add_get("/api/technical/products", monopilot_products)
    app.router.add_get("/api/webhooks", monopilot_webhooks)
    app.router.add_get("/health", monopilot_health)

    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        ok = await client.get(
            "/api/technical/products", headers={"Authorization": f"Bearer {reader}"}
        )
        assert ok.status == 200
        assert (await ok.json())["org"] == str(ORG_A)
        assert "X-RateLimit-Remaining" in ok.headers

        denied = await client.get("/api/webhooks", headers={"Authorization": f"Bearer {reader}"})
        assert denied.status == 403
        body = await denied.json()
        assert "integrations:admin or webhook:manage" in body["detail"]
        allowed = await client.get("/api/webhooks", headers={"Authorization": f"Bearer {admin}"})
        assert allowed.status == 200

        assert (await client.get("/api/technical/products")).status == 401
        assert (await client.get("/health")).status == 200

    await kernel.runtime().log_writer.flush()
    async with kernel.database.system_session() as session:
        rows = (await session.execute(select(LogRow))).scalars().all()
    assert {(r.event_type, r.http_status) for r in rows} >= {
        ("GET /api/technical/products", 200),
        ("GET /api/webhooks", 403),
        ("GET /api/webhooks", 200),
    }
