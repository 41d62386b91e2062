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
* ``deleted_at``: deletion is soft, so in-flight deliveries find the webhook gone (and
  send nothing) and the delivery logs stay readable for the audit trail; the secrets and
  the custom headers are wiped at deletion.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, text
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
