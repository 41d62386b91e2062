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

from .conftest import ORG_A, as_user

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
    hook = uuid.uuid4()
    rows = [log_row(ORG_A, now - timedelta(hours=h, minutes=5)) for h in range(30)]
    rows += [
        log_row(ORG_A, now - timedelta(minutes=m), integration_type="webhook", webhook_id=hook)
        for m in (1, 2, 3)
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
    assert "integration_logs" not in " ".join(s for s in seen if s not in counts).lower()
    # The open hour's webhook deliveries reach the overview's row from that single count.
    webhooks = html.split('id="integration-webhooks"')[1].split("</article>")[0]
    assert '<td class="ok">3</td>' in webhooks
