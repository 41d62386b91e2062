"""domain: portal sessions see their own supplier's or customer's rows only

Revision ID: domain_0004_portal_restrictions
Revises: domain_0003_shipment_packages
Create Date: 2026-12-07

A supplier or customer portal's transaction sets ``app.portal_supplier_id`` or
``app.portal_customer_id`` next to ``app.current_org_id``; a restrictive policy on each
reference table then hides every row of another supplier or customer (and every table the
portal has no business reading), on top of tenant isolation. One more index serves a
supplier's purchase orders newest first (the portal's list: order date, then number, as
the reference store sorts them, so neither SQLite nor PostgreSQL sorts 10,000 rows for a page).
"""

from __future__ import annotations

from alembic import op

from monopilot_integrations.core.db.tenancy import (
    PORTAL_CUSTOMER,
    PORTAL_SUPPLIER,
    disable_portal_restriction,
    enable_portal_restriction,
)

revision = "domain_0004_portal_restrictions"
down_revision = "domain_0003_shipment_packages"
branch_labels = None
depends_on = None


def _child(parent: str, column: str, table: str) -> str:
    return f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{column})"


#: table -> (condition for a supplier portal, condition for a customer portal)
RESTRICTIONS: dict[str, tuple[str | None, str | None]] = {
    "suppliers": (f"id = {PORTAL_SUPPLIER}", None),
    "customers": (None, f"id = {PORTAL_CUSTOMER}"),
    "purchase_orders": (f"supplier_id = {PORTAL_SUPPLIER}", None),
    "purchase_order_lines": (
        _child("purchase_orders", "purchase_order_id", "purchase_order_lines"),
        None,
    ),
    "sales_orders": (None, f"customer_id = {PORTAL_CUSTOMER}"),
    "sales_order_lines": (None, _child("sales_orders", "sales_order_id", "sales_order_lines")),
    "shipments": (None, f"customer_id = {PORTAL_CUSTOMER}"),
    "shipment_packages": (None, _child("shipments", "shipment_id", "shipment_packages")),
    "shipment_lines": (None, _child("shipments", "shipment_id", "shipment_lines")),
    "shipment_receipts": (None, _child("shipments", "shipment_id", "shipment_receipts")),
    "invoices": (None, f"customer_id = {PORTAL_CUSTOMER}"),
    "invoice_lines": (None, _child("invoices", "invoice_id", "invoice_lines")),
    "work_orders": (None, None),
    "inventory_levels": (None, None),
    "inventory_moves": (None, None),
    "users": (None, None),
}


def upgrade() -> None:
    for table, (supplier, customer) in RESTRICTIONS.items():
        enable_portal_restriction(op, table, supplier=supplier, customer=customer)
    op.create_index(
        "ix_purchase_orders_supplier_date",
        "purchase_orders",
        ["org_id", "supplier_id", "order_date", "number"],
    )


def downgrade() -> None:
    op.drop_index("ix_purchase_orders_supplier_date", table_name="purchase_orders")
    for table in RESTRICTIONS:
        disable_portal_restriction(op, table)
