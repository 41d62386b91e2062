"""The webhooks panel of the integrations dashboard: every endpoint with its success rate
and last failure over seven days, and the buttons of the management API (create, test,
pause, resume).

The figures come from the kernel's hourly log roll-ups (grouped by webhook), so the panel
costs the same with a thousand deliveries or ten million.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from monopilot_integrations.connectors.webhooks.api.routes import BASE
from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.db.tables import logs_table
from monopilot_integrations.core.logs.rollup import floor_hour
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
        messages = {
            wid: await _error_message(session, org_id, wid, at) for wid, at in last_error.items()
        }
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


async def _error_message(
    session: object, org_id: uuid.UUID, webhook_id: uuid.UUID, at: datetime
) -> str | None:
    """The message of the webhook's error logged at ``at``: one lookup on the
    ``(org_id, timestamp)`` index."""
    c = logs_table.c
    stmt = (
        select(c.error_message)
        .where(
            c.org_id == org_id, c.timestamp == at, c.webhook_id == webhook_id, c.status == "error"
        )
        .limit(1)
    )
    value = await session.scalar(stmt)  # type: ignore[attr-defined]
    return str(value)[:200] if value else None


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
