"""The SQL store's shipments, receiving advices and invoices."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from monopilot_integrations.core.db.base import new_id
from monopilot_integrations.core.domain.base import Page
from monopilot_integrations.core.domain.invoices import Invoice, InvoiceSyncStatus
from monopilot_integrations.core.domain.port import DEFAULT_LIMIT
from monopilot_integrations.core.domain.shipments import (
    NewShipment,
    NewShipmentReceipt,
    Shipment,
    ShipmentReceipt,
    ShipmentStatus,
)
from monopilot_integrations.domain.store_base import StoreBase, invalid, not_found
from monopilot_integrations.domain.tables import (
    CustomerRow,
    InvoiceLineRow,
    InvoiceRow,
    ProductRow,
    SalesOrderRow,
    ShipmentLineRow,
    ShipmentPackageRow,
    ShipmentReceiptRow,
    ShipmentRow,
)

#: Shipments only move forward.
_SHIPMENT_ORDER: dict[str, int] = {"planned": 0, "dispatched": 1, "delivered": 2}


def _line_options(org_id: uuid.UUID, lines: Any) -> list[LoaderOption]:
    """Each line with its product and its package, loaded through ``lines``."""
    product = ShipmentLineRow.product.and_(ProductRow.org_id == org_id)
    package = ShipmentLineRow.package.and_(ShipmentPackageRow.org_id == org_id)
    return [lines.selectinload(product), lines.selectinload(package)]


def _shipment_options(org_id: uuid.UUID) -> list[LoaderOption]:
    lines = ShipmentRow.lines.and_(ShipmentLineRow.org_id == org_id)
    packages = ShipmentRow.package_rows.and_(ShipmentPackageRow.org_id == org_id)
    return [
        *_line_options(org_id, selectinload(lines)),
        selectinload(packages),
        selectinload(ShipmentRow.customer.and_(CustomerRow.org_id == org_id)),
        selectinload(ShipmentRow.sales_order.and_(SalesOrderRow.org_id == org_id)),
    ]


def _invoice_options(org_id: uuid.UUID) -> list[LoaderOption]:
    lines = InvoiceRow.lines.and_(InvoiceLineRow.org_id == org_id)
    return [
        selectinload(lines).selectinload(InvoiceLineRow.product.and_(ProductRow.org_id == org_id)),
        selectinload(InvoiceRow.customer.and_(CustomerRow.org_id == org_id)),
    ]


class ShippingStore(StoreBase):
    # --- shipments -----------------------------------------------------------------------

    def _shipment_select(self, org_id: uuid.UUID) -> Select[ShipmentRow]:
        return (
            select(ShipmentRow)
            .where(ShipmentRow.org_id == org_id)
            .options(*_shipment_options(org_id))
            .execution_options(populate_existing=True)
        )

    async def _shipment(
        self, s: AsyncSession, org_id: uuid.UUID, where: ColumnElement[bool]
    ) -> ShipmentRow | None:
        return await s.scalar(self._shipment_select(org_id).where(where))

    async def list_shipments(
        self,
        org_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None = None,
        sales_order_id: uuid.UUID | None = None,
        status: ShipmentStatus | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[Shipment]:
        stmt = select(ShipmentRow).where(ShipmentRow.org_id == org_id)
        if customer_id is not None:
            stmt = stmt.where(ShipmentRow.customer_id == customer_id)
        if sales_order_id is not None:
            stmt = stmt.where(ShipmentRow.sales_order_id == sales_order_id)
        if status is not None:
            stmt = stmt.where(ShipmentRow.status == status)
        stmt = stmt.order_by(ShipmentRow.created_at.desc(), ShipmentRow.number.desc())
        async with self._use(org_id, session) as s:
            return await self._page(
                s, stmt, Shipment, limit=limit, offset=offset, options=_shipment_options(org_id)
            )

    async def get_shipment(
        self, org_id: uuid.UUID, shipment_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Shipment | None:
        async with self._use(org_id, session) as s:
            row = await self._shipment(s, org_id, ShipmentRow.id == shipment_id)
            return Shipment.model_validate(row) if row is not None else None

    async def find_shipment_by_number(
        self, org_id: uuid.UUID, number: str, *, session: AsyncSession | None = None
    ) -> Shipment | None:
        async with self._use(org_id, session) as s:
            row = await self._shipment(s, org_id, ShipmentRow.number == number)
            return Shipment.model_validate(row) if row is not None else None

    async def create_shipment(
        self, org_id: uuid.UUID, data: NewShipment, *, session: AsyncSession | None = None
    ) -> Shipment:
        async with self._use(org_id, session) as s:
            order = await s.scalar(
                select(SalesOrderRow).where(
                    SalesOrderRow.org_id == org_id, SalesOrderRow.id == data.sales_order_id
                )
            )
            if order is None:
                raise not_found("sales order", data.sales_order_id)
            if order.customer_id is None:
                raise invalid("sales_order_id", f"sales order {order.number} has no customer")
            taken = await s.scalar(
                select(ShipmentRow.id).where(
                    ShipmentRow.org_id == org_id, ShipmentRow.number == data.number
                )
            )
            if taken is not None:
                raise invalid("number", f"shipment number {data.number!r} is already used")
            wanted = {line.product_id for p in data.packages for line in p.lines}
            known = set(
                await s.scalars(
                    select(ProductRow.id).where(
                        ProductRow.org_id == org_id, ProductRow.id.in_(wanted)
                    )
                )
            )
            for product_id in sorted(wanted - known, key=str):
                raise invalid("packages", f"no product {product_id} in this organisation")
            await self._check_ssccs(s, org_id, data)
            now = self.clock.now()
            shipment_id = new_id()
            packages: list[ShipmentPackageRow] = []
            lines: list[ShipmentLineRow] = []
            for package_no, package in enumerate(data.packages, start=1):
                packed = ShipmentPackageRow(
                    id=new_id(),
                    org_id=org_id,
                    shipment_id=shipment_id,
                    package_no=package_no,
                    sscc=package.sscc,
                    package_type=package.package_type,
                    gross_weight=package.gross_weight,
                    created_at=now,
                )
                packages.append(packed)
                lines += [
                    ShipmentLineRow(
                        org_id=org_id,
                        line_no=len(lines) + i,
                        package=packed,
                        **line.model_dump(),
                    )
                    for i, line in enumerate(package.lines, start=1)
                ]
            row = ShipmentRow(
                id=shipment_id,
                org_id=org_id,
                number=data.number,
                sales_order_id=order.id,
                customer_id=order.customer_id,
                status="planned",
                carrier=data.carrier,
                created_at=now,
                updated_at=now,
                lines=lines,
                package_rows=packages,
            )
            s.add(row)
            await s.flush()
            created = await self._shipment(s, org_id, ShipmentRow.id == row.id)
            return Shipment.model_validate(created)

    async def update_shipment_status(
        self,
        org_id: uuid.UUID,
        shipment_id: uuid.UUID,
        status: ShipmentStatus,
        *,
        at: datetime | None = None,
        carrier: str | None = None,
        tracking_number: str | None = None,
        tracking_url: str | None = None,
        session: AsyncSession | None = None,
    ) -> Shipment:
        async with self._use(org_id, session) as s:
            row = await self._shipment(s, org_id, ShipmentRow.id == shipment_id)
            if row is None:
                raise not_found("shipment", shipment_id)
            self._advance(row, status, at or self.clock.now())
            if carrier is not None:
                row.carrier = carrier
            if tracking_number is not None:
                row.tracking_number = tracking_number
            if tracking_url is not None:
                row.tracking_url = tracking_url
            row.updated_at = self.clock.now()
            await s.flush()
            return Shipment.model_validate(row)

    async def _check_ssccs(self, s: AsyncSession, org_id: uuid.UUID, data: NewShipment) -> None:
        """An SSCC names one package of the organisation: refuse one listed twice or taken."""
        ssccs: list[str] = []
        for p, package in enumerate(data.packages):
            if package.sscc is None:
                continue
            if package.sscc in ssccs:
                raise invalid(f"packages[{p}].sscc", f"SSCC {package.sscc} is listed twice")
            ssccs.append(package.sscc)
        taken = set(
            await s.scalars(
                select(ShipmentPackageRow.sscc).where(
                    ShipmentPackageRow.org_id == org_id, ShipmentPackageRow.sscc.in_(ssccs)
                )
            )
        )
        for p, package in enumerate(data.packages):
            if package.sscc in taken:
                raise invalid(
                    f"packages[{p}].sscc", f"SSCC {package.sscc} is already on another package"
                )

    def _advance(self, row: ShipmentRow, status: str, at: datetime) -> None:
        if _SHIPMENT_ORDER[status] < _SHIPMENT_ORDER[row.status]:
            raise invalid("status", f"a {row.status} shipment cannot go back to {status}")
        if status in ("dispatched", "delivered") and row.dispatched_at is None:
            row.dispatched_at = at
        if status == "delivered" and row.delivered_at is None:
            row.delivered_at = at
        row.status = status

    async def record_shipment_receipt(
        self,
        org_id: uuid.UUID,
        receipt: NewShipmentReceipt,
        *,
        session: AsyncSession | None = None,
    ) -> ShipmentReceipt:
        async with self._use(org_id, session) as s:
            shipment = await self._shipment(s, org_id, ShipmentRow.id == receipt.shipment_id)
            if shipment is None:
                raise not_found("shipment", receipt.shipment_id)
            now = self.clock.now()
            row = ShipmentReceiptRow(
                org_id=org_id,
                shipment_id=shipment.id,
                sales_order_id=shipment.sales_order_id,
                received_at=receipt.received_at,
                reference=receipt.reference,
                lines=[line.model_dump(mode="json") for line in receipt.lines],
                created_at=now,
            )
            s.add(row)
            # The customer says the goods arrived: whatever we knew, they are delivered.
            self._advance(shipment, "delivered", receipt.received_at)
            shipment.updated_at = now
            await s.flush()
            return ShipmentReceipt.model_validate(row)

    # --- invoices ------------------------------------------------------------------------

    def _invoice_select(self, org_id: uuid.UUID) -> Select[InvoiceRow]:
        return (
            select(InvoiceRow)
            .where(InvoiceRow.org_id == org_id)
            .options(*_invoice_options(org_id))
            .execution_options(populate_existing=True)
        )

    async def get_invoice(
        self, org_id: uuid.UUID, invoice_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Invoice | None:
        async with self._use(org_id, session) as s:
            row = await s.scalar(self._invoice_select(org_id).where(InvoiceRow.id == invoice_id))
            return Invoice.model_validate(row) if row is not None else None

    async def list_invoices(
        self,
        org_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None = None,
        sync_status: InvoiceSyncStatus | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[Invoice]:
        stmt = select(InvoiceRow).where(InvoiceRow.org_id == org_id)
        if customer_id is not None:
            stmt = stmt.where(InvoiceRow.customer_id == customer_id)
        if sync_status is not None:
            stmt = stmt.where(InvoiceRow.sync_status == sync_status)
        stmt = stmt.order_by(InvoiceRow.issue_date.desc(), InvoiceRow.number.desc())
        async with self._use(org_id, session) as s:
            return await self._page(
                s, stmt, Invoice, limit=limit, offset=offset, options=_invoice_options(org_id)
            )

    async def set_invoice_sync_status(
        self,
        org_id: uuid.UUID,
        invoice_id: uuid.UUID,
        status: InvoiceSyncStatus,
        *,
        error: str | None = None,
        external_id: str | None = None,
        session: AsyncSession | None = None,
    ) -> Invoice:
        async with self._use(org_id, session) as s:
            row = await s.scalar(self._invoice_select(org_id).where(InvoiceRow.id == invoice_id))
            if row is None:
                raise not_found("invoice", invoice_id)
            now = self.clock.now()
            row.sync_status = status
            # An error message belongs to the error state only; success clears it.
            row.sync_error = error if status == "error" else None
            if external_id is not None:
                row.external_id = external_id
            if status == "synced":
                row.synced_at = now
            row.updated_at = now
            await s.flush()
            return Invoice.model_validate(row)
