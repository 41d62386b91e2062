"""Purchase orders (``/api/planning/purchase-orders``) and sales orders (``/api/sales/orders``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from pydantic import Field, model_validator

from monopilot_integrations.core.domain.orders import (
    PurchaseOrderStatus,
    SalesOrderSource,
    SalesOrderStatus,
)
from monopilot_integrations.server.api.models.common import (
    Amount,
    Code,
    Currency,
    DecimalIn,
    ListResponse,
    Pagination,
    RequestModel,
    ResponseModel,
    Timestamp,
)

# --- purchase orders ---------------------------------------------------------------------


class PurchaseOrderQuery(Pagination):
    supplier: Code | None = Field(default=None, description="Supplier code")
    supplier_id: uuid.UUID | None = None
    status: PurchaseOrderStatus | None = None


class PurchaseOrderLineIn(RequestModel):
    product_code: Code
    qty: DecimalIn = Field(gt=0)
    unit_price: DecimalIn = Field(ge=0)
    line_no: int | None = Field(default=None, ge=1, description="Default: position from 1")


class PurchaseOrderCreate(RequestModel):
    number: Code
    supplier_code: Code
    order_date: date | None = Field(default=None, description="Default: today (UTC)")
    expected_delivery_date: date | None = None
    status: Literal["draft", "sent"] = "draft"
    currency: Currency | None = Field(default=None, description="Default: the organisation's")
    notes: str | None = Field(default=None, max_length=4000)
    lines: list[PurchaseOrderLineIn] = Field(min_length=1, max_length=500)


class PurchaseOrderUpdate(RequestModel):
    """Only the fields sent change. ``status`` cannot be ``null``; the dates and ``notes``
    can (to clear them)."""

    status: PurchaseOrderStatus | None = None
    expected_delivery_date: date | None = None
    confirmed_delivery_date: date | None = None
    notes: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _status_not_cleared(self) -> PurchaseOrderUpdate:
        if "status" in self.model_fields_set and self.status is None:
            raise ValueError("status cannot be null")
        return self

    def sent(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class PurchaseOrderLineOut(ResponseModel):
    id: uuid.UUID
    line_no: int
    product_id: uuid.UUID
    product_code: str
    product_name: str
    gtin: str | None = None
    qty: Amount
    unit_price: Amount
    qty_confirmed: Amount | None = None
    qty_received: Amount


class PurchaseOrderOut(ResponseModel):
    id: uuid.UUID
    number: str
    supplier_id: uuid.UUID
    supplier_code: str
    status: PurchaseOrderStatus
    order_date: date
    expected_delivery_date: date | None = None
    confirmed_delivery_date: date | None = None
    currency: str
    notes: str | None = None
    created_at: Timestamp
    updated_at: Timestamp
    lines: list[PurchaseOrderLineOut]


class PurchaseOrderList(ListResponse):
    items: list[PurchaseOrderOut]


# --- sales orders ------------------------------------------------------------------------


class SalesOrderQuery(Pagination):
    customer: Code | None = Field(default=None, description="Customer code")
    customer_id: uuid.UUID | None = None
    status: SalesOrderStatus | None = None
    source: SalesOrderSource | None = None


class SalesOrderLineOut(ResponseModel):
    id: uuid.UUID
    line_no: int
    product_id: uuid.UUID | None = Field(
        default=None, description="null: the partner's code matched no product"
    )
    product_code: str | None = None
    gtin: str | None = None
    description: str | None = None
    qty: Amount
    unit_price: Amount | None = None


class SalesOrderOut(ResponseModel):
    id: uuid.UUID
    number: str
    customer_id: uuid.UUID | None = None
    customer_code: str | None = None
    status: SalesOrderStatus
    order_date: date
    requested_delivery_date: date | None = None
    currency: str
    source: SalesOrderSource
    external_reference: str | None = Field(
        default=None, description="The customer's own order number"
    )
    delivery_party_gln: str | None = None
    review_errors: list[str]
    created_at: Timestamp
    updated_at: Timestamp
    lines: list[SalesOrderLineOut]


class SalesOrderList(ListResponse):
    items: list[SalesOrderOut]
