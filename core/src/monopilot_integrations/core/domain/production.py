"""Work orders: what production makes, and the changes integrations may record."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from monopilot_integrations.core.domain.base import Input, Record

WorkOrderStatus = Literal["planned", "in_progress", "completed", "cancelled"]


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
