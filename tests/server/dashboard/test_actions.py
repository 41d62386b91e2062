"""What the dashboard changes goes through the JSON API's own handlers and scope checks
(mounted again under ``/dashboard/api``), with the user's organisation and a CSRF check."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.db.tables import logs_table
from tests.server.conftest import Server
from tests.support import plugin

from .conftest import ORG_A, ORG_B, as_user, changing

API = "/dashboard/api/integrations"


@pytest.fixture(autouse=True)
async def _flush_logs(dashboard: Server) -> AsyncIterator[None]:
    yield
    await dashboard.kernel.runtime().log_writer.flush()


async def act(
    dashboard: Server,
    method: str,
    path: str,
    *,
    user: str = "admin-a",
    expect: int = 200,
    headers: dict[str, str] | None = None,
    **kw: Any,
) -> Any:
    response = await dashboard.client.request(
        method, API + path, headers=headers if headers is not None else changing(user), **kw
    )
    body = await response.json(content_type=None)
    assert response.status == expect, body
    return body


async def test_api_key_lifecycle_from_the_dashboard(dashboard: Server) -> None:
    created = await act(
        dashboard,
        "POST",
        "/api-keys",
        json={"name": "warehouse scanner", "scopes": ["read:inventory"]},
        expect=201,
    )
    secret, key_id = created["key"], created["id"]
    assert secret.startswith("mp_") or len(secret) > 20
    listed = await act(dashboard, "GET", "/api-keys", headers=as_user("admin-a"))
    assert [k["name"] for k in listed["items"]] == ["warehouse scanner"]
    assert "key" not in listed["items"][0]  # shown once, at creation only
    page = await dashboard.client.get("/dashboard/api-keys", headers=as_user("admin-a"))
    assert secret not in await page.text()

    assert (await act(dashboard, "POST", f"/api-keys/{key_id}/suspend"))["status"] == "suspended"
    assert (await act(dashboard, "POST", f"/api-keys/{key_id}/activate"))["status"] == "active"
    works = await dashboard.client.get(
        "/api/warehouse/inventory", headers={"Authorization": f"Bearer {secret}"}
    )
    assert works.status == 200
    assert (await act(dashboard, "DELETE", f"/api-keys/{key_id}"))["status"] == "revoked"
    refused = await dashboard.client.get(
        "/api/warehouse/inventory", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status == 401

    # Each change is in the integration log with the user who made it.
    await dashboard.kernel.runtime().log_writer.flush()
    async with dashboard.kernel.session(ORG_A) as session:
        audit = (
            await session.execute(
                select(logs_table.c.event_type, logs_table.c.external_system).where(
                    logs_table.c.integration_type == "dashboard"
                )
            )
        ).all()
    assert ("DELETE /api/integrations/api-keys/{id}", "user:admin-a") in audit
    assert len(audit) == 4


async def test_bad_input_is_the_apis_problem_details(dashboard: Server) -> None:
    body = await act(dashboard, "POST", "/api-keys", json={"name": ""}, expect=422)
    assert body["status"] == 422 and {e["path"] for e in body["errors"]} >= {"/name", "/scopes"}
    body = await act(
        dashboard,
        "POST",
        "/api-keys",
        data=b"{not json",
        expect=400,
        headers={**changing("admin-a"), "Content-Type": "application/json"},
    )
    assert "not valid JSON" in body["detail"]
    body = await act(dashboard, "POST", "/api-keys/not-a-uuid/suspend", expect=404)
    assert body["status"] == 404


async def test_changes_need_the_csrf_header_and_the_same_origin(dashboard: Server) -> None:
    payload = {"name": "x", "scopes": ["read:products"]}
    body = await act(
        dashboard, "POST", "/api-keys", json=payload, headers=as_user("admin-a"), expect=403
    )
    assert body["type"].endswith("csrf-token")
    for hostile in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        body = await act(
            dashboard,
            "POST",
            "/api-keys",
            json=payload,
            headers={**changing("admin-a"), **hostile},
            expect=403,
        )
        assert body["type"].endswith("cross-site-request")
    listed = await act(dashboard, "GET", "/api-keys", headers=as_user("admin-a"))
    assert listed["items"] == []


async def test_a_user_without_the_scope_is_refused_like_an_api_key(dashboard: Server) -> None:
    body = await act(dashboard, "GET", "/api-keys", headers=as_user("viewer-a"), expect=403)
    assert body["missing_scopes"] == ["integrations:admin"]
    body = await act(
        dashboard,
        "POST",
        "/api-keys",
        user="viewer-a",
        json={"name": "x", "scopes": ["read:products"]},
        expect=403,
    )
    assert "integrations:admin" in body["detail"]
    page = await dashboard.client.get("/dashboard/", headers=as_user("viewer-a"))
    html = await page.text()
    assert "/dashboard/panels/webhooks" not in html  # the panel needs webhook:manage


async def test_one_organisations_admin_cannot_touch_anothers_things(dashboard: Server) -> None:
    created = await act(
        dashboard,
        "POST",
        "/api-keys",
        json={"name": "a's key", "scopes": ["read:products"]},
        expect=201,
    )
    for method, path in (
        ("POST", f"/api-keys/{created['id']}/suspend"),
        ("DELETE", f"/api-keys/{created['id']}"),
        ("GET", f"/api-keys/{created['id']}"),
    ):
        await act(dashboard, method, path, user="admin-b", expect=404)
    listed = await act(dashboard, "GET", "/api-keys", headers=as_user("admin-b"))
    assert listed["items"] == []
    assert (await act(dashboard, "GET", f"/api-keys/{created['id']}", headers=as_user("admin-a")))[
        "status"
    ] == "active"


async def test_webhook_create_pause_resume_and_test(dashboard: Server) -> None:
    created = await act(
        dashboard,
        "POST",
        "/webhooks",
        expect=201,
        json={"name": "shop", "url": "https://shop.example/hooks", "events": ["order.created"]},
    )
    assert created["secret"].startswith("whsec_")
    hook = created["id"]
    paused = await act(dashboard, "POST", f"/webhooks/{hook}/pause")
    assert (paused["status"], paused["paused_reason"]) == ("paused", "manual")
    panel = await dashboard.client.get("/dashboard/panels/webhooks", headers=as_user("admin-a"))
    html = await panel.text()
    assert "shop.example" in html and f"/api/integrations/webhooks/{hook}/resume" in html
    assert (await act(dashboard, "POST", f"/webhooks/{hook}/resume"))["status"] == "active"
    other = await dashboard.client.get("/dashboard/panels/webhooks", headers=as_user("admin-b"))
    assert "shop.example" not in await other.text()
    await act(dashboard, "POST", f"/webhooks/{hook}/pause", user="admin-b", expect=404)


async def test_retry_skip_and_redrive_from_the_dashboard(dashboard: Server) -> None:
    kernel = dashboard.kernel
    (waiting,) = await kernel.jobs.create(ORG_A, plugin.FlakyConnector, [JobSpec(payload={"n": 1})])
    skipped = await act(dashboard, "POST", f"/retries/{waiting}/skip")
    assert (skipped["status"], skipped["dead_reason"]) == ("dead", "skipped")
    await act(dashboard, "POST", f"/dead-letters/{waiting}/redrive", user="admin-b", expect=404)
    redriven = await act(dashboard, "POST", f"/dead-letters/{waiting}/redrive", expect=202)
    assert redriven["status"] == "queued"
    await act(dashboard, "POST", f"/retries/{waiting}/retry", expect=202)
    assert (await act(dashboard, "POST", f"/retries/{uuid.uuid4()}/retry", expect=404))[
        "status"
    ] == 404
    page = await dashboard.client.get("/dashboard/retries", headers=as_user("admin-a"))
    assert str(waiting) in await page.text()
    assert (
        str(waiting)
        not in await (
            await dashboard.client.get("/dashboard/retries", headers=as_user("admin-b"))
        ).text()
    )
    _ = ORG_B
