"""The reference domain's shipment tables: shipments, their packages (pallets, each with
its SSCC) and lines, and receipts. Built as :mod:`.tables` describes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from monopilot_integrations.core.db.base import Base, TenantMixin, new_id
from monopilot_integrations.core.domain.shipments import DEFAULT_PACKAGE_TYPE, ShipmentStatus
from monopilot_integrations.domain.table_parts import AMOUNT
from monopilot_integrations.domain.table_parts import ProductLine as _ProductLine
from monopilot_integrations.domain.table_parts import lines as _lines
from monopilot_integrations.domain.table_parts import now as _now
from monopilot_integrations.domain.table_parts import one_of as _one_of
from monopilot_integrations.domain.table_parts import org_fk as _org_fk
from monopilot_integrations.domain.table_parts import referable as _referable
from monopilot_integrations.domain.table_parts import tenant_fk as _tenant_fk
from monopilot_integrations.domain.table_parts import view as _view

if TYPE_CHECKING:
    from monopilot_integrations.domain.tables import CustomerRow, ProductRow, SalesOrderRow


class ShipmentRow(TenantMixin, Base):
    __tablename__ = "shipments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(64))
    sales_order_id: Mapped[uuid.UUID | None] = mapped_column()
    customer_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="planned")
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    dispatched_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now)

    customer: Mapped[CustomerRow] = _view(
        "CustomerRow", "foreign(ShipmentRow.customer_id) == CustomerRow.id"
    )
    sales_order: Mapped[SalesOrderRow | None] = _view(
        "SalesOrderRow", "foreign(ShipmentRow.sales_order_id) == SalesOrderRow.id"
    )
    lines: Mapped[list[ShipmentLineRow]] = _lines("ShipmentRow", "ShipmentLineRow", "shipment_id")
    package_rows: Mapped[list[ShipmentPackageRow]] = relationship(
        "ShipmentPackageRow",
        primaryjoin="ShipmentRow.id == foreign(ShipmentPackageRow.shipment_id)",
        order_by="ShipmentPackageRow.package_no",
        cascade="all, delete-orphan",
        lazy="raise",
    )

    @property
    def packages(self) -> list[dict[str, Any]]:
        """The packages with the lines each carries (``lines`` and ``package_rows`` loaded):
        built here rather than loaded, so a line is loaded once, through ``lines``."""
        return [
            {
                "id": package.id,
                "package_no": package.package_no,
                "sscc": package.sscc,
                "package_type": package.package_type,
                "gross_weight": package.gross_weight,
                "lines": [line for line in self.lines if line.package_id == package.id],
            }
            for package in self.package_rows
        ]

    @property
    def sales_order_number(self) -> str | None:
        return self.sales_order.number if self.sales_order is not None else None

    @property
    def sales_order_reference(self) -> str | None:
        return self.sales_order.external_reference if self.sales_order is not None else None

    __table_args__ = (
        _org_fk("shipments"),
        _referable("shipments"),
        _tenant_fk("shipments", "sales_order_id", "sales_orders"),
        _tenant_fk("shipments", "customer_id", "customers"),
        UniqueConstraint("org_id", "number", name="uq_shipments_number"),
        _one_of(ShipmentStatus),
        Index("ix_shipments_sales_order", "org_id", "sales_order_id"),
        Index("ix_shipments_customer", "org_id", "customer_id", "status"),
    )


class ShipmentPackageRow(TenantMixin, Base):
    """A package of a shipment (a pallet, a carton): its SSCC, its type and the lines it
    carries (a mixed pallet carries several). ``package_no`` orders the packages (DESADV
    writes one CPS per package in that order); an SSCC names one package of the
    organisation. Its lines are the shipment's lines that point at it
    (:attr:`ShipmentRow.packages`)."""

    __tablename__ = "shipment_packages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    shipment_id: Mapped[uuid.UUID] = mapped_column()
    package_no: Mapped[int] = mapped_column(Integer)
    sscc: Mapped[str | None] = mapped_column(String(18))
    #: EANCOM PAC 7065 (``201``: ISO 1 pallet, 80 x 120 cm).
    package_type: Mapped[str] = mapped_column(String(17), default=DEFAULT_PACKAGE_TYPE)
    #: Kilograms, packaging included.
    gross_weight: Mapped[Decimal | None] = mapped_column(AMOUNT)
    created_at: Mapped[datetime] = mapped_column(default=_now)

    __table_args__ = (
        _org_fk("shipment_packages"),
        _tenant_fk("shipment_packages", "shipment_id", "shipments", ondelete="CASCADE"),
        # What a line's (org, shipment, package) points at: a line's package is its shipment's.
        UniqueConstraint("org_id", "shipment_id", "id", name="uq_shipment_packages_shipment_id"),
        UniqueConstraint(
            "org_id", "shipment_id", "package_no", name="uq_shipment_packages_package_no"
        ),
        UniqueConstraint("org_id", "sscc", name="uq_shipment_packages_sscc"),
        CheckConstraint("sscc IS NULL OR length(sscc) = 18", name="sscc_length"),
        CheckConstraint("gross_weight IS NULL OR gross_weight > 0", name="gross_weight_positive"),
    )


class ShipmentLineRow(_ProductLine, TenantMixin, Base):
    """``package_id``: the package that carries the line (none: not packed yet)."""

    __tablename__ = "shipment_lines"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    shipment_id: Mapped[uuid.UUID] = mapped_column()
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID] = mapped_column()
    qty: Mapped[Decimal] = mapped_column(AMOUNT)
    batch: Mapped[str | None] = mapped_column(String(64))
    best_before: Mapped[date | None] = mapped_column(Date)
    package_id: Mapped[uuid.UUID | None] = mapped_column()

    product: Mapped[ProductRow] = _view(
        "ProductRow", "foreign(ShipmentLineRow.product_id) == ProductRow.id"
    )
    # Writable, unlike the other many-to-ones: it tells the unit of work to insert a
    # package before the lines it carries, and to move lines off one before deleting it.
    package: Mapped[ShipmentPackageRow | None] = relationship(
        "ShipmentPackageRow",
        primaryjoin="foreign(ShipmentLineRow.package_id) == ShipmentPackageRow.id",
        lazy="raise",
    )

    @property
    def sscc(self) -> str | None:
        """The SSCC of the package that carries the line."""
        return self.package.sscc if self.package is not None else None

    __table_args__ = (
        _org_fk("shipment_lines"),
        _tenant_fk("shipment_lines", "shipment_id", "shipments", ondelete="CASCADE"),
        _tenant_fk("shipment_lines", "product_id", "products"),
        ForeignKeyConstraint(
            ["org_id", "shipment_id", "package_id"],
            [
                "shipment_packages.org_id",
                "shipment_packages.shipment_id",
                "shipment_packages.id",
            ],
            name="fk_shipment_lines_package_id",
        ),
        Index("ix_shipment_lines_package", "org_id", "package_id"),
        UniqueConstraint("org_id", "shipment_id", "line_no", name="uq_shipment_lines_line_no"),
    )


class ShipmentReceiptRow(TenantMixin, Base):
    """A receiving advice (EDIFACT RECADV): ``lines`` is a JSON list of ``ReceiptLine``
    records (accepted and rejected quantity per product)."""

    __tablename__ = "shipment_receipts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    shipment_id: Mapped[uuid.UUID] = mapped_column()
    sales_order_id: Mapped[uuid.UUID | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column()
    reference: Mapped[str | None] = mapped_column(String(64))
    lines: Mapped[list[Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=_now)

    __table_args__ = (
        _org_fk("shipment_receipts"),
        _tenant_fk("shipment_receipts", "shipment_id", "shipments", ondelete="CASCADE"),
        _tenant_fk("shipment_receipts", "sales_order_id", "sales_orders"),
        Index("ix_shipment_receipts_shipment", "org_id", "shipment_id"),
    )
