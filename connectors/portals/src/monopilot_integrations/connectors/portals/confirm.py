"""A supplier's delivery confirmation: checked against the order, recorded, announced.

The supplier states the delivery date, optionally a quantity per line and a note. Refused,
with every problem named by field (``delivery_date``, ``lines[2].qty``, ...):

* an order that is not waiting for the supplier (only ``sent`` and ``confirmed`` orders
  can be confirmed: a draft was never sent, a received or cancelled one is over);
* a date before the order date or before today, or more than a year ahead;
* a line that is not on this order, a line named twice, a negative quantity, more than
  ordered, more than three decimal places.

Accepted, in one transaction: the domain store records the date and quantities (the order
becomes ``confirmed``) and ``order.updated`` goes into the outbox with what changed, the
note and who confirmed; the integration log gets a row. Either both happen or neither.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from monopilot_integrations.connectors.portals.auth import PortalUser
from monopilot_integrations.connectors.portals.reads import party_session, supplier_order
from monopilot_integrations.core.domain.orders import PurchaseOrder
from monopilot_integrations.core.domain.payloads import order_updated
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.logs.writer import LogEntry

CONFIRMABLE = frozenset({"sent", "confirmed"})
MAX_AHEAD = timedelta(days=366)
NOTE_LIMIT = 1000


class LineConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: uuid.UUID = Field(description="The order line's id")
    qty: Decimal = Field(description="The quantity the supplier will deliver")


class DeliveryConfirmation(BaseModel):
    """``POST /api/portal/supplier/orders/{id}/confirm``."""

    model_config = ConfigDict(extra="forbid")

    delivery_date: date = Field(description="The date the supplier will deliver")
    lines: list[LineConfirmation] = Field(
        default_factory=list,
        max_length=1000,
        description="Quantities per line; lines not named keep the ordered quantity",
    )
    note: str | None = Field(default=None, max_length=NOTE_LIMIT)


def problems_with(
    order: PurchaseOrder, confirmation: DeliveryConfirmation, today: date
) -> list[dict[str, str]]:
    """Every reason to refuse ``confirmation`` of ``order`` (empty: acceptable)."""
    problems: list[dict[str, str]] = []
    if order.status not in CONFIRMABLE:
        problems.append(
            {"path": "status", "message": f"a {order.status} order cannot be confirmed"}
        )
    when = confirmation.delivery_date
    if when < order.order_date:
        problems.append(
            {
                "path": "delivery_date",
                "message": f"before the order date ({order.order_date.isoformat()})",
            }
        )
    elif when < today:
        problems.append({"path": "delivery_date", "message": "in the past"})
    if when > today + MAX_AHEAD:
        problems.append({"path": "delivery_date", "message": "more than a year ahead"})
    lines = {line.id: line for line in order.lines}
    seen: set[uuid.UUID] = set()
    for i, item in enumerate(confirmation.lines):
        path = f"lines[{i}]"
        line = lines.get(item.line_id)
        if line is None:
            problems.append({"path": f"{path}.line_id", "message": "not a line of this order"})
            continue
        if item.line_id in seen:
            problems.append({"path": f"{path}.line_id", "message": "named twice"})
        seen.add(item.line_id)
        if not item.qty.is_finite():
            problems.append({"path": f"{path}.qty", "message": "not a number"})
        elif item.qty < 0:
            problems.append({"path": f"{path}.qty", "message": "must not be negative"})
        elif item.qty > line.qty:
            problems.append(
                {"path": f"{path}.qty", "message": f"more than ordered ({_text(line.qty)})"}
            )
        elif -item.qty.as_tuple().exponent > 3:  # type: ignore[operator]
            problems.append({"path": f"{path}.qty", "message": "at most 3 decimal places"})
    if confirmation.note is not None and "\x00" in confirmation.note:
        problems.append({"path": "note", "message": "must not contain NUL characters"})
    return problems


async def confirm_delivery(
    kernel: Kernel, user: PortalUser, order_id: uuid.UUID, confirmation: DeliveryConfirmation
) -> PurchaseOrder:
    """Check, record and announce; raises ``NotFoundError`` (not this supplier's order) or
    ``ValidationError`` listing every problem."""
    today = kernel.clock.now().date()
    async with party_session(kernel, user) as s:
        before = await supplier_order(kernel, user, order_id, s)
        problems = problems_with(before, confirmation, today)
        if problems:
            raise ValidationError(
                "the delivery confirmation was refused: "
                + "; ".join(f"{p['path']}: {p['message']}" for p in problems[:3]),
                errors=problems,
            )
        quantities = {item.line_id: item.qty for item in confirmation.lines}
        after: PurchaseOrder = await kernel.domain.confirm_purchase_order_delivery(
            user.org_id, order_id, confirmation.delivery_date, line_qty=quantities, session=s
        )
        supplier = await kernel.domain.get_supplier(user.org_id, user.party_id, session=s)
        data = order_updated(
            before,
            after,
            supplier,
            source="supplier_portal",
            confirmation={
                "note": confirmation.note,
                "confirmed_by": {"portal_user_id": str(user.user_id), "name": user.name},
            },
        )
        await kernel.publish(user.org_id, "order.updated", data, session=s)
    kernel.runtime().log_writer.add(
        LogEntry(
            org_id=user.org_id,
            integration_type="portal",
            event_type="supplier.delivery_confirmed",
            direction="inbound",
            status="success",
            http_status=200,
            request_body={
                "purchase_order_id": str(order_id),
                "portal_user_id": str(user.user_id),
                **confirmation.model_dump(mode="json"),
            },
            connector="portals",
        )
    )
    return after


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")
