"""domain: invoice corrections and Polish VAT codes

Revision ID: domain_0006_invoice_corrections
Revises: domain_0005_user_sign_in
Create Date: 2026-12-07

Invoices can be created through the API now, and a Polish correction (faktura
korygująca) is an invoice of its own that names the invoice it corrects: ``kind``
(``invoice`` or ``correction``), ``corrects_invoice_id`` and ``corrects_number`` (the
number printed on the correction), ``correction_reason``, and the date of sale. A line's
``vat_exemption`` holds ``zw``, ``np`` or ``oo`` for lines that carry no VAT for that
reason (their ``vat_rate`` is 0). Existing invoices become ``kind = 'invoice'``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "domain_0006_invoice_corrections"
down_revision = "domain_0005_user_sign_in"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(20), nullable=False, server_default="invoice")
        )
        batch.add_column(sa.Column("corrects_invoice_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("corrects_number", sa.String(64), nullable=True))
        batch.add_column(sa.Column("correction_reason", sa.String(255), nullable=True))
        batch.add_column(sa.Column("sale_date", sa.Date(), nullable=True))
        batch.create_check_constraint(op.f("ck_invoices_kind"), "kind IN ('invoice', 'correction')")
        batch.create_foreign_key(
            "fk_invoices_corrects_invoice_id",
            "invoices",
            ["org_id", "corrects_invoice_id"],
            ["org_id", "id"],
        )
    with op.batch_alter_table("invoices") as batch:
        # The default served existing rows; new rows always name their kind.
        batch.alter_column("kind", server_default=None)
    with op.batch_alter_table("invoice_lines") as batch:
        batch.add_column(sa.Column("vat_exemption", sa.String(2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoice_lines") as batch:
        batch.drop_column("vat_exemption")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint("fk_invoices_corrects_invoice_id", type_="foreignkey")
        batch.drop_constraint(op.f("ck_invoices_kind"), type_="check")
        batch.drop_column("sale_date")
        batch.drop_column("correction_reason")
        batch.drop_column("corrects_number")
        batch.drop_column("corrects_invoice_id")
        batch.drop_column("kind")
