"""The reference domain's tables: a minimal copy of MonoPilot's own, so the server runs
standalone and the tests are real.

MonoPilot owns the real tables; these carry only what the integrations read and write.
Design choices, each for a reason:

* Every table but ``organizations`` is a tenant table (``org_id`` from :class:`TenantMixin`,
  with a foreign key to ``organizations``). Natural codes are unique per organisation.
* References between tenant tables are **composite** foreign keys ``(org_id, x_id)`` onto
  ``(org_id, id)``: the database itself refuses a purchase order of one organisation that
  points at another's supplier. (A plain foreign key would not: PostgreSQL checks foreign
  keys without row-level security.)
* Many-to-one relationships are view-only and every relationship is ``lazy="raise"``: the
  store sets ids itself, and a forgotten eager load fails at once instead of emitting I/O
  from an attribute access, which async SQLAlchemy cannot do.
* Statuses are checked by the database too, with the values of the records in
  :mod:`monopilot_integrations.core.domain.records`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base, TenantMixin, new_id
from monopilot_integrations.core.domain.inventory import InventoryMoveReason
from monopilot_integrations.core.domain.invoices import InvoiceKind, InvoiceSyncStatus
from monopilot_integrations.core.domain.orders import (
    PurchaseOrderStatus,
    SalesOrderSource,
    SalesOrderStatus,
)
from monopilot_integrations.core.domain.production import WorkOrderStatus
from monopilot_integrations.domain.table_parts import AMOUNT
from monopilot_integrations.domain.table_parts import ProductLine as _ProductLine
from monopilot_integrations.domain.table_parts import lines as _lines
from monopilot_integrations.domain.table_parts import now as _now
from monopilot_integrations.domain.table_parts import one_of as _one_of
from monopilot_integrations.domain.table_parts import org_fk as _org_fk
from monopilot_integrations.domain.table_parts import referable as _referable
from monopilot_integrations.domain.table_parts import tenant_fk as _tenant_fk
from monopilot_integrations.domain.table_parts import view as _view


class OrganizationRow(Base):
    """Not a tenant table: row-level security on it keys on ``id``."""

    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    gln: Mapped[str | None] = mapped_column(String(13))
    tax_id: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    created_at: Mapped[datetime] = mapped_column(default=_now)


class UserRow(TenantMixin, Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(50), default="user")
    # Sign-in to the integrations dashboard (domain_0005_user_sign_in): an argon2id hash,
    # never the password; ``status`` 'active' or 'suspended'.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    last_login_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (_org_fk("users"), UniqueConstraint("org_id", "email", name="uq_users_email"))


class _PartyColumns:
    """Columns shared by suppliers and customers."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    gln: Mapped[str | None] = mapped_column(String(13))
    tax_id: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(50))
    address_line: Mapped[str | None] = mapped_column(String(255))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))


class SupplierRow(_PartyColumns, TenantMixin, Base):
    __tablename__ = "suppliers"

    __table_args__ = (
        _org_fk("suppliers"),
        _referable("suppliers"),
        UniqueConstraint("org_id", "code", name="uq_suppliers_code"),
        Index("ix_suppliers_gln", "org_id", "gln"),
    )


class CustomerRow(_PartyColumns, TenantMixin, Base):
    __tablename__ = "customers"

    __table_args__ = (
        _org_fk("customers"),
        _referable("customers"),
        UniqueConstraint("org_id", "code", name="uq_customers_code"),
        Index("ix_customers_gln", "org_id", "gln"),
        Index("ix_customers_tax_id", "org_id", "tax_id"),
    )


class ProductRow(TenantMixin, Base):
    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64))
    gtin: Mapped[str | None] = mapped_column(String(14))
    name: Mapped[str] = mapped_column(String(255))
    unit: Mapped[str] = mapped_column(String(16))
    price: Mapped[Decimal] = mapped_column(AMOUNT)
    currency: Mapped[str] = mapped_column(String(3))
    vat_rate: Mapped[Decimal] = mapped_column(AMOUNT)
    reorder_level: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now)

    __table_args__ = (
        _org_fk("products"),
        _referable("products"),
        UniqueConstraint("org_id", "code", name="uq_products_code"),
        Index("ix_products_gtin", "org_id", "gtin"),
        Index("ix_products_updated", "org_id", "updated_at"),
    )


class PurchaseOrderRow(TenantMixin, Base):
    __tablename__ = "purchase_orders"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(64))
    supplier_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="draft")
    order_date: Mapped[date] = mapped_column(Date)
    expected_delivery_date: Mapped[date | None] = mapped_column(Date)
    confirmed_delivery_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now)

    lines: Mapped[list[PurchaseOrderLineRow]] = _lines(
        "PurchaseOrderRow", "PurchaseOrderLineRow", "purchase_order_id"
    )

    __table_args__ = (
        _org_fk("purchase_orders"),
        _referable("purchase_orders"),
        _tenant_fk("purchase_orders", "supplier_id", "suppliers"),
        UniqueConstraint("org_id", "number", name="uq_purchase_orders_number"),
        _one_of(PurchaseOrderStatus),
        Index("ix_purchase_orders_supplier", "org_id", "supplier_id", "status"),
        # A supplier's orders by order date: the supplier portal's list (domain_0004).
        Index("ix_purchase_orders_supplier_date", "org_id", "supplier_id", "order_date", "number"),
        Index("ix_purchase_orders_status", "org_id", "status"),
    )


class PurchaseOrderLineRow(_ProductLine, TenantMixin, Base):
    __tablename__ = "purchase_order_lines"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    purchase_order_id: Mapped[uuid.UUID] = mapped_column()
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID] = mapped_column()
    qty: Mapped[Decimal] = mapped_column(AMOUNT)
    unit_price: Mapped[Decimal] = mapped_column(AMOUNT)
    qty_confirmed: Mapped[Decimal | None] = mapped_column(AMOUNT)
    qty_received: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))

    product: Mapped[ProductRow] = _view(
        "ProductRow", "foreign(PurchaseOrderLineRow.product_id) == ProductRow.id"
    )

    __table_args__ = (
        _org_fk("purchase_order_lines"),
        _tenant_fk(
            "purchase_order_lines", "purchase_order_id", "purchase_orders", ondelete="CASCADE"
        ),
        _tenant_fk("purchase_order_lines", "product_id", "products"),
        UniqueConstraint(
            "org_id", "purchase_order_id", "line_no", name="uq_purchase_order_lines_line_no"
        ),
    )


class SalesOrderRow(TenantMixin, Base):
    __tablename__ = "sales_orders"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    order_date: Mapped[date] = mapped_column(Date)
    requested_delivery_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(20), default="api")
    external_reference: Mapped[str | None] = mapped_column(String(64))
    delivery_party_gln: Mapped[str | None] = mapped_column(String(13))
    #: The invoicee's GLN (ORDERS NAD+IV), for INVOIC NAD+IV.
    invoicee_gln: Mapped[str | None] = mapped_column(String(13))
    review_errors: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now)

    lines: Mapped[list[SalesOrderLineRow]] = _lines(
        "SalesOrderRow", "SalesOrderLineRow", "sales_order_id"
    )

    __table_args__ = (
        _org_fk("sales_orders"),
        _referable("sales_orders"),
        _tenant_fk("sales_orders", "customer_id", "customers"),
        UniqueConstraint("org_id", "number", name="uq_sales_orders_number"),
        _one_of(SalesOrderStatus),
        _one_of(SalesOrderSource, "source"),
        Index("ix_sales_orders_reference", "org_id", "customer_id", "external_reference"),
        Index("ix_sales_orders_status", "org_id", "status"),
    )


class SalesOrderLineRow(TenantMixin, Base):
    """Keeps the partner's product code, GTIN and text even when ``product_id`` is known."""

    __tablename__ = "sales_order_lines"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sales_order_id: Mapped[uuid.UUID] = mapped_column()
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    product_code: Mapped[str | None] = mapped_column(String(64))
    gtin: Mapped[str | None] = mapped_column(String(14))
    description: Mapped[str | None] = mapped_column(String(255))
    qty: Mapped[Decimal] = mapped_column(AMOUNT)
    unit_price: Mapped[Decimal | None] = mapped_column(AMOUNT)

    __table_args__ = (
        _org_fk("sales_order_lines"),
        _tenant_fk("sales_order_lines", "sales_order_id", "sales_orders", ondelete="CASCADE"),
        _tenant_fk("sales_order_lines", "product_id", "products"),
        UniqueConstraint(
            "org_id", "sales_order_id", "line_no", name="uq_sales_order_lines_line_no"
        ),
    )


class WorkOrderRow(_ProductLine, TenantMixin, Base):
    __tablename__ = "work_orders"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[uuid.UUID] = mapped_column()
    qty_planned: Mapped[Decimal] = mapped_column(AMOUNT)
    qty_completed: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now)

    product: Mapped[ProductRow] = _view(
        "ProductRow", "foreign(WorkOrderRow.product_id) == ProductRow.id"
    )

    __table_args__ = (
        _org_fk("work_orders"),
        _tenant_fk("work_orders", "product_id", "products"),
        UniqueConstraint("org_id", "number", name="uq_work_orders_number"),
        _one_of(WorkOrderStatus),
        Index("ix_work_orders_status", "org_id", "status"),
    )


class InventoryLevelRow(_ProductLine, TenantMixin, Base):
    """Stock of one product at one location; never negative (the database checks too)."""

    __tablename__ = "inventory_levels"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column()
    location: Mapped[str] = mapped_column(String(64))
    qty: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    updated_at: Mapped[datetime] = mapped_column(default=_now)

    product: Mapped[ProductRow] = _view(
        "ProductRow", "foreign(InventoryLevelRow.product_id) == ProductRow.id"
    )

    __table_args__ = (
        _org_fk("inventory_levels"),
        _tenant_fk("inventory_levels", "product_id", "products"),
        UniqueConstraint("org_id", "product_id", "location", name="uq_inventory_levels_location"),
        CheckConstraint("qty >= 0", name="qty_not_negative"),
    )


class InventoryMoveRow(TenantMixin, Base):
    """The stock ledger: every change of a level, signed."""

    __tablename__ = "inventory_moves"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column()
    location: Mapped[str] = mapped_column(String(64))
    qty: Mapped[Decimal] = mapped_column(AMOUNT)
    reason: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=_now)

    __table_args__ = (
        _org_fk("inventory_moves"),
        _tenant_fk("inventory_moves", "product_id", "products"),
        _one_of(InventoryMoveReason, "reason"),
        Index("ix_inventory_moves_product", "org_id", "product_id", "created_at"),
    )


class InvoiceRow(TenantMixin, Base):
    __tablename__ = "invoices"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[uuid.UUID] = mapped_column()
    sales_order_id: Mapped[uuid.UUID | None] = mapped_column()
    shipment_id: Mapped[uuid.UUID | None] = mapped_column()
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    net_total: Mapped[Decimal] = mapped_column(AMOUNT)
    vat_total: Mapped[Decimal] = mapped_column(AMOUNT)
    gross_total: Mapped[Decimal] = mapped_column(AMOUNT)
    sync_status: Mapped[str] = mapped_column(String(20), default="not_synced")
    sync_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(100))
    synced_at: Mapped[datetime | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20), default="invoice")
    corrects_invoice_id: Mapped[uuid.UUID | None] = mapped_column()
    # The corrected invoice's number, kept with the correction (it never changes).
    corrects_number: Mapped[str | None] = mapped_column(String(64))
    correction_reason: Mapped[str | None] = mapped_column(String(255))
    sale_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now)

    customer: Mapped[CustomerRow] = _view(
        "CustomerRow", "foreign(InvoiceRow.customer_id) == CustomerRow.id"
    )
    lines: Mapped[list[InvoiceLineRow]] = _lines("InvoiceRow", "InvoiceLineRow", "invoice_id")

    __table_args__ = (
        _org_fk("invoices"),
        _referable("invoices"),
        _tenant_fk("invoices", "customer_id", "customers"),
        _tenant_fk("invoices", "sales_order_id", "sales_orders"),
        _tenant_fk("invoices", "shipment_id", "shipments"),
        _tenant_fk("invoices", "corrects_invoice_id", "invoices"),
        UniqueConstraint("org_id", "number", name="uq_invoices_number"),
        _one_of(InvoiceSyncStatus, "sync_status"),
        _one_of(InvoiceKind, "kind"),
        Index("ix_invoices_customer", "org_id", "customer_id"),
        Index("ix_invoices_sync_status", "org_id", "sync_status"),
    )


class InvoiceLineRow(_ProductLine, TenantMixin, Base):
    __tablename__ = "invoice_lines"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    invoice_id: Mapped[uuid.UUID] = mapped_column()
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    description: Mapped[str] = mapped_column(String(255))
    qty: Mapped[Decimal] = mapped_column(AMOUNT)
    unit: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[Decimal] = mapped_column(AMOUNT)
    vat_rate: Mapped[Decimal] = mapped_column(AMOUNT)
    vat_exemption: Mapped[str | None] = mapped_column(String(2))
    net_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    vat_amount: Mapped[Decimal] = mapped_column(AMOUNT)

    product: Mapped[ProductRow | None] = _view(
        "ProductRow", "foreign(InvoiceLineRow.product_id) == ProductRow.id"
    )

    __table_args__ = (
        _org_fk("invoice_lines"),
        _tenant_fk("invoice_lines", "invoice_id", "invoices", ondelete="CASCADE"),
        _tenant_fk("invoice_lines", "product_id", "products"),
        UniqueConstraint("org_id", "invoice_id", "line_no", name="uq_invoice_lines_line_no"),
    )


# The shipment tables live in their own module; importing them here registers them with
# the metadata whenever the reference tables are (migrations, tests, the SQL store).
from monopilot_integrations.domain.shipment_tables import (  # noqa: E402
    ShipmentLineRow,
    ShipmentPackageRow,
    ShipmentReceiptRow,
    ShipmentRow,
)

__all__ = ["ShipmentLineRow", "ShipmentPackageRow", "ShipmentReceiptRow", "ShipmentRow"]
