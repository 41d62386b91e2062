"""Products: ``/api/technical/products``."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from monopilot_integrations.core.web.fields import AwareTimestamp
from monopilot_integrations.server.api.models.common import (
    GTIN,
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


class ProductQuery(Pagination):
    q: str | None = Field(
        default=None, min_length=1, max_length=100, description="Text in code, name or GTIN"
    )
    active: bool | None = Field(default=None, description="Only active (or only deleted) ones")
    updated_since: AwareTimestamp | None = Field(
        default=None, description="Changed at or after this instant (with a UTC offset)"
    )


class ProductCreate(RequestModel):
    code: Code
    name: str = Field(min_length=1, max_length=255)
    unit: str = Field(min_length=1, max_length=16, examples=["szt", "kg"])
    price: DecimalIn = Field(ge=0)
    vat_rate: DecimalIn = Field(ge=0, le=100, description="Percent, e.g. 5 or 23")
    gtin: GTIN | None = None
    currency: Currency | None = Field(default=None, description="Default: the organisation's")
    reorder_level: DecimalIn = Field(default=Decimal(0), ge=0)
    active: bool = True


class ProductUpdate(RequestModel):
    """Only the fields sent change (the others keep their values); ``gtin`` may be sent as
    ``null`` to clear it, the other fields cannot be cleared."""

    code: Code | None = None
    name: str | None = Field(default=None, min_length=1, max_length=255)
    unit: str | None = Field(default=None, min_length=1, max_length=16)
    price: DecimalIn | None = Field(default=None, ge=0)
    vat_rate: DecimalIn | None = Field(default=None, ge=0, le=100)
    gtin: GTIN | None = None
    currency: Currency | None = None
    reorder_level: DecimalIn | None = Field(default=None, ge=0)
    active: bool | None = None

    @model_validator(mode="after")
    def _required_fields_not_cleared(self) -> ProductUpdate:
        cleared = sorted(
            name for name in self.model_fields_set if name != "gtin" and getattr(self, name) is None
        )
        if cleared:
            raise ValueError(f"these fields cannot be null: {', '.join(cleared)}")
        return self

    def sent(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class ProductOut(ResponseModel):
    id: uuid.UUID
    code: str
    gtin: str | None = None
    name: str
    unit: str
    price: Amount
    currency: str
    vat_rate: Amount
    reorder_level: Amount
    active: bool
    created_at: Timestamp
    updated_at: Timestamp


class ProductList(ListResponse):
    items: list[ProductOut]
