"""core: hourly roll-ups of the integration log for the dashboard

Revision ID: core_0005_log_rollups
Revises: core_0004
Create Date: 2026-12-07

The dashboard's overview shows successes, errors, error rate and p95 duration per
integration over 24 hours and 7 days. Counted from ``integration_logs`` that is a scan of
every row of the week; counted from hourly roll-ups (closed hours are counted once) it is
a read of a few thousand small rows. ``integration_log_rollup_marks`` remembers, per
organisation, up to which hour the roll-ups are complete.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.tenancy import (
    disable_tenant_isolation,
    enable_tenant_isolation,
)
from monopilot_integrations.core.db.types import UTCDateTime

revision = 'core_0005_log_rollups'
down_revision = 'core_0004'
branch_labels = None
depends_on = None

TABLES = ('integration_log_rollups', 'integration_log_rollup_marks')


def upgrade() -> None:
    op.create_table(
        'integration_log_rollups',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('hour', UTCDateTime(), nullable=False),
        sa.Column('integration_type', sa.String(length=50), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('api_key_id', sa.Uuid(), nullable=True),
        sa.Column('webhook_id', sa.Uuid(), nullable=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('rate_limited', sa.Integer(), server_default='0', nullable=False),
        *(
            sa.Column(f'd{i:02d}', sa.Integer(), server_default='0', nullable=False)
            for i in range(14)
        ),
        sa.Column('last_error_at', UTCDateTime(), nullable=True),
        sa.Column('org_id', sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_log_rollups')),
    )
    op.create_index(
        'idx_log_rollups_org_hour', 'integration_log_rollups', ['org_id', 'hour'], unique=False
    )
    op.create_table(
        'integration_log_rollup_marks',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('rolled_until', UTCDateTime(), nullable=False),
        sa.Column('org_id', sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_log_rollup_marks')),
    )
    op.create_index(
        'uq_log_rollup_marks_org', 'integration_log_rollup_marks', ['org_id'], unique=True
    )
    for table in TABLES:
        enable_tenant_isolation(op, table)


def downgrade() -> None:
    for table in TABLES:
        disable_tenant_isolation(op, table)
    op.drop_index('uq_log_rollup_marks_org', table_name='integration_log_rollup_marks')
    op.drop_table('integration_log_rollup_marks')
    op.drop_index('idx_log_rollups_org_hour', table_name='integration_log_rollups')
    op.drop_table('integration_log_rollups')
