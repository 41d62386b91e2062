"""domain: the invoicee of a sales order (``sales_orders.invoicee_gln``)

Revision ID: domain_0002_invoicee
Revises: domain_0001
Create Date: 2026-12-07

An EDI order names the party to invoice (ORDERS NAD+IV) when it is not the buyer (a
retailer's head office); the INVOIC must repeat it in its NAD+IV. Nullable: existing
orders have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "domain_0002_invoicee"
down_revision = "domain_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sales_orders") as batch:
        batch.add_column(sa.Column("invoicee_gln", sa.String(13), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sales_orders") as batch:
        batch.drop_column("invoicee_gln")
