"""edi: what a partner's guide asks of our messages (transliteration, required optional
segments, UNB application reference, UNA).

Revision ID: edi_0003
Revises: edi_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "edi_0003"
down_revision = "edi_0002"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # Each server default is what a partner without the setting already gets, so existing
    # partner profiles keep sending the same messages.
    with op.batch_alter_table("edi_partners") as batch:
        batch.add_column(
            sa.Column("transliterate", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("required_segments", _json(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch.add_column(sa.Column("application_reference", sa.String(14), nullable=True))
        batch.add_column(sa.Column("write_una", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("edi_partners") as batch:
        batch.drop_column("write_una")
        batch.drop_column("application_reference")
        batch.drop_column("required_segments")
        batch.drop_column("transliterate")
