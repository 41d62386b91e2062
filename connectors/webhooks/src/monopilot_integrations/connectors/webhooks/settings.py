"""Process-wide settings of the webhooks connector (environment prefix
``MONOPILOT_WEBHOOKS_``), documented in ``docs/webhooks.md``.

Per-webhook choices (URL, events, retry policy, headers) live in the
``integration_webhooks`` rows; these are the operator's knobs for every webhook at once.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONOPILOT_WEBHOOKS_", extra="ignore")

    timeout_seconds: float = Field(
        default=30.0, gt=0, le=300, description="Seconds one delivery attempt may take in all."
    )
    failure_pause_after_seconds: float = Field(
        default=5 * 24 * 3600.0,
        gt=0,
        description="A webhook failing without a single success for this long is paused "
        "and a webhook.disabled event is published (default 5 days).",
    )
    max_in_flight_per_webhook: int = Field(
        default=16,
        ge=1,
        description="Deliveries to one webhook running at once in one process; further "
        "ones wait (see busy_wait_seconds), so one slow endpoint cannot take every slot.",
    )
    busy_wait_seconds: float = Field(
        default=2.0,
        ge=0,
        description="How long a delivery waits for a free in-flight slot of its webhook "
        "before it is deferred: run again later without spending a retry.",
    )
    row_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=5,
        description="How long a delivery may use a webhook row read by an earlier attempt "
        "of this process (0: read it on every attempt, and the subscriptions on every "
        "event). Changes through this process's API apply at once; another process keeps "
        "delivering for at most this long after a pause, delete or secret rotation.",
    )
    rate_limit_wait_seconds: float = Field(
        default=10.0,
        ge=0,
        le=300,
        description="How long a delivery over its webhook's rate_limit waits in the worker "
        "for its turn before it is deferred (run again later without spending a retry).",
    )
    connections_per_host: int = Field(
        default=16, ge=1, description="Pooled connections to one receiver host per process."
    )
    connections_total: int = Field(
        default=200, ge=1, description="Pooled connections to all receivers per process."
    )
    response_body_limit: int = Field(
        default=4096, ge=0, description="Bytes of a receiver's response body kept in the log."
    )
    default_rotation_grace_seconds: int = Field(
        default=24 * 3600,
        ge=0,
        description="How long the previous secret keeps signing after a rotation, unless "
        "the rotation request says otherwise.",
    )
