"""Records of the domain store as the portal shows them (API and pages alike)."""

from __future__ import annotations

from datetime import date

from monopilot_integrations.connectors.portals.api.models import (
    PurchaseOrderOut,
    SalesOrderOut,
    ShipmentLineOut,
    ShipmentSummary,
    ShipmentTracking,
    TrackingEvent,
)
from monopilot_integrations.core.domain.orders import PurchaseOrder, SalesOrder
from monopilot_integrations.core.domain.shipments import Shipment


def purchase_order(order: PurchaseOrder) -> PurchaseOrderOut:
    return PurchaseOrderOut.model_validate(order)


def sales_order(order: SalesOrder, shipments: list[Shipment] | None = None) -> SalesOrderOut:
    out = SalesOrderOut.model_validate(order)
    out.shipments = [
        ShipmentSummary(
            id=s.id,
            number=s.number,
            status=s.status,
            carrier=s.carrier,
            tracking_number=s.tracking_number,
        )
        for s in shipments or []
    ]
    return out


def tracking(shipment: Shipment, requested: date | None = None) -> ShipmentTracking:
    """A shipment's tracking: its status history is what the shipment records (planned
    when created, dispatched, delivered), oldest first."""
    history = [TrackingEvent(status="planned", at=shipment.created_at, description="Planned")]
    if shipment.dispatched_at is not None:
        carrier = f" with {shipment.carrier}" if shipment.carrier else ""
        history.append(
            TrackingEvent(
                status="dispatched",
                at=shipment.dispatched_at,
                description=f"Left the warehouse{carrier}",
            )
        )
    if shipment.delivered_at is not None:
        history.append(
            TrackingEvent(status="delivered", at=shipment.delivered_at, description="Delivered")
        )
    return ShipmentTracking(
        id=shipment.id,
        number=shipment.number,
        status=shipment.status,
        sales_order_id=shipment.sales_order_id,
        sales_order_number=shipment.sales_order_number,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        tracking_url=shipment.tracking_url,
        expected_delivery=None if shipment.status == "delivered" else requested,
        dispatched_at=shipment.dispatched_at,
        delivered_at=shipment.delivered_at,
        history=history,
        lines=[
            ShipmentLineOut(
                line_no=line.line_no,
                product_code=line.product_code,
                qty=line.qty,
                batch=line.batch,
                best_before=line.best_before,
                sscc=line.sscc,
            )
            for line in shipment.lines
        ],
    )
