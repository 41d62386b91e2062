"""Products: the record, and the inputs that create or change one."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from monopilot_integrations.core.domain.base import Code, Input, Record


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
