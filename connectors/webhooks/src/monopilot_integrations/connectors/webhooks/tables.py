"""The connector's own table: one row per webhook (the architecture document's
``integration_webhooks``, plus what delivery needs).

Added columns and why:

* ``secret`` holds the *encrypted* secret (a keyring token, never the plaintext);
  ``previous_secret`` / ``previous_secret_expires_at`` keep the old one signing during a
  rotation's grace period;
* ``failing_since`` marks the first failure after the last success, for the automatic
  pause; ``paused_reason`` says who paused it (``manual``, ``gone``, ``failing``);
* ``custom_headers`` holds the *names* of the webhook's custom headers (a JSON list, shown
  by the API) and ``custom_headers_sealed`` their values, as one keyring token of the JSON
  object ``{name: value}`` (partners put ``Authorization`` or ``X-Partner-Key`` there);
* ``channels``, ``payload_filter``: which events of the subscribed types it gets
  (:mod:`.filters`); ``rate_limit``: deliveries per second, across processes;
  ``older_secrets``: the secrets rotated out before ``previous_secret`` whose grace still
  runs, as one keyring token (:mod:`.secret_box`);
* ``deleted_at``: deletion is soft, so in-flight deliveries find the webhook gone (and
  send nothing) and the delivery logs stay readable for the audit trail; the secrets and
  the custom headers are wiped at deletion.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base, TenantMixin, new_id
from monopilot_integrations.core.db.types import JSONType


class Webhook(TenantMixin, Base):
    __tablename__ = "integration_webhooks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    secret: Mapped[str] = mapped_column(String(512))
    previous_secret: Mapped[str | None] = mapped_column(String(512))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column()
    retry_policy: Mapped[str] = mapped_column(String(20), server_default="exponential")
    max_retries: Mapped[int] = mapped_column(Integer, server_default="3")
    custom_headers: Mapped[list[str] | None] = mapped_column(JSONType)
    custom_headers_sealed: Mapped[str | None] = mapped_column(Text)
    channels: Mapped[list[str] | None] = mapped_column(JSONType)
    payload_filter: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    rate_limit: Mapped[int | None] = mapped_column(Integer)
    older_secrets: Mapped[str | None] = mapped_column(Text)
    last_triggered_at: Mapped[datetime | None] = mapped_column()
    failing_since: Mapped[datetime | None] = mapped_column()
    paused_reason: Mapped[str | None] = mapped_column(String(50))
    paused_at: Mapped[datetime | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        # ``plan`` runs for every event: the org's active webhooks in one index range.
        Index(
            "idx_webhooks_org_active",
            "org_id",
            sqlite_where=text("status = 'active' AND deleted_at IS NULL"),
            postgresql_where=text("status = 'active' AND deleted_at IS NULL"),
        ),
        Index("idx_webhooks_org_created", "org_id", "created_at"),
    )


class WebhookReplay(TenantMixin, Base):
    """A replay of a time range to one webhook: what was asked and how far it got."""

    __tablename__ = "integration_webhook_replays"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    webhook_id: Mapped[uuid.UUID] = mapped_column()
    since: Mapped[datetime] = mapped_column()
    until: Mapped[datetime] = mapped_column()
    mode: Mapped[str] = mapped_column(String(20))
    force: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    events_total: Mapped[int] = mapped_column(Integer, server_default="0")
    events_done: Mapped[int] = mapped_column(Integer, server_default="0")
    queued: Mapped[int] = mapped_column(Integer, server_default="0")
    skipped: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    #: The last event done (publication time, id): a resumed replay starts after it.
    cursor_at: Mapped[datetime | None] = mapped_column()
    cursor_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index("idx_webhook_replays_org_webhook", "org_id", "webhook_id", "created_at"),
    )
