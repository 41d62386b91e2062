"""Purchase orders (MonoPilot buys from a supplier) and sales orders (a customer buys
from MonoPilot, by the API, EDI or a portal): records, statuses and inputs.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from monopilot_integrations.core.domain.base import Code, Input, Record

PurchaseOrderStatus = Literal[
    "draft", "sent", "confirmed", "partially_received", "received", "cancelled"
]
SalesOrderStatus = Literal[
    "draft", "confirmed", "pending_review", "in_production", "shipped", "cancelled"
]
SalesOrderSource = Literal["api", "edi", "portal", "manual"]


# --- purchase orders ---------------------------------------------------------------------


class PurchaseOrderLine(Record):
    id: uuid.UUID
    line_no: int
    product_id: uuid.UUID
    product_code: str
    product_name: str
    gtin: str | None = None
    qty: Decimal
    unit_price: Decimal
    #: What the supplier confirmed it will deliver (``None``: not confirmed per line).
    qty_confirmed: Decimal | None = None
    qty_received: Decimal


class PurchaseOrder(Record):
    id: uuid.UUID
    org_id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    status: PurchaseOrderStatus
    order_date: date
    expected_delivery_date: date | None = None
    confirmed_delivery_date: date | None = None
    currency: str
    notes: str | None = None
    created_at: datetime
    updated_at: datetime
    lines: list[PurchaseOrderLine]


class NewPurchaseOrderLine(Input):
    product_id: uuid.UUID
    qty: Decimal = Field(gt=0)
    unit_price: Decimal = Field(ge=0)
    #: ``None``: position in the list, starting at 1.
    line_no: int | None = Field(default=None, ge=1)


class NewPurchaseOrder(Input):
    number: Code
    supplier_id: uuid.UUID
    order_date: date
    expected_delivery_date: date | None = None
    status: Literal["draft", "sent"] = "draft"
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    notes: str | None = None
    lines: list[NewPurchaseOrderLine] = Field(min_length=1)


class PurchaseOrderUpdate(Input):
    """Only the fields that are set change."""

    status: PurchaseOrderStatus | None = None
    expected_delivery_date: date | None = None
    confirmed_delivery_date: date | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _status_not_cleared(self) -> PurchaseOrderUpdate:
        if "status" in self.model_fields_set and self.status is None:
            raise ValueError("status cannot be cleared")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


# --- sales orders ------------------------------------------------------------------------


class SalesOrderLine(Record):
    """A line as ordered: ``product_id`` is ``None`` when the partner's code matched no
    product (the order is then ``pending_review``); the partner's code, GTIN and text are
    kept as received either way."""

    id: uuid.UUID
    line_no: int
    product_id: uuid.UUID | None = None
    product_code: str | None = None
    gtin: str | None = None
    description: str | None = None
    qty: Decimal
    unit_price: Decimal | None = None


class SalesOrder(Record):
    id: uuid.UUID
    org_id: uuid.UUID
    number: str
    customer_id: uuid.UUID | None = None
    status: SalesOrderStatus
    order_date: date
    requested_delivery_date: date | None = None
    currency: str
    source: SalesOrderSource
    #: The customer's own order number (EDIFACT BGM), used to detect duplicates.
    external_reference: str | None = None
    delivery_party_gln: str | None = None
    #: The GLN of the party invoiced (EDIFACT ORDERS NAD+IV), when it is not the buyer.
    invoicee_gln: str | None = None
    review_errors: list[str]
    created_at: datetime
    updated_at: datetime
    lines: list[SalesOrderLine]


class NewSalesOrderLine(Input):
    product_id: uuid.UUID | None = None
    product_code: str | None = Field(default=None, max_length=64)
    gtin: str | None = Field(default=None, max_length=14)
    description: str | None = Field(default=None, max_length=255)
    qty: Decimal = Field(gt=0)
    unit_price: Decimal | None = Field(default=None, ge=0)
    line_no: int | None = Field(default=None, ge=1)


class NewSalesOrder(Input):
    """A sales order as an integration creates it: either ``confirmed`` (everything
    resolved) or ``pending_review`` with the reasons a person has to look at it."""

    #: ``None``: the store numbers it (``SO-<year>-<n>``).
    number: str | None = Field(default=None, min_length=1, max_length=64)
    customer_id: uuid.UUID | None = None
    status: Literal["confirmed", "pending_review"]
    order_date: date
    requested_delivery_date: date | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    source: SalesOrderSource = "api"
    external_reference: str | None = Field(default=None, max_length=64)
    delivery_party_gln: str | None = Field(default=None, max_length=13)
    invoicee_gln: str | None = Field(default=None, max_length=13)
    review_errors: list[str] = Field(default_factory=list)
    lines: list[NewSalesOrderLine] = Field(min_length=1)

    @model_validator(mode="after")
    def _status_matches_content(self) -> NewSalesOrder:
        if self.status == "pending_review":
            if not self.review_errors:
                raise ValueError("a pending_review order needs review_errors saying why")
            return self
        if self.review_errors:
            raise ValueError("a confirmed order cannot carry review_errors")
        if self.customer_id is None:
            raise ValueError("a confirmed order needs customer_id")
        missing = [str(i + 1) for i, line in enumerate(self.lines) if line.product_id is None]
        if missing:
            raise ValueError(f"a confirmed order needs product_id on every line (lines {missing})")
        return self
