"""The built-in catalogue: the architecture document's scopes and domain event types.

Schemas require what a consumer needs to act on the event and allow extra properties, so
MonoPilot can add fields without breaking subscribers (a new required field is a new
event version, not an edit here).
"""

from __future__ import annotations

from typing import Any

from monopilot_integrations.core.plugins.registration import EventType, Scope

SCOPES: tuple[Scope, ...] = (
    Scope("read:products", "Read products (GET /api/technical/products)"),
    Scope("write:products", "Create, update and delete products"),
    Scope("read:orders", "Read purchase and sales orders"),
    Scope("write:orders", "Create and update orders"),
    Scope("read:inventory", "Read inventory levels (GET /api/warehouse/inventory)"),
    Scope("write:inventory", "Record inventory moves (POST /api/warehouse/moves)"),
    Scope("read:production", "Read work orders (GET /api/production/work-orders)"),
    Scope("write:production", "Record consumption (POST /api/production/consumption)"),
    Scope("read:shipping", "Read shipments (GET /api/shipping/shipments)"),
    Scope("webhook:manage", "Create, change and delete webhooks"),
    Scope("integrations:admin", "The management API: keys, logs, retries, configuration"),
    Scope("events:publish", "Publish domain events (POST /api/integrations/events)"),
)

_ID = {"type": "string", "format": "uuid"}
_TS = {"type": "string", "format": "date-time"}
_DATE = {"type": "string", "format": "date"}
_QTY = {"type": "number"}
_TEXT = {"type": "string", "minLength": 1}
#: Money travels as a plain-notation decimal string, as in the REST API ("2.1", "0.6"):
#: a string keeps the exact stored value whatever the receiver's JSON parser does.
_MONEY = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "examples": ["2.1"]}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **(optional or {})},
        "additionalProperties": True,
    }


_LINE = _object(
    {"product_code": _TEXT, "qty": _QTY},
    {"line_no": {"type": "integer"}, "unit_price": _MONEY, "product_name": {"type": "string"}},
)
_PO = {
    "po_id": _ID,
    "po_number": _TEXT,
    "supplier_code": _TEXT,
    "status": _TEXT,
}
_PO_LINE = _object(
    {"product_code": _TEXT, "qty": _QTY},
    {
        "line_no": {"type": "integer"},
        "unit_price": _MONEY,
        "product_name": {"type": "string"},
        "qty_confirmed": {"type": ["number", "null"]},
    },
)
_PO_OPTIONAL = {
    "supplier_name": {"type": "string"},
    "order_date": _DATE,
    "expected_delivery_date": {"type": ["string", "null"], "format": "date"},
    "confirmed_delivery_date": {"type": ["string", "null"], "format": "date"},
    "currency": {"type": "string"},
    "lines": {"type": "array", "items": _PO_LINE},
}
#: ``order.updated``'s own fields (built by ``core.domain.payloads.order_updated``).
_PO_UPDATE_OPTIONAL = {
    "source": {"type": "string"},
    "confirmation": _object(
        {},
        {
            "note": {"type": ["string", "null"]},
            "confirmed_by": {"type": "object"},
        },
    ),
}

_INVOICE = {
    "invoice_id": _ID,
    "number": _TEXT,
    "kind": {"enum": ["invoice", "correction"]},
    "customer_code": _TEXT,
    "issue_date": _DATE,
    "currency": _TEXT,
    "net_total": _MONEY,
    "vat_total": _MONEY,
    "gross_total": _MONEY,
}
_INVOICE_OPTIONAL = {
    "customer_name": {"type": "string"},
    "customer_tax_id": {"type": ["string", "null"]},
    "sales_order_id": {"type": ["string", "null"], "format": "uuid"},
    "shipment_id": {"type": ["string", "null"], "format": "uuid"},
    "corrects_invoice_id": {"type": ["string", "null"], "format": "uuid"},
    "corrects_number": {"type": ["string", "null"]},
    "sale_date": {"type": ["string", "null"], "format": "date"},
    "due_date": {"type": ["string", "null"], "format": "date"},
    "sync_status": {"type": "string"},
    "external_id": {"type": ["string", "null"]},
    "lines": {
        "type": "array",
        "items": _object(
            {"line_no": {"type": "integer"}, "description": _TEXT, "qty": _QTY},
            {
                "product_code": {"type": ["string", "null"]},
                "unit": {"type": "string"},
                "unit_price": _MONEY,
                "vat_rate": {"type": "string"},
                "net_amount": _MONEY,
                "vat_amount": _MONEY,
            },
        ),
    },
}
_INVOICE_EXAMPLE = {
    "invoice_id": "2b4d6f80-1a3c-4e5f-9a7b-c9d1e3f5a7b9",
    "number": "FV/2026/03/0012",
    "kind": "invoice",
    "customer_code": "BIEDRA",
    "customer_name": "Jeronimo Martins Polska S.A.",
    "customer_tax_id": "7791011327",
    "issue_date": "2026-03-03",
    "currency": "PLN",
    "net_total": "1200",
    "vat_total": "96",
    "gross_total": "1296",
    "sync_status": "not_synced",
    "lines": [
        {
            "line_no": 1,
            "product_code": "CHLEB-500",
            "description": "Bread Loaf White 500g",
            "qty": 400,
            "unit": "pcs",
            "unit_price": "3",
            "vat_rate": "8",
            "net_amount": "1200",
            "vat_amount": "96",
        }
    ],
}

EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        "order.created",
        _object(_PO, _PO_OPTIONAL),
        "A purchase order was created.",
        {
            "po_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40",
            "po_number": "PO-2026-0042",
            "supplier_code": "MLYN",
            "status": "draft",
            "order_date": "2026-03-02",
            "lines": [{"line_no": 1, "product_code": "MAKA-550", "qty": 500, "unit_price": "2.1"}],
        },
    ),
    EventType(
        "order.updated",
        _object({**_PO, "changes": {"type": "object"}}, {**_PO_OPTIONAL, **_PO_UPDATE_OPTIONAL}),
        "A purchase order's status or content changed; ``changes`` maps each field to "
        "``{old, new}`` (a line's confirmed quantity: ``lines.qty_confirmed``, a list of "
        "``{line_no, old, new}``); ``source`` says who changed it (``api``, "
        "``supplier_portal``), and a supplier's ``confirmation`` carries its note and who.",
        {
            "po_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40",
            "po_number": "PO-2026-0042",
            "supplier_code": "MLYN",
            "status": "sent",
            "changes": {"status": {"old": "draft", "new": "sent"}},
        },
    ),
    EventType(
        "workorder.started",
        _object(
            {"wo_id": _ID, "wo_number": _TEXT, "product_code": _TEXT, "qty_planned": _QTY},
            {"product_name": {"type": "string"}, "started_at": _TS},
        ),
        "Production of a work order started.",
        {
            "wo_id": "0b7e1f0c-7a0e-4c51-9d3c-6a8b9e2f1d11",
            "wo_number": "WO-2026-001",
            "product_code": "CHLEB-500",
            "product_name": "Bread Loaf White 500g",
            "qty_planned": 1000,
            "started_at": "2026-03-02T06:00:00Z",
        },
    ),
    EventType(
        "workorder.completed",
        _object(
            {"wo_number": _TEXT, "qty_completed": _QTY},
            {
                "wo_id": _ID,
                "product_code": {"type": "string"},
                "product_name": {"type": "string"},
                "completed_at": _TS,
            },
        ),
        "A work order finished; carries the output quantity.",
        {
            "wo_number": "WO-2025-001",
            "product_name": "Bread Loaf White 500g",
            "qty_completed": 1000,
            "completed_at": "2025-12-10T14:30:00Z",
        },
    ),
    EventType(
        "shipment.dispatched",
        _object(
            {"shipment_id": _ID, "shipment_number": _TEXT, "customer_code": _TEXT},
            {
                "sales_order_number": {"type": ["string", "null"]},
                "carrier": {"type": ["string", "null"]},
                "tracking_number": {"type": ["string", "null"]},
                "tracking_url": {"type": ["string", "null"]},
                "dispatched_at": _TS,
                "lines": {"type": "array", "items": _LINE},
            },
        ),
        "A shipment left the warehouse; carries tracking.",
        {
            "shipment_id": "5f0d2a55-1c7e-4a4b-8d55-3c1b2e9a7f01",
            "shipment_number": "SH-2026-0007",
            "customer_code": "BIEDRA",
            "carrier": "DPD",
            "tracking_number": "0000123456789",
            "dispatched_at": "2026-03-03T05:45:00Z",
        },
    ),
    EventType(
        "inventory.low",
        _object(
            {"product_code": _TEXT, "qty": _QTY, "reorder_level": _QTY},
            {"product_name": {"type": "string"}, "location": {"type": "string"}},
        ),
        "Stock of a product fell below its reorder level.",
        {
            "product_code": "MAKA-550",
            "product_name": "Wheat flour 550",
            "qty": 80,
            "reorder_level": 200,
            "location": "MAIN",
        },
    ),
    EventType(
        "product.created",
        _object(
            {"product_id": _ID, "code": _TEXT, "name": _TEXT},
            {
                "gtin": {"type": ["string", "null"]},
                "unit": {"type": "string"},
                "price": {"anyOf": [_MONEY, {"type": "null"}]},
            },
        ),
        "A product was added.",
        {
            "product_id": "3a5e7c9b-2d4f-4e6a-8b1c-0d2e4f6a8b1c",
            "code": "BULKA-80",
            "name": "Kaiser roll 80g",
            "gtin": "5901234123457",
            "unit": "pcs",
            "price": "0.6",
        },
    ),
    EventType(
        "sales_order.created",
        _object(
            {"sales_order_id": _ID, "number": _TEXT, "status": _TEXT},
            {
                "customer_code": {"type": ["string", "null"]},
                "source": {"type": "string"},
                "external_reference": {"type": ["string", "null"]},
                "lines": {"type": "array", "items": _LINE},
            },
        ),
        "A sales order was created (by the API, EDI or a portal).",
        {
            "sales_order_id": "9c1d3e5f-7a9b-4c2d-8e0f-1a3b5c7d9e0f",
            "number": "SO-2026-0100",
            "status": "confirmed",
            "customer_code": "BIEDRA",
            "source": "edi",
        },
    ),
    EventType(
        "invoice.created",
        _object(_INVOICE, _INVOICE_OPTIONAL),
        "A sales invoice, or a correction of one (``kind``: ``correction``, naming "
        "``corrects_number``), was issued. Accounting and EDI connectors send it on.",
        _INVOICE_EXAMPLE,
    ),
    EventType(
        "invoice.updated",
        _object({**_INVOICE, "changes": {"type": "object"}}, _INVOICE_OPTIONAL),
        "An invoice's accounting sync status changed; ``changes`` maps each field to "
        "``{old, new}``.",
        {
            **_INVOICE_EXAMPLE,
            "sync_status": "synced",
            "external_id": "FS 12/2026",
            "changes": {"sync_status": {"old": "pending", "new": "synced"}},
        },
    ),
)
