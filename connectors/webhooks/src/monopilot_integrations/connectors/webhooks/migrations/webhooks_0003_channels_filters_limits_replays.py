"""Webhooks: channels, payload filter, rate limit, older secrets in grace, replay jobs.

* ``channels`` (JSON list), ``payload_filter`` (JSON object): which events of the
  subscribed types the webhook gets (:mod:`..filters`);
* ``rate_limit``: deliveries per second to this webhook, across every worker process;
* ``older_secrets``: one keyring token of the secrets rotated out before the previous one
  whose grace periods still run (``[[secret, expires_at], ...]``), so a second rotation
  within a grace period no longer drops the first old secret;
* ``integration_webhook_replays``: a replay of a time range to one webhook, and its
  progress.

Revision ID: webhooks_0003
Revises: webhooks_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.tenancy import enable_tenant_isolation
from monopilot_integrations.core.db.types import JSONType, UTCDateTime

revision = "webhooks_0003"
down_revision = "webhooks_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("integration_webhooks", sa.Column("channels", JSONType, nullable=True))
    op.add_column("integration_webhooks", sa.Column("payload_filter", JSONType, nullable=True))
    op.add_column("integration_webhooks", sa.Column("rate_limit", sa.Integer(), nullable=True))
    op.add_column("integration_webhooks", sa.Column("older_secrets", sa.Text(), nullable=True))
    op.create_table(
        "integration_webhook_replays",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("webhook_id", sa.Uuid(), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("force", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("events_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("events_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("queued", sa.Integer(), server_default="0", nullable=False),
        sa.Column("skipped", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cursor_at", UTCDateTime(), nullable=True),
        sa.Column("cursor_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_integration_webhook_replays"),
    )
    op.create_index(
        "idx_webhook_replays_org_webhook",
        "integration_webhook_replays",
        ["org_id", "webhook_id", "created_at"],
    )
    enable_tenant_isolation(op, "integration_webhook_replays")


def downgrade() -> None:
    op.drop_table("integration_webhook_replays")
    for column in ("older_secrets", "rate_limit", "payload_filter", "channels"):
        op.drop_column("integration_webhooks", column)
