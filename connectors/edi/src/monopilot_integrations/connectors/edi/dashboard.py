"""The EDI panel of the integrations dashboard: the inbox and the outbox, newest first,
with the management API's re-process (an inbound message that failed, after its partner
profile or the master data was fixed) and send-again (an outbound message that failed)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from monopilot_integrations.connectors.edi.api.common import BASE
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.web.panels import (
    DashboardPanel,
    PanelAction,
    PanelContext,
    PanelTable,
    PanelView,
)

#: Messages shown per box (the management API pages through all of them).
SHOWN = 25
WINDOW = timedelta(days=7)


async def load(context: PanelContext) -> PanelView:
    kernel, org_id = context.kernel, context.org_id
    since = kernel.clock.now() - WINDOW
    async with kernel.session(org_id) as session:
        counts = (
            await session.execute(
                select(EdiMessage.direction, EdiMessage.status, func.count())
                .where(EdiMessage.org_id == org_id, EdiMessage.created_at >= since)
                .group_by(EdiMessage.direction, EdiMessage.status)
            )
        ).all()
        boxes = {}
        for direction in ("inbound", "outbound"):
            boxes[direction] = (
                (
                    await session.execute(
                        select(EdiMessage)
                        .where(EdiMessage.org_id == org_id, EdiMessage.direction == direction)
                        .order_by(EdiMessage.created_at.desc(), EdiMessage.id.desc())
                        .limit(SHOWN)
                    )
                )
                .scalars()
                .all()
            )
    tally = {(d, s): int(n) for d, s, n in counts}
    figures = tuple(
        (f"{label} {status} (7 d)", str(tally.get((direction, status), 0)))
        for direction, label in (("inbound", "Inbox"), ("outbound", "Outbox"))
        for status in ("processed", "error")
    )
    inbox = [
        (
            (
                f"{m.created_at:%Y-%m-%d %H:%M}",
                m.message_type,
                m.partner_id or "-",
                m.status + (f" ({m.outcome})" if m.outcome else ""),
                (m.error_message or "")[:200],
            ),
            _inbox_actions(m),
        )
        for m in boxes["inbound"]
    ]
    outbox = [
        (
            (
                f"{m.created_at:%Y-%m-%d %H:%M}",
                m.message_type,
                m.partner_id or "-",
                m.status,
                (m.error_message or "")[:200],
            ),
            _outbox_actions(m),
        )
        for m in boxes["outbound"]
    ]
    columns = ("Received", "Type", "Partner", "Status", "Error")
    return PanelView(
        figures=figures,
        tables=(
            PanelTable(columns=columns, rows=inbox, caption="Inbox", empty="No inbound messages."),
            PanelTable(
                columns=("Created", *columns[1:]),
                rows=outbox,
                caption="Outbox",
                empty="No outbound messages.",
            ),
        ),
    )


def _inbox_actions(message: EdiMessage) -> tuple[PanelAction, ...]:
    if message.status == "processed":
        return ()
    return (PanelAction("Re-process", "POST", f"{BASE}/process/{message.id}"),)


def _outbox_actions(message: EdiMessage) -> tuple[PanelAction, ...]:
    if message.status != "error" or message.record_id is None:
        return ()
    body = {"message_type": message.message_type, "record_id": str(message.record_id)}
    if message.partner_profile_id is not None:
        body["partner_id"] = str(message.partner_profile_id)
    return (
        PanelAction(
            "Send again",
            "POST",
            f"{BASE}/send",
            body=body,
            confirm=f"Build and send a new {message.message_type} for this record?",
        ),
    )


PANEL = DashboardPanel(
    name="edi",
    title="EDI",
    load=load,
    connector="edi",
    order=20,
    scope="edi:manage",
    description="EDIFACT with trading partners: the inbox and the outbox.",
)
