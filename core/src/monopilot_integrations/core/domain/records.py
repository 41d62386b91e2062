"""MonoPilot's records as the integrations see them, and the inputs that create or change them.

These pydantic models are the port's vocabulary: a :class:`~.port.DomainStore` returns
records and accepts inputs, whatever it stores underneath. Records are frozen (changing a
returned record changes nothing in the database, so it should not look as if it could) and
built ``from_attributes`` so the SQL store can validate its rows directly. Inputs forbid
unknown fields: a misspelled field in an API payload or a mapper's output fails loudly
instead of being dropped.

Money and quantities are :class:`~decimal.Decimal` (never floats: invoice totals must add
up to the grosz). Statuses are ``Literal`` types so they appear as enums in JSON Schema.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

PurchaseOrderStatus = Literal[
    "draft", "sent", "confirmed", "partially_received", "received", "cancelled"
]
SalesOrderStatus = Literal[
    "draft", "confirmed", "pending_review", "in_production", "shipped", "cancelled"
]
SalesOrderSource = Literal["api", "edi", "portal", "manual"]
WorkOrderStatus = Literal["planned", "in_progress", "completed", "cancelled"]
InventoryMoveReason = Literal["receipt", "consumption", "adjustment", "shipment", "production"]
ShipmentStatus = Literal["planned", "dispatched", "delivered"]
InvoiceSyncStatus = Literal["not_synced", "pending", "synced", "error"]
#: A sales invoice, or a correction (faktura korygująca) of one.
InvoiceKind = Literal["invoice", "correction"]
#: The VAT codes that are not a number: exempt, not subject, reverse charge.
VatExemption = Literal["zw", "np", "oo"]

T = TypeVar("T")

#: A natural code (product, supplier, order number): what partners and people use.
Code = Annotated[str, Field(min_length=1, max_length=64)]


class Record(BaseModel):
    """A record read from MonoPilot: immutable, built from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True, frozen=True)


class Input(BaseModel):
    """Data to write into MonoPilot: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")


class Page(BaseModel, Generic[T]):
    """One page of a list plus the total, so a client can page without a second call."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    total: int
    limit: int
    offset: int


# --- organisations and parties -----------------------------------------------------------


class Organization(Record):
    id: uuid.UUID
    code: str
    name: str
    gln: str | None = None
    tax_id: str | None = None
    currency: str
    created_at: datetime


class Party(Record):
    """Fields shared by suppliers and customers (EDI NAD segments, Comarch Kontrahent)."""

    id: uuid.UUID
    org_id: uuid.UUID
    code: str
    name: str
    gln: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    address_line: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


class Supplier(Party):
    pass


class Customer(Party):
    pass


# --- products ----------------------------------------------------------------------------


class Product(Record):
    id: uuid.UUID
    org_id: uuid.UUID
    code: str
    gtin: str | None = None
    name: str
    unit: str
    price: Decimal
    currency: str
    vat_rate: Decimal
    reorder_level: Decimal
    active: bool
    created_at: datetime
    updated_at: datetime


class NewProduct(Input):
    code: Code
    name: str = Field(min_length=1, max_length=255)
    unit: str = Field(min_length=1, max_length=16)
    price: Decimal = Field(ge=0)
    vat_rate: Decimal = Field(ge=0, le=100)
    gtin: str | None = Field(default=None, pattern=r"^\d{8}$|^\d{12,14}$")
    #: ``None``: the organisation's currency.
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    reorder_level: Decimal = Field(default=Decimal(0), ge=0)
    active: bool = True


class ProductUpdate(Input):
    """Only the fields that are set change; ``gtin`` may be set to ``None`` to clear it."""

    code: str | None = Field(default=None, min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=255)
    unit: str | None = Field(default=None, min_length=1, max_length=16)
    price: Decimal | None = Field(default=None, ge=0)
    vat_rate: Decimal | None = Field(default=None, ge=0, le=100)
    gtin: str | None = Field(default=None, pattern=r"^\d{8}$|^\d{12,14}$")
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    reorder_level: Decimal | None = Field(default=None, ge=0)
    active: bool | None = None

    @model_validator(mode="after")
    def _required_fields_not_cleared(self) -> ProductUpdate:
        cleared = sorted(
            name for name in self.model_fields_set if name != "gtin" and getattr(self, name) is None
        )
        if cleared:
            raise ValueError(f"these fields cannot be cleared: {', '.join(cleared)}")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


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


# --- production and stock ----------------------------------------------------------------


class WorkOrder(Record):
    id: uuid.UUID
    org_id: uuid.UUID
    number: str
    product_id: uuid.UUID
    product_code: str
    product_name: str
    qty_planned: Decimal
    qty_completed: Decimal
    status: WorkOrderStatus
    started_at: datetime | None = None
    completed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class WorkOrderUpdate(Input):
    """``started_at`` and ``completed_at`` are stamped by the store on the status change."""

    status: WorkOrderStatus | None = None
    qty_completed: Decimal | None = Field(default=None, ge=0)


class InventoryLevel(Record):
    id: uuid.UUID
    org_id: uuid.UUID
    product_id: uuid.UUID
    product_code: str
    location: str
    qty: Decimal
    updated_at: datetime


class InventoryMove(Record):
    id: uuid.UUID
    org_id: uuid.UUID
    product_id: uuid.UUID
    location: str
    #: Signed: positive adds stock, negative takes it out.
    qty: Decimal
    reason: InventoryMoveReason
    reference: str | None = None
    created_at: datetime


class NewInventoryMove(Input):
    product_id: uuid.UUID
    location: str = Field(min_length=1, max_length=64)
    qty: Decimal
    reason: InventoryMoveReason
    reference: str | None = Field(default=None, max_length=255)

    @model_validator(mode="after")
    def _not_zero(self) -> NewInventoryMove:
        if self.qty == 0:
            raise ValueError("an inventory move of zero changes nothing")
        return self


class InventoryMoveResult(Record):
    """What a move did: the move, the location's new level, and the product's total stock
    compared with its reorder level (so the caller can publish ``inventory.low``)."""

    move: InventoryMove
    level: InventoryLevel
    product_qty: Decimal
    reorder_level: Decimal
    below_reorder: bool


# --- shipments ---------------------------------------------------------------------------


#: EANCOM PAC 7065 code of a package's type: ISO 1 pallet (80 x 120 cm, the EUR pallet).
DEFAULT_PACKAGE_TYPE = "201"
#: A package type code (EANCOM PAC 7065, an..17: ``201``, ``09``, ``CT``).
PackageType = Annotated[str, Field(pattern=r"^[0-9A-Z]{1,17}$")]


class ShipmentLine(Record):
    id: uuid.UUID
    line_no: int
    product_id: uuid.UUID
    product_code: str
    gtin: str | None = None
    qty: Decimal
    batch: str | None = None
    best_before: date | None = None
    #: The package that carries the line (``None``: not packed).
    package_id: uuid.UUID | None = None
    #: That package's SSCC, for readers that look at lines only.
    sscc: str | None = None


class ShipmentPackage(Record):
    """A package of a shipment (a pallet), stored: its SSCC, type, gross weight and the
    lines it carries. A mixed pallet carries several lines."""

    id: uuid.UUID
    package_no: int
    sscc: str | None = None
    package_type: str = DEFAULT_PACKAGE_TYPE
    #: Kilograms, packaging included.
    gross_weight: Decimal | None = None
    lines: list[ShipmentLine]


class Shipment(Record):
    id: uuid.UUID
    org_id: uuid.UUID
    number: str
    sales_order_id: uuid.UUID | None = None
    sales_order_number: str | None = None
    #: The customer's order number (for DESADV RFF+ON), from the sales order.
    sales_order_reference: str | None = None
    customer_id: uuid.UUID
    customer: Customer
    status: ShipmentStatus
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    dispatched_at: datetime | None = None
    delivered_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    #: Every line, in line order, packed or not.
    lines: list[ShipmentLine]
    #: The packages, in ``package_no`` order, each with its lines.
    packages: list[ShipmentPackage] = []

    @property
    def unpacked_lines(self) -> list[ShipmentLine]:
        """Lines that no package carries."""
        return [line for line in self.lines if line.package_id is None]


class NewShipmentLine(Input):
    """A product on a new shipment (one of its sales order's products, usually)."""

    product_id: uuid.UUID
    qty: Decimal = Field(gt=0)
    batch: str | None = Field(default=None, max_length=64)
    best_before: date | None = None


class NewShipmentPackage(Input):
    """A package (a pallet) and the lines it carries; ``sscc`` is its GS1 SSCC, unique in
    the organisation."""

    sscc: str | None = Field(default=None, pattern=r"^\d{18}$")
    package_type: PackageType = DEFAULT_PACKAGE_TYPE
    gross_weight: Decimal | None = Field(default=None, gt=0)
    lines: list[NewShipmentLine] = Field(min_length=1)


class NewShipment(Input):
    """A planned shipment of a sales order, packed: each package carries one or more
    lines (a mixed pallet); lines are numbered in package order."""

    number: str = Field(min_length=1, max_length=64)
    sales_order_id: uuid.UUID
    carrier: str | None = Field(default=None, max_length=100)
    packages: list[NewShipmentPackage] = Field(min_length=1)


class ReceiptLine(Input):
    """One product on a receiving advice (RECADV): what the customer accepted and refused."""

    product_id: uuid.UUID | None = None
    product_code: str | None = Field(default=None, max_length=64)
    gtin: str | None = Field(default=None, max_length=14)
    qty_accepted: Decimal = Field(ge=0)
    qty_rejected: Decimal = Field(default=Decimal(0), ge=0)
    reason: str | None = Field(default=None, max_length=255)


class ShipmentReceipt(Record):
    id: uuid.UUID
    org_id: uuid.UUID
    shipment_id: uuid.UUID
    sales_order_id: uuid.UUID | None = None
    received_at: datetime
    reference: str | None = None
    lines: list[ReceiptLine]
    created_at: datetime


class NewShipmentReceipt(Input):
    shipment_id: uuid.UUID
    received_at: datetime
    reference: str | None = Field(default=None, max_length=64)
    lines: list[ReceiptLine] = Field(min_length=1)


# --- invoices ----------------------------------------------------------------------------


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
