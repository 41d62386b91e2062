"""Event payloads built from domain records, shared by every publisher of the same event
(the public API, the product import, ...), so one event type always has one shape.

Money goes out as a plain-notation decimal string, as in the REST API (no float rounding
on the receiver's side); quantities and rates as JSON numbers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from monopilot_integrations.core.domain.invoices import Invoice
from monopilot_integrations.core.domain.money import vat_label
from monopilot_integrations.core.domain.orders import PurchaseOrder, SalesOrder
from monopilot_integrations.core.domain.parties import Customer, Supplier
from monopilot_integrations.core.domain.production import WorkOrder
from monopilot_integrations.core.domain.products import Product
from monopilot_integrations.core.domain.shipments import Shipment

__all__ = [
    "INVOICE_SYNC_FIELDS",
    "ORDER_FIELDS",
    "field_value",
    "inventory_low",
    "invoice_created",
    "invoice_updated",
    "money",
    "number",
    "order_updated",
    "product_created",
    "purchase_order",
    "sales_order_created",
    "shipment_dispatched",
    "stamp",
    "workorder",
]

#: Fields of a purchase order whose changes ``order.updated`` reports in ``changes``
#: (besides each line's ``qty_confirmed``, under ``lines.qty_confirmed``).
ORDER_FIELDS = ("status", "expected_delivery_date", "confirmed_delivery_date", "notes")
#: Fields of an invoice whose changes ``invoice.updated`` reports (the accounting sync).
INVOICE_SYNC_FIELDS = ("sync_status", "external_id", "sync_error")


def number(value: Decimal) -> int | float:
    """A decimal as a JSON number: an integer when it is one."""
    return int(value) if value == value.to_integral_value() else float(value)


def money(value: Decimal) -> str:
    """An amount of money as in the REST API: a plain-notation decimal string."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def stamp(value: datetime) -> str:
    """A timestamp as in the REST API: UTC, ISO 8601 with ``Z``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def field_value(value: Any) -> Any:
    """A record's field value as JSON (for the ``{old, new}`` pairs of ``changes``):
    decimals as numbers, dates and ids as strings."""
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date | uuid.UUID):
        return str(value)
    return value


def purchase_order(order: PurchaseOrder, supplier: Supplier | None) -> dict[str, Any]:
    """``order.created`` data, and the order part of ``order.updated``.

    ``supplier`` is the order's supplier; without it (MonoPilot's store may not find a
    supplier removed since) the code falls back to the supplier's id and the name is left
    out, as the catalogue's schema wants a string when it is there.
    """
    data: dict[str, Any] = {
        "po_id": str(order.id),
        "po_number": order.number,
        "supplier_code": supplier.code if supplier is not None else str(order.supplier_id),
        "status": order.status,
        "order_date": order.order_date.isoformat(),
        "expected_delivery_date": field_value(order.expected_delivery_date),
        "confirmed_delivery_date": field_value(order.confirmed_delivery_date),
        "currency": order.currency,
        "lines": [
            {
                "line_no": line.line_no,
                "product_code": line.product_code,
                "product_name": line.product_name,
                "qty": number(line.qty),
                "qty_confirmed": field_value(line.qty_confirmed),
                "unit_price": money(line.unit_price),
            }
            for line in order.lines
        ],
    }
    if supplier is not None:
        data["supplier_name"] = supplier.name
    return data


def order_updated(
    before: PurchaseOrder,
    after: PurchaseOrder,
    supplier: Supplier | None,
    *,
    source: str,
    confirmation: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``order.updated`` data: the order as it is now, ``changes`` as ``{field: {old,
    new}}`` for each of :data:`ORDER_FIELDS` that changed (and ``lines.qty_confirmed`` as
    ``[{line_no, old, new}]``), ``source`` (who changed it: ``api``, ``supplier_portal``,
    ...) and, for a supplier's confirmation, ``confirmation`` (note, who).

    Whether an event is worth publishing is the caller's decision: the public API publishes
    only when a field changed, a supplier's confirmation always (a confirmation of the
    same date is news to the buyer too).
    """
    changes: dict[str, Any] = {}
    for field in ORDER_FIELDS:
        old, new = getattr(before, field), getattr(after, field)
        if old != new:
            changes[field] = {"old": field_value(old), "new": field_value(new)}
    old_lines = {line.id: line for line in before.lines}
    line_changes = [
        {
            "line_no": line.line_no,
            "old": field_value(old_lines[line.id].qty_confirmed),
            "new": field_value(line.qty_confirmed),
        }
        for line in after.lines
        if line.id in old_lines and old_lines[line.id].qty_confirmed != line.qty_confirmed
    ]
    if line_changes:
        changes["lines.qty_confirmed"] = line_changes
    data = {**purchase_order(after, supplier), "changes": changes, "source": source}
    if confirmation is not None:
        data["confirmation"] = dict(confirmation)
    return data


def sales_order_created(order: SalesOrder, customer: Customer | None) -> dict[str, Any]:
    """``sales_order.created`` data. ``customer`` is ``None`` for an order held for review
    because its buyer is unknown; a line with no product keeps the partner's code (or
    GTIN) as received."""
    return {
        "sales_order_id": str(order.id),
        "number": order.number,
        "status": order.status,
        "customer_code": customer.code if customer is not None else None,
        "source": order.source,
        "external_reference": order.external_reference,
        "lines": [
            {
                "line_no": line.line_no,
                "product_code": line.product_code or line.gtin or "?",
                "qty": number(line.qty),
                **({"unit_price": money(line.unit_price)} if line.unit_price is not None else {}),
            }
            for line in order.lines
        ],
    }


def product_created(product: Product) -> dict[str, Any]:
    """``product.created`` data."""
    return {
        "product_id": str(product.id),
        "code": product.code,
        "name": product.name,
        "gtin": product.gtin,
        "unit": product.unit,
        "price": money(product.price),
        "currency": product.currency,
        "vat_rate": number(product.vat_rate),
        "reorder_level": number(product.reorder_level),
    }


def invoice_created(invoice: Invoice) -> dict[str, Any]:
    """``invoice.created`` data, and the invoice part of ``invoice.updated``."""
    return {
        "invoice_id": str(invoice.id),
        "number": invoice.number,
        "kind": invoice.kind,
        "customer_code": invoice.customer.code,
        "customer_name": invoice.customer.name,
        "customer_tax_id": invoice.customer.tax_id,
        "sales_order_id": field_value(invoice.sales_order_id),
        "shipment_id": field_value(invoice.shipment_id),
        "corrects_invoice_id": field_value(invoice.corrects_invoice_id),
        "corrects_number": invoice.corrects_number,
        "issue_date": invoice.issue_date.isoformat(),
        "sale_date": field_value(invoice.sale_date),
        "due_date": field_value(invoice.due_date),
        "currency": invoice.currency,
        "net_total": money(invoice.net_total),
        "vat_total": money(invoice.vat_total),
        "gross_total": money(invoice.gross_total),
        "sync_status": invoice.sync_status,
        "external_id": invoice.external_id,
        "lines": [
            {
                "line_no": line.line_no,
                "product_code": line.product_code,
                "description": line.description,
                "qty": number(line.qty),
                "unit": line.unit,
                "unit_price": money(line.unit_price),
                "vat_rate": vat_label(line.vat_rate, line.vat_exemption),
                "net_amount": money(line.net_amount),
                "vat_amount": money(line.vat_amount),
            }
            for line in invoice.lines
        ],
    }


def invoice_updated(before: Invoice, after: Invoice) -> dict[str, Any]:
    """``invoice.updated`` data: the invoice as it is now and ``changes`` as ``{field:
    {old, new}}`` for each of :data:`INVOICE_SYNC_FIELDS` that changed."""
    changes = {
        field: {
            "old": field_value(getattr(before, field)),
            "new": field_value(getattr(after, field)),
        }
        for field in INVOICE_SYNC_FIELDS
        if getattr(before, field) != getattr(after, field)
    }
    return {**invoice_created(after), "changes": changes}


def workorder(wo: WorkOrder) -> dict[str, Any]:
    """``workorder.started`` / ``workorder.completed`` data."""
    data: dict[str, Any] = {
        "wo_id": str(wo.id),
        "wo_number": wo.number,
        "product_code": wo.product_code,
        "product_name": wo.product_name,
        "qty_planned": number(wo.qty_planned),
        "qty_completed": number(wo.qty_completed),
        "status": wo.status,
    }
    if wo.started_at is not None:
        data["started_at"] = stamp(wo.started_at)
    if wo.completed_at is not None:
        data["completed_at"] = stamp(wo.completed_at)
    return data


def shipment_dispatched(shipment: Shipment) -> dict[str, Any]:
    """``shipment.dispatched`` data."""
    data: dict[str, Any] = {
        "shipment_id": str(shipment.id),
        "shipment_number": shipment.number,
        "customer_code": shipment.customer.code,
        "customer_name": shipment.customer.name,
        "sales_order_number": shipment.sales_order_number,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "lines": [
            {
                "line_no": line.line_no,
                "product_code": line.product_code,
                "qty": number(line.qty),
                "batch": line.batch,
                "sscc": line.sscc,
            }
            for line in shipment.lines
        ],
    }
    if shipment.dispatched_at is not None:
        data["dispatched_at"] = stamp(shipment.dispatched_at)
    return data


def inventory_low(
    product: Product, qty: Decimal, reorder_level: Decimal, location: str
) -> dict[str, Any]:
    """``inventory.low`` data: the product's total stock fell below its reorder level."""
    return {
        "product_id": str(product.id),
        "product_code": product.code,
        "product_name": product.name,
        "qty": number(qty),
        "reorder_level": number(reorder_level),
        "unit": product.unit,
        "location": location,
    }
