"""core: integration log indexes for the queries actually made

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-12-02

Every query over ``integration_logs`` starts with the organisation and a time bound and
reads ``idx_int_logs_org_time``; the webhook delivery log reads ``idx_int_logs_job``. The
single-column indexes on ``status`` and ``integration_type`` served no query (they ignore
the organisation every query filters by), yet every log row, one per API request and per
delivery attempt, paid an insert into each: dropped.
"""

from __future__ import annotations

from alembic import op

revision = 'core_0002'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('integration_logs', schema=None) as batch_op:
        batch_op.drop_index('idx_int_logs_status')
        batch_op.drop_index('idx_int_logs_type')


def downgrade() -> None:
    with op.batch_alter_table('integration_logs', schema=None) as batch_op:
        batch_op.create_index('idx_int_logs_type', ['integration_type'], unique=False)
        batch_op.create_index('idx_int_logs_status', ['status'], unique=False)
