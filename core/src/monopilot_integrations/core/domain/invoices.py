"""Sales invoices and their corrections (faktury korygujące): records and inputs.

Money is :class:`~decimal.Decimal`: the totals must add up to the grosz.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from monopilot_integrations.core.domain.base import Code, Input, Record
from monopilot_integrations.core.domain.parties import Customer

InvoiceSyncStatus = Literal["not_synced", "pending", "synced", "error"]
#: A sales invoice, or a correction (faktura korygująca) of one.
InvoiceKind = Literal["invoice", "correction"]
#: The VAT codes that are not a number: exempt, not subject, reverse charge.
VatExemption = Literal["zw", "np", "oo"]


class InvoiceLine(Record):
    id: uuid.UUID
    line_no: int
    #: ``None`` for a line that is not a product (transport, a discount).
    product_id: uuid.UUID | None = None
    product_code: str | None = None
    gtin: str | None = None
    description: str
    qty: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    #: ``zw`` / ``np`` / ``oo`` when the line carries no VAT for that reason (rate 0).
    vat_exemption: VatExemption | None = None
    net_amount: Decimal
    vat_amount: Decimal


class Invoice(Record):
    id: uuid.UUID
    org_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    customer: Customer
    sales_order_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None
    issue_date: date
    due_date: date | None = None
    currency: str
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    sync_status: InvoiceSyncStatus
    sync_error: str | None = None
    #: The id the accounting system (Comarch Optima) gave the document.
    external_id: str | None = None
    synced_at: datetime | None = None
    #: ``correction``: a faktura korygująca; its lines are the differences it makes.
    kind: InvoiceKind = "invoice"
    #: The invoice a correction corrects (its number is ``corrects_number``).
    corrects_invoice_id: uuid.UUID | None = None
    corrects_number: str | None = None
    correction_reason: str | None = None
    sale_date: date | None = None
    created_at: datetime
    updated_at: datetime
    lines: list[InvoiceLine]


class NewInvoiceLine(Input):
    """A line to invoice. Net and VAT amounts are computed by the store (see
    :mod:`~monopilot_integrations.core.domain.money`); a correction's line may be negative
    (the difference it makes)."""

    product_id: uuid.UUID | None = None
    description: str = Field(min_length=1, max_length=255)
    qty: Decimal = Field(max_digits=14, decimal_places=4)
    unit: str = Field(default="pcs", min_length=1, max_length=16)
    unit_price: Decimal = Field(ge=0, max_digits=14, decimal_places=4)
    vat_rate: Decimal = Field(ge=0, le=100)
    vat_exemption: VatExemption | None = None

    @model_validator(mode="after")
    def _exempt_means_zero(self) -> NewInvoiceLine:
        if self.vat_exemption is not None and self.vat_rate != 0:
            raise ValueError(f"a line marked {self.vat_exemption!r} carries VAT rate 0")
        if abs(self.qty * self.unit_price) >= 10**10:
            # Amounts are stored with 14 integer digits; 1,000 such lines still fit.
            raise ValueError("a line's value must stay below 10,000,000,000")
        return self


class NewInvoice(Input):
    """An invoice (or a correction of one) with its lines, ready to store."""

    number: Code
    customer_id: uuid.UUID
    sales_order_id: uuid.UUID | None = None
    shipment_id: uuid.UUID | None = None
    issue_date: date
    sale_date: date | None = None
    due_date: date | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    kind: InvoiceKind = "invoice"
    corrects_invoice_id: uuid.UUID | None = None
    correction_reason: str | None = Field(default=None, max_length=255)
    lines: list[NewInvoiceLine] = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _correction_names_its_invoice(self) -> NewInvoice:
        if (self.kind == "correction") != (self.corrects_invoice_id is not None):
            raise ValueError("a correction, and only a correction, names corrects_invoice_id")
        if self.kind == "invoice" and any(line.qty <= 0 for line in self.lines):
            raise ValueError("an invoice's quantities are positive (corrections may be negative)")
        return self
