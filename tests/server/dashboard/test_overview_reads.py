"""What one overview request reads from the integration log: the open hour, counted once
for the whole page, though the overview's figures and the webhooks panel shown on it both
need it (the roll-ups answer the closed hours)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.database import Database
from tests.server.conftest import Server
from tests.support.log_rows import insert_logs, log_row

from .conftest import ORG_A, as_user, changing

FROM_LOG = re.compile(r"\bFROM\s+\"?integration_logs\"?", re.IGNORECASE)


@contextmanager
def statements_on(database: Database) -> Iterator[list[str]]:
    """Every SQL statement the database's engines run inside the block."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engines = {id(e.sync_engine): e.sync_engine for e in (database.engine, database.tenant_engine)}
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", record)


def open_hour_counts(statements: list[str]) -> list[str]:
    """The statements counting log rows per group (the open hour's count)."""
    return [s for s in statements if FROM_LOG.search(s) and "GROUP BY" in s.upper()]


async def test_the_open_hour_is_counted_once_per_overview(
    dashboard: Server, clock: ManualClock
) -> None:
    kernel = dashboard.kernel
    clock.advance(minutes=30)
    now = clock.now()
    hooks = [await new_webhook(dashboard, name) for name in ("shop", "erp")]
    rows = [log_row(ORG_A, now - timedelta(hours=h, minutes=5)) for h in range(30)]
    rows += [
        log_row(ORG_A, now - timedelta(minutes=m), integration_type="webhook", webhook_id=hooks[0])
        for m in (1, 2, 3)
    ]
    # A failure in the open hour and one in a closed hour, each the newest of its endpoint.
    failures = [
        (hooks[0], timedelta(minutes=4), "open-hour 503"),
        (hooks[1], timedelta(hours=5), "closed-hour timeout"),
    ]
    rows += [
        log_row(
            ORG_A,
            now - ago,
            integration_type="webhook",
            webhook_id=hook,
            status="error",
            error_message=message,
        )
        for hook, ago, message in failures
    ]
    await insert_logs(kernel.database, rows)
    headers = as_user("admin-a")
    first = await dashboard.client.get("/dashboard/", headers=headers)
    assert first.status == 200  # rolls up the closed hours once

    with statements_on(kernel.database) as seen:
        response = await dashboard.client.get("/dashboard/", headers=headers)
        html = await response.text()
    assert response.status == 200, html[:2000]
    assert 'id="panel-webhooks"' in html  # the panel that reads log figures too was shown
    counts = open_hour_counts(seen)
    assert len(counts) == 1, counts
    # The only other read of the log: the failing endpoints' last messages, in one statement.
    others = [s for s in seen if FROM_LOG.search(s) and s not in counts]
    assert len(others) == 1 and "error_message" in others[0], others
    assert "open-hour 503" in html and "closed-hour timeout" in html
    # The open hour's webhook deliveries reach the overview's row from that single count.
    webhooks = html.split('id="integration-webhooks"')[1].split("</article>")[0]
    assert '<td class="ok">3</td>' in webhooks


async def new_webhook(dashboard: Server, name: str) -> uuid.UUID:
    """An endpoint created through the dashboard's mirror of the management API."""
    response = await dashboard.client.post(
        "/dashboard/api/integrations/webhooks",
        headers=changing("admin-a"),
        json={"name": name, "url": f"https://{name}.example/hooks", "events": ["*"]},
    )
    assert response.status == 201, await response.text()
    return uuid.UUID((await response.json())["id"])
