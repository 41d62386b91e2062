"""The event types the EDI connector publishes, with their JSON Schemas.

Admins subscribe webhooks to them to be told when something needs a person:
``edi.message.failed`` (a message could not be read or used) and
``edi.order.pending_review`` (an order was taken in but has to be checked).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from monopilot_integrations.core.plugins.registration import EventType, Scope

SCOPE = Scope("edi:manage", "EDI: configuration, trading partners, inbox, outbox and sending")

_ID = {"type": "string", "format": "uuid"}
_ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "segment_number": {"type": ["integer", "null"]},
        "tag": {"type": ["string", "null"]},
        "expected": {"type": ["string", "null"]},
    },
    "additionalProperties": True,
}


def _object(required: dict[str, Any], optional: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **optional},
        "additionalProperties": True,
    }


MESSAGE_FAILED = EventType(
    "edi.message.failed",
    _object(
        {
            "message_id": _ID,
            "direction": {"enum": ["inbound", "outbound"]},
            "message_type": {"type": "string"},
            "error": {"type": "string", "minLength": 1},
            "errors": {"type": "array", "items": _ERROR},
        },
        {
            "partner_id": {"type": ["string", "null"]},
            "reference_id": {"type": ["string", "null"]},
            "file_name": {"type": ["string", "null"]},
        },
    ),
    "An EDI message could not be read, validated or used; it is stored with status error.",
    {
        "message_id": "0190f5a2-7c4e-7d3a-9b1e-2f4a6c8e0a11",
        "direction": "inbound",
        "message_type": "ORDERS",
        "error": "segment 14 (QTY): expected LIN or UNS, found QTY",
        "errors": [
            {
                "code": "STRUCTURE",
                "message": "segment 14 (QTY): expected LIN or UNS, found QTY",
                "segment_number": 14,
                "tag": "QTY",
            }
        ],
        "partner_id": "5901234000048",
        "file_name": "orders-0457.edi",
    },
)

ORDER_PENDING_REVIEW = EventType(
    "edi.order.pending_review",
    _object(
        {
            "message_id": _ID,
            "sales_order_id": _ID,
            "number": {"type": "string", "minLength": 1},
            "errors": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        },
        {
            "external_reference": {"type": ["string", "null"]},
            "partner_id": {"type": ["string", "null"]},
            "customer_code": {"type": ["string", "null"]},
        },
    ),
    "An EDI order was taken in as a pending_review sales order; every problem is listed.",
    {
        "message_id": "0190f5a2-7c4e-7d3a-9b1e-2f4a6c8e0a11",
        "sales_order_id": "9c1d3e5f-7a9b-4c2d-8e0f-1a3b5c7d9e0f",
        "number": "SO-2026-00003",
        "external_reference": "ORZ/2026/03/0457",
        "partner_id": "5901234000048",
        "errors": ["line 2: no product with GTIN 5901234999994"],
    },
)

RECEIPT_RECORDED = EventType(
    "edi.receipt.recorded",
    _object(
        {
            "message_id": _ID,
            "receipt_id": _ID,
            "shipment_id": _ID,
        },
        {
            "shipment_number": {"type": ["string", "null"]},
            "reference": {"type": ["string", "null"]},
            "rejected_lines": {"type": "integer", "minimum": 0},
        },
    ),
    "A customer's receiving advice (RECADV) was recorded against a shipment.",
    {
        "message_id": "0190f5a2-7c4e-7d3a-9b1e-2f4a6c8e0a11",
        "receipt_id": "0190f5a2-7c4e-7d3a-9b1e-2f4a6c8e0a12",
        "shipment_id": "5f0d2a55-1c7e-4a4b-8d55-3c1b2e9a7f01",
        "shipment_number": "WZ-2026-0001",
        "reference": "REC-2026-03-0091",
        "rejected_lines": 1,
    },
)

#: Registered as owned by this connector: they report what it saw, so the API refuses to
#: publish them (a forged edi.message.failed would page people for nothing).
EVENT_TYPES = tuple(
    replace(event_type, owner="edi")
    for event_type in (MESSAGE_FAILED, ORDER_PENDING_REVIEW, RECEIPT_RECORDED)
)
