"""core: server-side web sessions and sign-in lockout counters

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-12-07

Web sign-in (portals, the administrators' dashboard) keeps its sessions on the server
(revocable, with idle and absolute timeouts) and counts failed sign-ins per account for
growing lockouts. Both tables are the kernel's own (no row-level security): they are read
before the organisation is known.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

from monopilot_integrations.core.db.types import UTCDateTime

revision = 'core_0004'
down_revision = 'core_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'integration_web_sessions',
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('realm', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('organization_id', sa.Uuid(), nullable=True),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column(
            'claims',
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
            nullable=False,
        ),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token_digest', name=op.f('pk_integration_web_sessions')),
    )
    op.create_index(
        'ix_integration_web_sessions_user', 'integration_web_sessions', ['realm', 'user_id']
    )
    op.create_index(
        'ix_integration_web_sessions_expires', 'integration_web_sessions', ['expires_at']
    )
    op.create_table(
        'integration_login_throttle',
        sa.Column('account_key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', UTCDateTime(), nullable=False),
        sa.Column('locked_until', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('account_key', name=op.f('pk_integration_login_throttle')),
    )


def downgrade() -> None:
    op.drop_table('integration_login_throttle')
    op.drop_index('ix_integration_web_sessions_expires', table_name='integration_web_sessions')
    op.drop_index('ix_integration_web_sessions_user', table_name='integration_web_sessions')
    op.drop_table('integration_web_sessions')
