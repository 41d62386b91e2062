"""Request and response models of the EDI API (they feed ``/api/openapi.json``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from monopilot_integrations.connectors.edi.tables import EdiMessage


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=200, description="Items per page")
    offset: int = Field(default=0, ge=0, description="Items to skip")


class MessageQuery(PageQuery):
    status: Literal["pending", "processed", "error"] | None = None
    message_type: str | None = Field(default=None, max_length=20, examples=["ORDERS"])
    partner_id: str | None = Field(default=None, max_length=100, description="Partner GLN")
    outcome: str | None = Field(
        default=None, max_length=30, examples=["pending_review", "sales_order_created"]
    )
    since: AwareDatetime | None = Field(default=None, description="created_at >= since")
    until: AwareDatetime | None = Field(default=None, description="created_at < until")


class MessageError(BaseModel):
    code: str
    message: str
    segment_number: int | None = None
    tag: str | None = None
    expected: str | None = None
    severity: str = "error"


class MessageItem(BaseModel):
    """One message with its outcome: what it created, its status and every error."""

    id: uuid.UUID
    direction: Literal["inbound", "outbound"]
    message_type: str
    status: Literal["pending", "processed", "error"]
    partner_id: str | None
    partner_profile_id: uuid.UUID | None
    reference_id: str | None = Field(description="Document number (BGM 1004, invoice number)")
    control_reference: str | None
    message_reference: str | None
    test: bool
    outcome: str | None = Field(
        description="sales_order_created, pending_review, receipt_recorded, duplicate, "
        "rejected, acknowledgement, sent, failed"
    )
    sales_order_id: uuid.UUID | None
    receipt_id: uuid.UUID | None
    record_type: str | None
    record_id: uuid.UUID | None
    job_id: uuid.UUID | None
    error_message: str | None
    errors: list[MessageError]
    processed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: EdiMessage) -> MessageItem:
        return cls.model_validate(
            {name: getattr(row, name) for name in cls.model_fields if name != "errors"}
            | {"errors": [MessageError.model_validate(e) for e in row.errors or []]}
        )


class MessageDetail(MessageItem):
    message_content: str = Field(description="The message as EDIFACT text")


class MessagePage(BaseModel):
    items: list[MessageItem]
    total: int
    limit: int
    offset: int


class InboxReceipt(BaseModel):
    """What ``POST /inbox`` stored and how each message ended."""

    file_id: uuid.UUID | None
    already_received: bool = Field(
        description="The same body under the same name was received before: nothing new"
    )
    messages: list[MessageItem]


class OrdrspLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_no: int = Field(ge=1)
    action: Literal["accepted", "changed", "rejected"]
    qty: Decimal | None = Field(default=None, ge=0, description="The new quantity (changed)")


class SendRequest(BaseModel):
    """Build and send a message for a MonoPilot record."""

    model_config = ConfigDict(extra="forbid")

    message_type: Literal["INVOIC", "DESADV", "ORDRSP"]
    record_id: uuid.UUID = Field(
        description="The invoice (INVOIC), shipment (DESADV) or sales order (ORDRSP)"
    )
    partner_id: uuid.UUID | None = Field(
        default=None, description="Partner profile id; default: the customer's profile"
    )
    lines: list[OrdrspLine] = Field(
        default_factory=list, description="ORDRSP only: answers per line (default accepted)"
    )


def message_dict(row: EdiMessage) -> dict[str, Any]:
    return MessageItem.of(row).model_dump(mode="json")
