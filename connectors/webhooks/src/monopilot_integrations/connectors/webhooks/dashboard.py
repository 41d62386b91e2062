"""The webhooks panel of the integrations dashboard: every endpoint with its success rate
and last failure over seven days, and the buttons of the management API (create, test,
pause, resume).

The figures come from the kernel's hourly log roll-ups (grouped by webhook), so the panel
costs the same with a thousand deliveries or ten million.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from monopilot_integrations.connectors.webhooks.api.routes import BASE
from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.db.tables import logs_table
from monopilot_integrations.core.logs.rollup import aware, floor_hour
from monopilot_integrations.core.web.panels import (
    DashboardPanel,
    PanelAction,
    PanelContext,
    PanelField,
    PanelForm,
    PanelTable,
    PanelView,
)

WINDOW = timedelta(days=7)
#: Endpoints shown (the management API pages through more).
SHOWN = 200


async def load(context: PanelContext) -> PanelView:
    kernel, org_id = context.kernel, context.org_id
    async with kernel.session(org_id) as session:
        reader = context.log_reader(session)
        now = reader.now
        hooks = (
            (
                await session.execute(
                    select(Webhook)
                    .where(Webhook.org_id == org_id, Webhook.deleted_at.is_(None))
                    .order_by(Webhook.created_at, Webhook.id)
                    .limit(SHOWN)
                )
            )
            .scalars()
            .all()
        )
        grouped = await reader.grouped(
            ("webhook_id", "status"), floor_hour(now - WINDOW), histogram=False
        )
        totals: dict[uuid.UUID, list[int]] = {}
        last_error: dict[uuid.UUID, datetime] = {}
        for (webhook_id, status), figures in grouped.items():
            if webhook_id is None:
                continue
            ok_bad = totals.setdefault(webhook_id, [0, 0])
            ok_bad[1 if status == "error" else 0] += figures.count
            at = figures.last_error_at
            if at and (webhook_id not in last_error or at > last_error[webhook_id]):
                last_error[webhook_id] = at
        messages = await _error_messages(session, org_id, last_error)
    rows = []
    for hook in hooks:
        ok, bad = totals.get(hook.id, [0, 0])
        rate = f"{ok / (ok + bad) * 100:.1f}% of {ok + bad}" if ok + bad else "no deliveries"
        failure = "-"
        if hook.id in last_error:
            failure = (
                f"{last_error[hook.id]:%Y-%m-%d %H:%M} UTC: {messages.get(hook.id) or 'error'}"
            )
        status = hook.status + (f" ({hook.paused_reason})" if hook.paused_reason else "")
        path = f"{BASE}/{hook.id}"
        actions = [PanelAction("Send test", "POST", f"{path}/test", body={})]
        if hook.status == "active":
            actions.append(PanelAction("Pause", "POST", f"{path}/pause"))
        else:
            actions.append(PanelAction("Resume", "POST", f"{path}/resume"))
        rows.append(
            ((hook.name, hook.url, ", ".join(hook.events), status, rate, failure), tuple(actions))
        )
    active = sum(1 for h in hooks if h.status == "active")
    return PanelView(
        figures=(
            ("Endpoints", str(len(hooks))),
            ("Active", str(active)),
            ("Paused", str(len(hooks) - active)),
        ),
        tables=(
            PanelTable(
                columns=("Name", "URL", "Events", "Status", "Success (7 d)", "Last failure"),
                rows=rows,
                caption="Webhook endpoints",
                empty="No webhooks yet.",
            ),
        ),
        forms=(
            PanelForm(
                "New webhook",
                "POST",
                BASE,
                (
                    PanelField("name", "Name", required=True),
                    PanelField("url", "URL (https://)", kind="url", required=True),
                    PanelField(
                        "events",
                        "Event types (comma-separated, * for all)",
                        kind="list",
                        required=True,
                    ),
                ),
                submit="Create webhook",
                reveal="secret",
            ),
        ),
    )


async def _error_messages(
    session: Any, org_id: uuid.UUID, last_error: dict[uuid.UUID, datetime]
) -> dict[uuid.UUID, str | None]:
    """The message of each webhook's error logged at its ``last_error`` time: one statement
    for all of them (``timestamp IN (...)`` on the ``(org_id, timestamp)`` index), not one
    per failing endpoint."""
    if not last_error:
        return {}
    c = logs_table.c
    stmt = select(c.webhook_id, c.timestamp, c.error_message).where(
        c.org_id == org_id,
        c.timestamp.in_(sorted(set(last_error.values()))),
        c.webhook_id.in_(list(last_error)),
        c.status == "error",
    )
    out: dict[uuid.UUID, str | None] = {}
    for webhook_id, at, message in (await session.execute(stmt)).all():
        if aware(at) == last_error.get(webhook_id) and message and webhook_id not in out:
            out[webhook_id] = str(message)[:200]
    return out


PANEL = DashboardPanel(
    name="webhooks",
    title="Webhooks",
    load=load,
    connector="webhooks",
    order=10,
    scope="webhook:manage",
    overview=True,
    description="Outbound webhooks: signed deliveries of MonoPilot's events to your endpoints.",
)
