"""Publishing domain events: ``/api/integrations/events``."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from monopilot_integrations.server.api.models.common import RequestModel, ResponseModel


class EventPublish(RequestModel):
    event_type: str = Field(min_length=1, max_length=100, examples=["workorder.completed"])
    data: dict[str, Any] = Field(description="Must satisfy the event type's JSON Schema")
    channels: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Channel names labelling the event (e.g. a plant); a webhook with "
        "channels gets only the events carrying one of them",
        examples=[["plant-krakow"]],
    )
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Sending the same key again (same type and data) publishes nothing new "
        "and answers with the first event's id; reusing it for other content is a 409",
    )


class EventAccepted(ResponseModel):
    id: uuid.UUID
    event_type: str
    replayed: bool = Field(
        default=False, description="True: an earlier request with this idempotency key"
    )
