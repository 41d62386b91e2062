"""Webhooks: the integration_webhooks table.

Revision ID: webhooks_0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.tenancy import enable_tenant_isolation
from monopilot_integrations.core.db.types import JSONType, UTCDateTime

revision = "webhooks_0001"
down_revision = None
branch_labels = ("webhooks",)
# The branch builds on core's schema (tenant role, shared tables).
depends_on = "core_0001"

ACTIVE = "status = 'active' AND deleted_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "integration_webhooks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("events", JSONType, nullable=False),
        sa.Column("status", sa.String(20), server_default="active", nullable=False),
        sa.Column("secret", sa.String(512), nullable=False),
        sa.Column("previous_secret", sa.String(512), nullable=True),
        sa.Column("previous_secret_expires_at", UTCDateTime(), nullable=True),
        sa.Column("retry_policy", sa.String(20), server_default="exponential", nullable=False),
        sa.Column("max_retries", sa.Integer(), server_default="3", nullable=False),
        sa.Column("custom_headers", JSONType, nullable=True),
        sa.Column("last_triggered_at", UTCDateTime(), nullable=True),
        sa.Column("failing_since", UTCDateTime(), nullable=True),
        sa.Column("paused_reason", sa.String(50), nullable=True),
        sa.Column("paused_at", UTCDateTime(), nullable=True),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_integration_webhooks"),
    )
    op.create_index(
        "idx_webhooks_org_active",
        "integration_webhooks",
        ["org_id"],
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_index("idx_webhooks_org_created", "integration_webhooks", ["org_id", "created_at"])
    enable_tenant_isolation(op, "integration_webhooks")


def downgrade() -> None:
    op.drop_table("integration_webhooks")
