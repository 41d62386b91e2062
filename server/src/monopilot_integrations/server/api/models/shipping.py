"""Shipments: ``/api/shipping/shipments``."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import AnyHttpUrl, Field

from monopilot_integrations.core.domain.shipments import (
    DEFAULT_PACKAGE_TYPE,
    PackageType,
    ShipmentStatus,
)
from monopilot_integrations.core.web.fields import AwareTimestamp
from monopilot_integrations.server.api.models.common import (
    Amount,
    Code,
    DecimalIn,
    ListResponse,
    Pagination,
    RequestModel,
    ResponseModel,
    Timestamp,
)


class ShipmentQuery(Pagination):
    status: ShipmentStatus | None = None
    customer: Code | None = Field(default=None, description="Customer code")
    customer_id: uuid.UUID | None = None


class CustomerRef(ResponseModel):
    id: uuid.UUID
    code: str
    name: str
    gln: str | None = None


class ShipmentLineOut(ResponseModel):
    id: uuid.UUID
    line_no: int
    product_id: uuid.UUID
    product_code: str
    gtin: str | None = None
    qty: Amount
    batch: str | None = None
    best_before: date | None = None
    package_id: uuid.UUID | None = Field(default=None, description="The package carrying it")
    sscc: str | None = Field(default=None, description="That package's SSCC")


class ShipmentPackageOut(ResponseModel):
    id: uuid.UUID
    package_no: int = Field(description="The package's position in the shipment")
    sscc: str | None = None
    package_type: str = Field(description="EANCOM PAC 7065 code (201: ISO 1 pallet)")
    gross_weight: Amount | None = Field(default=None, description="Kilograms")
    lines: list[ShipmentLineOut]


class ShipmentOut(ResponseModel):
    id: uuid.UUID
    number: str
    sales_order_id: uuid.UUID | None = None
    sales_order_number: str | None = None
    sales_order_reference: str | None = Field(
        default=None, description="The customer's order number"
    )
    customer: CustomerRef
    status: ShipmentStatus
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    dispatched_at: Timestamp | None = None
    delivered_at: Timestamp | None = None
    created_at: Timestamp
    updated_at: Timestamp
    lines: list[ShipmentLineOut] = Field(description="Every line, packed or not")
    packages: list[ShipmentPackageOut] = Field(description="The packages with their lines")


class ShipmentList(ListResponse):
    items: list[ShipmentOut]


class ShipmentLineIn(RequestModel):
    product_code: Code = Field(description="The product's code")
    qty: DecimalIn = Field(gt=0)
    batch: str | None = Field(default=None, min_length=1, max_length=64)
    best_before: date | None = None


class ShipmentPackageIn(RequestModel):
    sscc: str | None = Field(
        default=None,
        pattern=r"^\d{18}$",
        description="The pallet's GS1 SSCC (18 digits); DESADV writes it in GIN+BJ",
        examples=["359012340000000018"],
    )
    package_type: PackageType = Field(
        default=DEFAULT_PACKAGE_TYPE,
        description="EANCOM PAC 7065 code: 201 ISO 1 pallet (default), 09 returnable "
        "pallet, CT carton, ...; DESADV writes it in PAC",
    )
    gross_weight: DecimalIn | None = Field(
        default=None, gt=0, description="Kilograms, packaging included; DESADV MEA+PD+AAB"
    )
    lines: list[ShipmentLineIn] = Field(
        min_length=1,
        max_length=500,
        description="What the package carries (a mixed pallet: several)",
    )


class ShipmentCreate(RequestModel):
    number: Code = Field(
        description="The shipment's number (WZ), unique", examples=["WZ-2026-0412"]
    )
    sales_order_id: uuid.UUID
    carrier: str | None = Field(default=None, min_length=1, max_length=100)
    packages: list[ShipmentPackageIn] = Field(min_length=1, max_length=500)


class ShipmentDispatch(RequestModel):
    carrier: str | None = Field(default=None, min_length=1, max_length=100)
    tracking_number: str | None = Field(default=None, min_length=1, max_length=100)
    tracking_url: AnyHttpUrl | None = Field(default=None, max_length=500)
    dispatched_at: AwareTimestamp | None = Field(default=None, description="Default: now")
