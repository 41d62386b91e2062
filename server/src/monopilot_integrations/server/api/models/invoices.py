"""Invoices: ``/api/sales/invoices`` (an invoice id is what ``POST /edi/send`` takes)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import Field, model_validator

from monopilot_integrations.core.domain.invoices import (
    InvoiceKind,
    InvoiceSyncStatus,
    VatExemption,
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
    vat_exemption: VatExemption | None = None
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
    sync_error: str | None = None
    external_id: str | None = None
    synced_at: Timestamp | None = None
    kind: InvoiceKind = "invoice"
    corrects_invoice_id: uuid.UUID | None = None
    corrects_number: str | None = None
    correction_reason: str | None = None
    sale_date: date | None = None
    created_at: Timestamp
    updated_at: Timestamp
    lines: list[InvoiceLineOut]


class InvoiceList(ListResponse):
    items: list[InvoiceOut]


#: A VAT rate as printed on a Polish invoice: a number, or ``zw`` / ``np`` / ``oo``.
VatRateIn = Annotated[
    str, Field(pattern=r"^(\d{1,2}(\.\d{1,2})?|zw|np|oo)$", examples=["23", "8", "zw"])
]


class InvoiceLineIn(RequestModel):
    """An explicit line; ``product_code`` fills the description, unit, price and VAT rate
    it leaves out."""

    product_code: Code | None = None
    description: str | None = Field(default=None, min_length=1, max_length=255)
    qty: DecimalIn
    unit: str | None = Field(default=None, min_length=1, max_length=16)
    unit_price: DecimalIn | None = Field(default=None, ge=0)
    vat_rate: VatRateIn | None = None


class InvoiceCreate(RequestModel):
    """An invoice from a sales order, from a shipment (what was shipped), or with explicit
    lines (exactly one of the three); a correction names the invoice it corrects and
    carries the differences as lines."""

    number: Code
    kind: InvoiceKind = "invoice"
    customer_code: Code | None = None
    sales_order_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None
    lines: list[InvoiceLineIn] | None = Field(default=None, min_length=1, max_length=1000)
    issue_date: date | None = None
    sale_date: date | None = None
    due_date: date | None = None
    payment_days: int | None = Field(default=None, ge=0, le=365)
    currency: Currency | None = None
    corrects_invoice_id: uuid.UUID | None = None
    corrects_number: Code | None = None
    correction_reason: str | None = Field(default=None, min_length=1, max_length=255)

    @model_validator(mode="after")
    def _one_source(self) -> InvoiceCreate:
        sources = [s for s in (self.sales_order_id, self.shipment_id, self.lines) if s]
        if len(sources) != 1:
            raise ValueError("give exactly one of sales_order_id, shipment_id and lines")
        names_original = self.corrects_invoice_id is not None or self.corrects_number is not None
        if (self.kind == "correction") != names_original:
            raise ValueError(
                "a correction names the corrected invoice (corrects_invoice_id or "
                "corrects_number); an invoice does not"
            )
        if self.kind == "correction" and self.lines is None:
            raise ValueError("a correction carries explicit lines (the differences it makes)")
        if self.due_date is not None and self.payment_days is not None:
            raise ValueError("give due_date or payment_days, not both")
        return self
