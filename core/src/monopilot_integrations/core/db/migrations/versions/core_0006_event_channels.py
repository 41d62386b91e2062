"""core: channels on events

Revision ID: core_0006_event_channels
Revises: core_0005_log_rollups
Create Date: 2026-12-07

An event may carry a few channel names (labels such as a plant or a sales channel), so a
consumer can take a subset of an event type's events without a type per subset (the
webhooks connector's channels). Nullable: events without channels stay as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.types import JSONType

revision = "core_0006_event_channels"
down_revision = "core_0005_log_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("integration_events", sa.Column("channels", JSONType, nullable=True))


def downgrade() -> None:
    op.drop_column("integration_events", "channels")
