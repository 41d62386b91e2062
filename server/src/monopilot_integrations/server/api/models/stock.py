"""Inventory (``/api/warehouse``) and production (``/api/production``)."""

from __future__ import annotations

import uuid

from pydantic import Field, model_validator

from monopilot_integrations.core.domain.inventory import InventoryMoveReason
from monopilot_integrations.core.domain.production import WorkOrderStatus
from monopilot_integrations.server.api.models.common import (
    Amount,
    Code,
    DecimalIn,
    ListResponse,
    Location,
    Pagination,
    RequestModel,
    ResponseModel,
    Timestamp,
)

# --- inventory ---------------------------------------------------------------------------


class InventoryQuery(Pagination):
    product: Code | None = Field(default=None, description="Product code")
    location: Location | None = None
    below_reorder: bool | None = Field(
        default=None, description="Products whose total stock is below their reorder level"
    )


class InventoryLevelOut(ResponseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    product_code: str
    location: str
    qty: Amount
    updated_at: Timestamp


class InventoryList(ListResponse):
    items: list[InventoryLevelOut]


class InventoryMoveCreate(RequestModel):
    product_code: Code
    location: Location
    qty: DecimalIn = Field(description="Signed: positive adds stock, negative takes it out")
    reason: InventoryMoveReason
    reference: str | None = Field(default=None, max_length=255)

    @model_validator(mode="after")
    def _not_zero(self) -> InventoryMoveCreate:
        if self.qty == 0:
            raise ValueError("qty: a move of zero changes nothing")
        return self


class InventoryMoveOut(ResponseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    product_code: str
    location: str
    qty: Amount
    reason: InventoryMoveReason
    reference: str | None = None
    created_at: Timestamp


class InventoryMoveResultOut(ResponseModel):
    """The move, the location's new level, and the product's total stock against its
    reorder level."""

    move: InventoryMoveOut
    level: InventoryLevelOut
    product_qty: Amount
    reorder_level: Amount
    below_reorder: bool


# --- production --------------------------------------------------------------------------


class WorkOrderQuery(Pagination):
    status: WorkOrderStatus | None = None
    product: Code | None = Field(default=None, description="Code of the product made")


class WorkOrderOut(ResponseModel):
    id: uuid.UUID
    number: str
    product_id: uuid.UUID
    product_code: str
    product_name: str
    qty_planned: Amount
    qty_completed: Amount
    status: WorkOrderStatus
    started_at: Timestamp | None = None
    completed_at: Timestamp | None = None
    created_at: Timestamp
    updated_at: Timestamp


class WorkOrderList(ListResponse):
    items: list[WorkOrderOut]


class ConsumptionLine(RequestModel):
    product_code: Code
    qty: DecimalIn = Field(gt=0, description="How much was used (taken out of stock)")
    location: Location


class ConsumptionCreate(RequestModel):
    """Ingredients used by a work order, each booked as a ``consumption`` move that
    references the work order's number. ``start: true`` first puts a planned work order in
    progress (publishing ``workorder.started``); a work order must be in progress to
    consume. Everything happens in one transaction: one refused line changes nothing."""

    work_order_id: uuid.UUID
    start: bool = False
    lines: list[ConsumptionLine] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _something_to_do(self) -> ConsumptionCreate:
        if not self.lines and not self.start:
            raise ValueError("send lines to consume, or start: true, or both")
        return self


class ConsumptionOut(ResponseModel):
    work_order: WorkOrderOut
    started: bool = Field(description="This request put the work order in progress")
    moves: list[InventoryMoveOut]


class WorkOrderComplete(RequestModel):
    qty_completed: DecimalIn = Field(ge=0, description="Total good output of the work order")
    output_location: Location | None = Field(
        default=None,
        description="Book the output not yet in stock (qty_completed minus what was already "
        "reported) as a production move into this location",
    )


class WorkOrderCompletedOut(ResponseModel):
    work_order: WorkOrderOut
    output_move: InventoryMoveOut | None = Field(
        default=None, description="The production move booked into output_location, if any"
    )
