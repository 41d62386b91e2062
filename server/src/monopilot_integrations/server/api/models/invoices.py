"""Invoices: ``/api/sales/invoices`` (an invoice id is what ``POST /edi/send`` takes)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from monopilot_integrations.core.domain.records import InvoiceSyncStatus
from monopilot_integrations.server.api.models.common import (
    Amount,
    Code,
    ListResponse,
    Pagination,
    ResponseModel,
    Timestamp,
)
from monopilot_integrations.server.api.models.shipping import CustomerRef


class InvoiceQuery(Pagination):
    customer: Code | None = Field(default=None, description="Customer code")
    customer_id: uuid.UUID | None = None
    sync_status: InvoiceSyncStatus | None = None


class InvoiceLineOut(ResponseModel):
    id: uuid.UUID
    line_no: int
    product_id: uuid.UUID | None = None
    product_code: str | None = None
    gtin: str | None = None
    description: str
    qty: Amount
    unit: str
    unit_price: Amount
    vat_rate: Amount
    net_amount: Amount
    vat_amount: Amount


class InvoiceOut(ResponseModel):
    id: uuid.UUID
    number: str
    customer: CustomerRef
    sales_order_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None
    issue_date: date
    due_date: date | None = None
    currency: str
    net_total: Amount
    vat_total: Amount
    gross_total: Amount
    sync_status: InvoiceSyncStatus
    external_id: str | None = None
    created_at: Timestamp
    updated_at: Timestamp
    lines: list[InvoiceLineOut]


class InvoiceList(ListResponse):
    items: list[InvoiceOut]
