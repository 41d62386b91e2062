"""Portals: supplier_portal_users and customer_portal_users.

Revision ID: portals_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.tenancy import (
    disable_tenant_isolation,
    enable_tenant_isolation,
)
from monopilot_integrations.core.db.types import UTCDateTime

revision = "portals_0001"
down_revision = None
branch_labels = ("portals",)
# Sign-in's sessions and lockout counters are core's (core_0004).
depends_on = "core_0004"

TABLES = (("supplier_portal_users", "supplier_id"), ("customer_portal_users", "customer_id"))


def upgrade() -> None:
    for table, party in TABLES:
        op.create_table(
            table,
            sa.Column("id", sa.Uuid(), nullable=False),
            sa.Column("org_id", sa.Uuid(), nullable=False),
            sa.Column(party, sa.Uuid(), nullable=False),
            sa.Column("email", sa.String(255), nullable=False),
            sa.Column("password_hash", sa.String(255), nullable=False),
            sa.Column("name", sa.String(255), nullable=False),
            sa.Column("status", sa.String(20), server_default="active", nullable=False),
            sa.Column("totp_secret", sa.String(255), nullable=True),
            sa.Column("totp_last_step", sa.Integer(), nullable=True),
            sa.Column("last_login_at", UTCDateTime(), nullable=True),
            sa.Column("password_changed_at", UTCDateTime(), nullable=False),
            sa.Column("created_at", UTCDateTime(), nullable=False),
            sa.Column("updated_at", UTCDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("email", name=op.f(f"uq_{table}_email")),
        )
        short = table.split("_")[0]
        op.create_index(f"idx_{short}_portal_org", table, ["org_id", party])
        enable_tenant_isolation(op, table)


def downgrade() -> None:
    for table, _party in TABLES:
        disable_tenant_isolation(op, table)
        op.drop_table(table)
