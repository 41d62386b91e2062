"""core: process heartbeats of workers and schedulers

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-12-07

Readiness and metrics report whether a worker and a scheduler are alive: each writes a
row here every few seconds.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.types import UTCDateTime

revision = 'core_0003'
down_revision = 'core_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'integration_process_heartbeats',
        sa.Column('id', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('hostname', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('beat_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('integration_process_heartbeats')
