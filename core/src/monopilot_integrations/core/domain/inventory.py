"""Stock: levels per product and location, and the signed moves that change them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from monopilot_integrations.core.domain.base import Input, Record

InventoryMoveReason = Literal["receipt", "consumption", "adjustment", "shipment", "production"]


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
