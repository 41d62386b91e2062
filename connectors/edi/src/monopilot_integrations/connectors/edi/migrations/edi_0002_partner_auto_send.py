"""edi: which outbound messages a partner gets automatically (``edi_partners.auto_send``).

Revision ID: edi_0002
Revises: edi_0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "edi_0002"
down_revision = "edi_0001"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # Existing profiles keep today's behaviour: nothing goes out without POST /edi/send.
    with op.batch_alter_table("edi_partners") as batch:
        batch.add_column(
            sa.Column("auto_send", _json(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("edi_partners") as batch:
        batch.drop_column("auto_send")
