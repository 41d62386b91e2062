"""Request and response models of the webhook API (they feed ``/api/openapi.json``).

The secret appears in exactly two responses, :class:`WebhookWithSecret` from create and
rotate; every other model has no field that could carry it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from monopilot_integrations.core.web.fields import AwareTimestamp, Offset

RetryPolicyName = Literal["immediate", "exponential", "manual"]

_EVENTS = Field(
    min_length=1,
    max_length=100,
    description="Event types to receive, e.g. ['order.created']; '*' for every type",
)
_HEADERS = (
    "Extra request headers (at most 20). Signature, Standard Webhooks, X-MonoPilot-* and "
    "framing headers cannot be set. The values are stored encrypted and never shown again "
    "(responses list the names); on update the object replaces the stored headers, and a "
    "value of '***' keeps the value stored under that name."
)


_RETRIES = (
    "Retries after a failed attempt, at most the policy's schedule: exponential 5 "
    "(5 s, 30 s, 5 min, 30 min, 2 h: about 2.5 hours), immediate 3 (5 s apart), manual 0. "
    "Default: the whole schedule"
)
_CHANNELS = (
    "Channel names: the webhook gets only events labelled with one of them (none: every "
    "event of its types)"
)
_FILTER = (
    "Conditions on the event's data, all of which must hold: a dotted field path to a "
    "value (equality) or to {'in': [values]}, e.g. {'status': 'confirmed', "
    "'customer_code': {'in': ['BIEDRA', 'LIDL']}}; each path must be a field of a "
    "subscribed event type"
)
_RATE = (
    "Deliveries per second to this webhook at most, across every worker process; "
    "deliveries beyond wait their turn (none: no limit)"
)


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    url: str = Field(min_length=1, max_length=500, description="https:// URL of the receiver")
    events: list[str] = _EVENTS
    retry_policy: RetryPolicyName = "exponential"
    max_retries: int | None = Field(default=None, ge=0, le=10, description=_RETRIES)
    custom_headers: dict[str, str] = Field(default_factory=dict, description=_HEADERS)
    channels: list[str] = Field(default_factory=list, max_length=10, description=_CHANNELS)
    filter: dict[str, Any] | None = Field(default=None, description=_FILTER)
    rate_limit: int | None = Field(default=None, ge=1, le=10000, description=_RATE)
    secret: str | None = Field(
        default=None,
        description="Your own secret (whsec_ + base64 of 24-64 bytes); default: generated",
    )


class WebhookUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=255)
    url: str | None = Field(default=None, min_length=1, max_length=500)
    events: list[str] | None = Field(default=None, min_length=1, max_length=100)
    retry_policy: RetryPolicyName | None = None
    max_retries: int | None = Field(default=None, ge=0, le=10, description=_RETRIES)
    custom_headers: dict[str, str] | None = Field(default=None, description=_HEADERS)
    channels: list[str] | None = Field(default=None, max_length=10, description=_CHANNELS)
    filter: dict[str, Any] | None = Field(default=None, description=_FILTER + "; null: none")
    rate_limit: int | None = Field(
        default=None, ge=1, le=10000, description=_RATE + "; null: no limit"
    )


class WebhookOut(BaseModel):
    """A webhook as the API shows it: never its secret."""

    id: uuid.UUID
    name: str
    url: str
    events: list[str]
    status: Literal["active", "paused"]
    paused_reason: str | None = Field(description="manual, gone (410) or failing")
    paused_at: datetime | None
    retry_policy: str
    max_retries: int
    custom_headers: list[str] = Field(
        description="Names of the custom headers sent with each delivery; their values are "
        "stored encrypted and never returned"
    )
    channels: list[str] = Field(description=_CHANNELS)
    filter: dict[str, Any] | None = Field(description=_FILTER)
    rate_limit: int | None = Field(description=_RATE)
    last_triggered_at: datetime | None
    failing_since: datetime | None = Field(description="First failure since the last success")
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries are also signed with the previous secret"
    )
    older_secrets_expire_at: list[datetime] = Field(
        default_factory=list,
        description="Secrets rotated out before the previous one that still sign, each "
        "until this time (every secret within its grace period keeps signing)",
    )
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookOut):
    secret: str = Field(description="The signing secret. Shown this once: store it now.")


class WebhookListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["active", "paused"] | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: Offset = 0


class WebhookList(BaseModel):
    items: list[WebhookOut]
    total: int
    limit: int
    offset: int


class WebhookTestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_type: str | None = Field(
        default=None,
        description="Event type whose example is sent; default: the first subscribed type",
    )


class WebhookTestResult(BaseModel):
    delivery_id: uuid.UUID = Field(description="X-MonoPilot-Delivery-ID / webhook-id sent")
    event_type: str
    delivered: bool
    http_status: int | None
    duration_ms: int | None
    error: str | None
    error_class: str | None
    response_body: Any = Field(default=None, description="The receiver's answer (capped)")


class WebhookRotateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: int | None = Field(
        default=None,
        ge=0,
        le=7 * 24 * 3600,
        description="How long the previous secret keeps signing too (default: the "
        "MONOPILOT_WEBHOOKS_DEFAULT_ROTATION_GRACE_SECONDS setting; 0: stop at once)",
    )


class WebhookRecoverRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareTimestamp = Field(description="Deliveries that failed at or after this time")
    until: AwareTimestamp | None = Field(default=None, description="...and before this (now)")

    @model_validator(mode="after")
    def _window(self) -> WebhookRecoverRequest:
        if self.until is not None and self.until <= self.since:
            raise ValueError("'until' must be after 'since'")
        return self


class WebhookRecoverResult(BaseModel):
    recovered: int = Field(description="Failed deliveries queued again (same delivery ids)")


class WebhookLogQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=200)
    before: AwareTimestamp | None = Field(
        default=None, description="Attempts before this time (next page: next_before)"
    )
    before_id: uuid.UUID | None = Field(
        default=None,
        description="With 'before': also the attempts at exactly that time whose id is "
        "lower (next page: next_before_id), so attempts logged in one instant are not skipped",
    )
    status: Literal["success", "warning", "error"] | None = None


class WebhookDeliveryAttempt(BaseModel):
    """One delivery attempt, bodies and headers masked and capped as logged."""

    id: uuid.UUID
    timestamp: datetime
    delivery_id: uuid.UUID | None = Field(description="The job id: stable across retries")
    event_type: str
    status: str
    http_status: int | None
    retry_count: int
    duration_ms: int | None
    error_message: str | None
    error_class: str | None
    request: Any = None
    response: Any = None


class WebhookDeliveryLog(BaseModel):
    items: list[WebhookDeliveryAttempt]
    next_before: datetime | None = Field(description="Pass as 'before' for the next page")
    next_before_id: uuid.UUID | None = Field(description="Pass as 'before_id' for the next page")
