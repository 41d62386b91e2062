"""Shipments to customers, packed in packages (pallets with an SSCC), and the receiving
advice (RECADV) a customer sends back.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from monopilot_integrations.core.domain.base import Input, Record
from monopilot_integrations.core.domain.parties import Customer

ShipmentStatus = Literal["planned", "dispatched", "delivered"]

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
