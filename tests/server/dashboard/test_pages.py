"""The dashboard's pages for a signed-in admin: overview figures, logs explorer, panels,
and what one organisation's admin never sees of another's."""

from __future__ import annotations

import uuid
from datetime import timedelta

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.logs.writer import LogEntry
from tests.server.conftest import Server
from tests.support.log_rows import insert_logs, log_row

from .conftest import ORG_A, ORG_B, as_user


async def page(dashboard: Server, path: str, user: str = "admin-a", expect: int = 200) -> str:
    response = await dashboard.client.get(
        "/dashboard" + path, headers=as_user(user), allow_redirects=False
    )
    text = await response.text()
    assert response.status == expect, text[:2000]
    return text


async def test_anonymous_visitors_are_sent_to_sign_in(dashboard: Server) -> None:
    response = await dashboard.client.get("/dashboard/", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/dashboard/login"
    mirrored = await dashboard.client.get("/dashboard/api/integrations/api-keys")
    assert mirrored.status == 401
    assert (await mirrored.json(content_type=None))["status"] == 401
    login = await dashboard.client.get("/dashboard/login")
    assert login.status == 200
    assert "Content-Security-Policy" in login.headers


async def test_overview_counts_per_integration_from_the_log(
    dashboard: Server, clock: ManualClock
) -> None:
    kernel = dashboard.kernel
    key, _ = await kernel.api_keys.create(ORG_A, name="erp link", scopes=["read:products"])
    clock.advance(minutes=30)  # half an hour into the current hour: 24 buckets = 23.5 hours
    now = clock.now()
    rows = []
    for h in range(0, 100):  # four days of hourly traffic, two hours of them errors
        at = now - timedelta(hours=h, minutes=2)
        rows.append(log_row(ORG_A, at, api_key_id=key.id, duration_ms=20))
        if h in (3, 50):
            rows.append(log_row(ORG_A, at, status="error", http_status=429, api_key_id=key.id))
    hook = uuid.uuid4()
    rows += [
        log_row(ORG_A, now - timedelta(hours=2), integration_type="webhook", webhook_id=hook),
        log_row(ORG_B, now - timedelta(hours=2), integration_type="edi", status="error"),
    ]
    await insert_logs(kernel.database, rows)

    html = await page(dashboard, "/")
    api = html.split('id="integration-api"')[1].split("</article>")[0]
    # 24 h: hours 0..23 -> 24 successes, 1 error (hour 3); 7 d: 100 successes, 2 errors.
    assert '<th>24 h</th><td class="ok">24</td><td class="err">1</td><td>4.0%</td>' in api
    assert '<th>7 d</th><td class="ok">100</td><td class="err">2</td><td>2.0%</td>' in api
    assert "<svg" in api and "errors" in api  # the charts, drawn on the server
    webhooks = html.split('id="integration-webhooks"')[1].split("</article>")[0]
    assert '<td class="ok">1</td>' in webhooks  # logged as 'webhook', shown as the connector
    usage = html.split('id="api-key-usage"')[1].split("</table>")[0]
    assert "erp link" in usage
    assert "<td>25</td><td>1</td><td>2</td>" in usage  # requests 24 h, 429s 24 h, 429s 7 d
    assert 'id="integration-edi"' in html  # installed: shown even without traffic
    assert "2.0%" not in html.split('id="integration-edi"')[1].split("</article>")[0]

    other = await page(dashboard, "/", "admin-b")
    assert "erp link" not in other
    edi = other.split('id="integration-edi"')[1].split("</article>")[0]
    assert '<td class="err">1</td>' in edi
    assert 'id="integration-api"' in other
    assert '<td class="ok">0</td>' in other.split('id="integration-api"')[1].split("</article>")[0]


async def test_overview_shows_retry_depth_and_dead_letters_per_connector(
    dashboard: Server,
) -> None:
    from monopilot_integrations.core.connector import JobSpec
    from tests.support import plugin

    kernel = dashboard.kernel
    (dead,) = await kernel.jobs.create(
        ORG_A, plugin.FlakyConnector, [JobSpec(payload={"fatal": True})]
    )
    await kernel.jobs.create(ORG_A, plugin.FlakyConnector, [JobSpec(payload={"n": 1})])
    assert (await kernel.run_job(ORG_A, dead)).status == "dead"
    html = await page(dashboard, "/")
    flaky = html.split(f'id="integration-{plugin.FlakyConnector.name}"')[1].split("</article>")[0]
    assert '<strong class="retry-depth">1</strong>' in flaky
    assert '<strong class="dead-letters">1</strong>' in flaky
    other = await page(dashboard, "/", "admin-b")
    assert '<strong class="dead-letters">1</strong>' not in other
    dead_page = await page(dashboard, "/dead-letters")
    assert str(dead) in dead_page
    assert str(dead) not in await page(dashboard, "/dead-letters", "admin-b")


async def test_logs_explorer_filters_and_shows_masked_bodies(dashboard: Server) -> None:
    writer = dashboard.kernel.runtime().log_writer
    error_id = writer.add(
        LogEntry(
            org_id=ORG_A,
            integration_type="webhook",
            event_type="order.created",
            direction="outbound",
            status="error",
            http_status=500,
            error_message="receiver said no",
            request_body={"password": "hunter2hunter2", "order": "PO-1"},
            response_body={"detail": "boom"},
        )
    )
    writer.add(LogEntry(ORG_A, "api", "GET /x", "inbound", "success"))
    writer.add(
        LogEntry(ORG_B, "webhook", "order.created", "outbound", "error", error_message="b's")
    )
    await writer.flush()

    errors = await page(dashboard, "/logs?status=error")
    assert "receiver said no" in errors and "GET /x" not in errors and "b&#39;s" not in errors
    assert "GET /x" in await page(dashboard, "/logs")
    bad = await page(dashboard, "/logs?status=broken")  # the API's own validation message
    assert "invalid query" in bad and 'role="alert"' in bad
    emptied = await dashboard.client.get(
        "/dashboard/logs?status=&q=", headers=as_user("admin-a"), allow_redirects=False
    )
    assert emptied.status == 303 and emptied.headers["Location"] == "/dashboard/logs"

    detail = await page(dashboard, f"/logs/{error_id}")
    assert "PO-1" in detail and "hunter2hunter2" not in detail and "boom" in detail
    missing = await dashboard.client.get(f"/dashboard/logs/{error_id}", headers=as_user("admin-b"))
    assert missing.status == 404  # another organisation's row does not exist for B


async def test_panels_come_from_installed_plugins_only(dashboard: Server) -> None:
    html = await page(dashboard, "/")
    assert 'href="/dashboard/panels/webhooks"' in html
    assert 'href="/dashboard/panels/edi"' in html
    assert 'href="/dashboard/panels/comarch"' not in html  # not installed: no panel
    assert 'id="panel-webhooks"' in html  # shown on the overview too
    edi = await page(dashboard, "/panels/edi")
    assert "Inbox" in edi and "Outbox" in edi
    await page(dashboard, "/panels/comarch", expect=404)
