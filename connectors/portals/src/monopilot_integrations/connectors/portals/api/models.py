"""Request and response bodies of the portal API (they feed the OpenAPI document)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from monopilot_integrations.core.domain.orders import PurchaseOrderStatus, SalesOrderStatus


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=25, ge=1, le=100, description="Page size (1..100)")
    offset: int = Field(default=0, ge=0, le=1_000_000)


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=255)
    password: str = Field(min_length=1, max_length=1024)
    totp_code: str | None = Field(
        default=None, max_length=16, description="The authenticator app's code, when 2FA is on"
    )


class WhoAmI(BaseModel):
    portal: Literal["supplier", "customer"]
    user_id: uuid.UUID
    org_id: uuid.UUID
    party_id: uuid.UUID = Field(description="The user's supplier or customer")
    name: str
    email: str
    csrf_token: str = Field(description="Send it as X-CSRF-Token with every POST of this session")
    session_expires_at: datetime


class SignedOut(BaseModel):
    signed_out: bool = True


class SupplierOrderQuery(_Query):
    status: PurchaseOrderStatus | None = None
    ordered_from: date | None = Field(default=None, description="Order date on or after")
    ordered_until: date | None = Field(default=None, description="Order date on or before")


class CustomerOrderQuery(_Query):
    status: SalesOrderStatus | None = None


class PurchaseOrderLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    line_no: int
    product_code: str
    product_name: str
    gtin: str | None = None
    qty: Decimal
    qty_confirmed: Decimal | None = None
    qty_received: Decimal
    unit_price: Decimal


class PurchaseOrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    status: PurchaseOrderStatus
    order_date: date
    expected_delivery_date: date | None = Field(description="The requested delivery date")
    confirmed_delivery_date: date | None
    currency: str
    lines: list[PurchaseOrderLineOut]


class PurchaseOrderPage(BaseModel):
    items: list[PurchaseOrderOut]
    total: int
    limit: int
    offset: int


class SalesOrderLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line_no: int
    product_code: str | None = None
    gtin: str | None = None
    description: str | None = None
    qty: Decimal
    unit_price: Decimal | None = None


class ShipmentSummary(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    carrier: str | None
    tracking_number: str | None


class SalesOrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    status: SalesOrderStatus
    order_date: date
    requested_delivery_date: date | None
    currency: str
    external_reference: str | None = Field(description="Your own order number")
    lines: list[SalesOrderLineOut]
    shipments: list[ShipmentSummary] = Field(default_factory=list)


class SalesOrderPage(BaseModel):
    items: list[SalesOrderOut]
    total: int
    limit: int
    offset: int


class TrackingEvent(BaseModel):
    status: str
    at: datetime
    description: str


class ShipmentLineOut(BaseModel):
    line_no: int
    product_code: str
    qty: Decimal
    batch: str | None = None
    best_before: date | None = None
    sscc: str | None = None


class ShipmentTracking(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    sales_order_id: uuid.UUID | None
    sales_order_number: str | None
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    expected_delivery: date | None = Field(
        description="The order's requested delivery date, until the shipment is delivered"
    )
    dispatched_at: datetime | None
    delivered_at: datetime | None
    history: list[TrackingEvent] = Field(description="Status changes, oldest first")
    lines: list[ShipmentLineOut]
