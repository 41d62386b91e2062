"""domain: the reference MonoPilot tables

Revision ID: domain_0001
Revises:
Create Date: 2026-12-07

Organisations, users, suppliers, customers, products, orders, work orders, inventory,
shipments and invoices: the minimal copy of MonoPilot's tables behind the reference store,
every tenant table under row-level security on PostgreSQL (``organizations`` keyed on its
``id``). Until this distribution was split out, core's first revision created them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from monopilot_integrations.core.db.tenancy import (
    disable_tenant_isolation,
    enable_tenant_isolation,
)
from monopilot_integrations.core.db.types import UTCDateTime

revision = 'domain_0001'
down_revision = None
branch_labels = ('domain',)
# The branch builds on core's schema (the tenant role that row-level security names).
depends_on = 'core_0001'

TENANT_TABLES = (
    'customers',
    'inventory_levels',
    'inventory_moves',
    'invoice_lines',
    'invoices',
    'products',
    'purchase_order_lines',
    'purchase_orders',
    'sales_order_lines',
    'sales_orders',
    'shipment_lines',
    'shipment_receipts',
    'shipments',
    'suppliers',
    'users',
    'work_orders',
)


def upgrade() -> None:
    op.create_table('organizations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('gln', sa.String(length=13), nullable=True),
    sa.Column('tax_id', sa.String(length=32), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('code', name=op.f('uq_organizations_code'))
    )
    op.create_table('customers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('gln', sa.String(length=13), nullable=True),
    sa.Column('tax_id', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('address_line', sa.String(length=255), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_customers_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('org_id', 'code', name='uq_customers_code'),
    sa.UniqueConstraint('org_id', 'id', name='uq_customers_org_id_id')
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_gln', ['org_id', 'gln'], unique=False)
        batch_op.create_index('ix_customers_tax_id', ['org_id', 'tax_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('price', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('reorder_level', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_products_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('org_id', 'code', name='uq_products_code'),
    sa.UniqueConstraint('org_id', 'id', name='uq_products_org_id_id')
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_gtin', ['org_id', 'gtin'], unique=False)
        batch_op.create_index('ix_products_updated', ['org_id', 'updated_at'], unique=False)

    op.create_table('suppliers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('gln', sa.String(length=13), nullable=True),
    sa.Column('tax_id', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('address_line', sa.String(length=255), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_suppliers_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers')),
    sa.UniqueConstraint('org_id', 'code', name='uq_suppliers_code'),
    sa.UniqueConstraint('org_id', 'id', name='uq_suppliers_org_id_id')
    )
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.create_index('ix_suppliers_gln', ['org_id', 'gln'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=50), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_users_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('org_id', 'email', name='uq_users_email')
    )
    op.create_table('inventory_levels',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('location', sa.String(length=64), nullable=False),
    sa.Column('qty', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint('qty >= 0', name=op.f('ck_inventory_levels_qty_not_negative')),
    sa.ForeignKeyConstraint(['org_id', 'product_id'], ['products.org_id', 'products.id'], name='fk_inventory_levels_product_id'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_inventory_levels_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_levels')),
    sa.UniqueConstraint('org_id', 'product_id', 'location', name='uq_inventory_levels_location')
    )
    op.create_table('inventory_moves',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('location', sa.String(length=64), nullable=False),
    sa.Column('qty', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=255), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("reason IN ('receipt', 'consumption', 'adjustment', 'shipment', 'production')", name=op.f('ck_inventory_moves_reason')),
    sa.ForeignKeyConstraint(['org_id', 'product_id'], ['products.org_id', 'products.id'], name='fk_inventory_moves_product_id'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_inventory_moves_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_moves'))
    )
    with op.batch_alter_table('inventory_moves', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_moves_product', ['org_id', 'product_id', 'created_at'], unique=False)

    op.create_table('purchase_orders',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('supplier_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('order_date', sa.Date(), nullable=False),
    sa.Column('expected_delivery_date', sa.Date(), nullable=True),
    sa.Column('confirmed_delivery_date', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'sent', 'confirmed', 'partially_received', 'received', 'cancelled')", name=op.f('ck_purchase_orders_status')),
    sa.ForeignKeyConstraint(['org_id', 'supplier_id'], ['suppliers.org_id', 'suppliers.id'], name='fk_purchase_orders_supplier_id'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_purchase_orders_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('org_id', 'id', name='uq_purchase_orders_org_id_id'),
    sa.UniqueConstraint('org_id', 'number', name='uq_purchase_orders_number')
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_orders_status', ['org_id', 'status'], unique=False)
        batch_op.create_index('ix_purchase_orders_supplier', ['org_id', 'supplier_id', 'status'], unique=False)

    op.create_table('sales_orders',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('order_date', sa.Date(), nullable=False),
    sa.Column('requested_delivery_date', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('external_reference', sa.String(length=64), nullable=True),
    sa.Column('delivery_party_gln', sa.String(length=13), nullable=True),
    sa.Column('review_errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("source IN ('api', 'edi', 'portal', 'manual')", name=op.f('ck_sales_orders_source')),
    sa.CheckConstraint("status IN ('draft', 'confirmed', 'pending_review', 'in_production', 'shipped', 'cancelled')", name=op.f('ck_sales_orders_status')),
    sa.ForeignKeyConstraint(['org_id', 'customer_id'], ['customers.org_id', 'customers.id'], name='fk_sales_orders_customer_id'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_sales_orders_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_orders')),
    sa.UniqueConstraint('org_id', 'id', name='uq_sales_orders_org_id_id'),
    sa.UniqueConstraint('org_id', 'number', name='uq_sales_orders_number')
    )
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.create_index('ix_sales_orders_reference', ['org_id', 'customer_id', 'external_reference'], unique=False)
        batch_op.create_index('ix_sales_orders_status', ['org_id', 'status'], unique=False)

    op.create_table('work_orders',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('qty_planned', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('qty_completed', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', UTCDateTime(), nullable=True),
    sa.Column('completed_at', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'completed', 'cancelled')", name=op.f('ck_work_orders_status')),
    sa.ForeignKeyConstraint(['org_id', 'product_id'], ['products.org_id', 'products.id'], name='fk_work_orders_product_id'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_work_orders_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('org_id', 'number', name='uq_work_orders_number')
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_work_orders_status', ['org_id', 'status'], unique=False)

    op.create_table('purchase_order_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('purchase_order_id', sa.Uuid(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('qty_confirmed', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('qty_received', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'product_id'], ['products.org_id', 'products.id'], name='fk_purchase_order_lines_product_id'),
    sa.ForeignKeyConstraint(['org_id', 'purchase_order_id'], ['purchase_orders.org_id', 'purchase_orders.id'], name='fk_purchase_order_lines_purchase_order_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_purchase_order_lines_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines')),
    sa.UniqueConstraint('org_id', 'purchase_order_id', 'line_no', name='uq_purchase_order_lines_line_no')
    )
    op.create_table('sales_order_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sales_order_id', sa.Uuid(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=True),
    sa.Column('product_code', sa.String(length=64), nullable=True),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('qty', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'product_id'], ['products.org_id', 'products.id'], name='fk_sales_order_lines_product_id'),
    sa.ForeignKeyConstraint(['org_id', 'sales_order_id'], ['sales_orders.org_id', 'sales_orders.id'], name='fk_sales_order_lines_sales_order_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_sales_order_lines_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_order_lines')),
    sa.UniqueConstraint('org_id', 'sales_order_id', 'line_no', name='uq_sales_order_lines_line_no')
    )
    op.create_table('shipments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('sales_order_id', sa.Uuid(), nullable=True),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('carrier', sa.String(length=100), nullable=True),
    sa.Column('tracking_number', sa.String(length=100), nullable=True),
    sa.Column('tracking_url', sa.String(length=500), nullable=True),
    sa.Column('dispatched_at', UTCDateTime(), nullable=True),
    sa.Column('delivered_at', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'dispatched', 'delivered')", name=op.f('ck_shipments_status')),
    sa.ForeignKeyConstraint(['org_id', 'customer_id'], ['customers.org_id', 'customers.id'], name='fk_shipments_customer_id'),
    sa.ForeignKeyConstraint(['org_id', 'sales_order_id'], ['sales_orders.org_id', 'sales_orders.id'], name='fk_shipments_sales_order_id'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_shipments_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments')),
    sa.UniqueConstraint('org_id', 'id', name='uq_shipments_org_id_id'),
    sa.UniqueConstraint('org_id', 'number', name='uq_shipments_number')
    )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index('ix_shipments_customer', ['org_id', 'customer_id', 'status'], unique=False)
        batch_op.create_index('ix_shipments_sales_order', ['org_id', 'sales_order_id'], unique=False)

    op.create_table('invoices',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('sales_order_id', sa.Uuid(), nullable=True),
    sa.Column('shipment_id', sa.Uuid(), nullable=True),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('net_total', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('vat_total', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('gross_total', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('sync_status', sa.String(length=20), nullable=False),
    sa.Column('sync_error', sa.Text(), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('synced_at', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("sync_status IN ('not_synced', 'pending', 'synced', 'error')", name=op.f('ck_invoices_sync_status')),
    sa.ForeignKeyConstraint(['org_id', 'customer_id'], ['customers.org_id', 'customers.id'], name='fk_invoices_customer_id'),
    sa.ForeignKeyConstraint(['org_id', 'sales_order_id'], ['sales_orders.org_id', 'sales_orders.id'], name='fk_invoices_sales_order_id'),
    sa.ForeignKeyConstraint(['org_id', 'shipment_id'], ['shipments.org_id', 'shipments.id'], name='fk_invoices_shipment_id'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_invoices_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('org_id', 'id', name='uq_invoices_org_id_id'),
    sa.UniqueConstraint('org_id', 'number', name='uq_invoices_number')
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_customer', ['org_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_invoices_sync_status', ['org_id', 'sync_status'], unique=False)

    op.create_table('shipment_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('shipment_id', sa.Uuid(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('batch', sa.String(length=64), nullable=True),
    sa.Column('best_before', sa.Date(), nullable=True),
    sa.Column('sscc', sa.String(length=18), nullable=True),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'product_id'], ['products.org_id', 'products.id'], name='fk_shipment_lines_product_id'),
    sa.ForeignKeyConstraint(['org_id', 'shipment_id'], ['shipments.org_id', 'shipments.id'], name='fk_shipment_lines_shipment_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_shipment_lines_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_lines')),
    sa.UniqueConstraint('org_id', 'shipment_id', 'line_no', name='uq_shipment_lines_line_no')
    )
    op.create_table('shipment_receipts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('shipment_id', sa.Uuid(), nullable=False),
    sa.Column('sales_order_id', sa.Uuid(), nullable=True),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('lines', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'sales_order_id'], ['sales_orders.org_id', 'sales_orders.id'], name='fk_shipment_receipts_sales_order_id'),
    sa.ForeignKeyConstraint(['org_id', 'shipment_id'], ['shipments.org_id', 'shipments.id'], name='fk_shipment_receipts_shipment_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_shipment_receipts_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_receipts'))
    )
    with op.batch_alter_table('shipment_receipts', schema=None) as batch_op:
        batch_op.create_index('ix_shipment_receipts_shipment', ['org_id', 'shipment_id'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('invoice_id', sa.Uuid(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('qty', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('net_amount', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('vat_amount', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['org_id', 'invoice_id'], ['invoices.org_id', 'invoices.id'], name='fk_invoice_lines_invoice_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id', 'product_id'], ['products.org_id', 'products.id'], name='fk_invoice_lines_product_id'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name='fk_invoice_lines_org', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines')),
    sa.UniqueConstraint('org_id', 'invoice_id', 'line_no', name='uq_invoice_lines_line_no')
    )
    enable_tenant_isolation(op, 'organizations', column='id')
    for table in TENANT_TABLES:
        enable_tenant_isolation(op, table)


def downgrade() -> None:
    for table in (*TENANT_TABLES, 'organizations'):
        disable_tenant_isolation(op, table)
    op.drop_table('invoice_lines')
    with op.batch_alter_table('shipment_receipts', schema=None) as batch_op:
        batch_op.drop_index('ix_shipment_receipts_shipment')

    op.drop_table('shipment_receipts')
    op.drop_table('shipment_lines')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_sync_status')
        batch_op.drop_index('ix_invoices_customer')

    op.drop_table('invoices')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index('ix_shipments_sales_order')
        batch_op.drop_index('ix_shipments_customer')

    op.drop_table('shipments')
    op.drop_table('sales_order_lines')
    op.drop_table('purchase_order_lines')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_work_orders_status')

    op.drop_table('work_orders')
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_orders_status')
        batch_op.drop_index('ix_sales_orders_reference')

    op.drop_table('sales_orders')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_orders_supplier')
        batch_op.drop_index('ix_purchase_orders_status')

    op.drop_table('purchase_orders')
    with op.batch_alter_table('inventory_moves', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_moves_product')

    op.drop_table('inventory_moves')
    op.drop_table('inventory_levels')
    op.drop_table('users')
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_index('ix_suppliers_gln')

    op.drop_table('suppliers')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_updated')
        batch_op.drop_index('ix_products_gtin')

    op.drop_table('products')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_tax_id')
        batch_op.drop_index('ix_customers_gln')

    op.drop_table('customers')
    op.drop_table('organizations')
