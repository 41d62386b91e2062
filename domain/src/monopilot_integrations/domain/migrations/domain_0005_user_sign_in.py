"""domain: users sign in to the integrations dashboard (password hash, status, last login)

Revision ID: domain_0005_user_sign_in
Revises: domain_0004_portal_restrictions
Create Date: 2026-12-07

Organisation admins (``role = 'admin'``) sign in to the dashboard with an e-mail and a
password; the hash is argon2id (``core.web.sessions``). Existing users get no password:
they cannot sign in until one is set (``monopilot-integrations dashboard-admin``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.types import UTCDateTime

revision = "domain_0005_user_sign_in"
down_revision = "domain_0004_portal_restrictions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
        batch.add_column(
            sa.Column("status", sa.String(length=20), server_default="active", nullable=False)
        )
        batch.add_column(sa.Column("last_login_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("last_login_at")
        batch.drop_column("status")
        batch.drop_column("password_hash")
