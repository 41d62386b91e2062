"""Models of the events read-back: ``/api/integrations/events`` (GET) and
``/api/integrations/events/{id}``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from monopilot_integrations.connectors.webhooks.filters import CHANNEL
from monopilot_integrations.core.web.fields import AwareTimestamp

DeliveryState = Literal["queued", "running", "retrying", "succeeded", "dead", "not_attempted"]


class EventListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str | None = Field(default=None, max_length=100, description="Only this event type")
    channel: str | None = Field(
        default=None,
        pattern=CHANNEL.pattern,
        description="Only events labelled with this channel (one of the event's channels)",
    )
    since: AwareTimestamp | None = Field(default=None, description="Published at or after")
    until: AwareTimestamp | None = Field(default=None, description="Published before")
    limit: int = Field(default=50, ge=1, le=200)
    before: AwareTimestamp | None = Field(
        default=None, description="Events published before this (next page: next_before)"
    )
    before_id: uuid.UUID | None = Field(
        default=None, description="With 'before': also those at that instant with a lower id"
    )

    @model_validator(mode="after")
    def _window(self) -> EventListQuery:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("'until' must be after 'since'")
        return self


class EventSummary(BaseModel):
    id: uuid.UUID
    event_type: str
    occurred_at: datetime
    channels: list[str]
    dispatched_at: datetime | None = Field(description="When deliveries were planned")
    deliveries: int = Field(description="Deliveries planned for it (every connector)")


class EventList(BaseModel):
    items: list[EventSummary]
    next_before: datetime | None
    next_before_id: uuid.UUID | None


class AttemptOut(BaseModel):
    timestamp: datetime
    status: str = Field(description="success, warning or error")
    http_status: int | None
    duration_ms: int | None
    error_message: str | None


class EndpointDelivery(BaseModel):
    """One subscribed webhook's delivery of the event."""

    webhook_id: uuid.UUID
    webhook_name: str | None = Field(description="null: the webhook was deleted since")
    delivery_id: uuid.UUID | None = Field(description="The delivery id sent; null: none made")
    status: DeliveryState = Field(
        description="not_attempted: subscribed now but no delivery was made (the webhook "
        "was paused or did not exist when the event was published); replay sends it"
    )
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    attempt_log: list[AttemptOut] = Field(description="Every logged attempt, oldest first")


class EventOut(BaseModel):
    id: uuid.UUID
    event_type: str
    occurred_at: datetime
    channels: list[str]
    dispatched_at: datetime | None
    payload: dict[str, Any] = Field(description="The request body webhooks receive")
    deliveries: list[EndpointDelivery]
