"""The SQL store's purchase orders and sales orders."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from monopilot_integrations.core.domain.base import Page
from monopilot_integrations.core.domain.orders import (
    NewPurchaseOrder,
    NewSalesOrder,
    PurchaseOrder,
    PurchaseOrderStatus,
    PurchaseOrderUpdate,
    SalesOrder,
    SalesOrderSource,
    SalesOrderStatus,
)
from monopilot_integrations.core.domain.port import DEFAULT_LIMIT
from monopilot_integrations.domain.store_base import (
    StoreBase,
    invalid,
    not_found,
    quantize,
    raise_if,
)
from monopilot_integrations.domain.tables import (
    CustomerRow,
    ProductRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    SalesOrderLineRow,
    SalesOrderRow,
    SupplierRow,
)

#: A supplier can no longer confirm an order in these states.
_CLOSED_PO = frozenset({"received", "cancelled"})


def _po_options(org_id: uuid.UUID) -> list[LoaderOption]:
    lines = PurchaseOrderRow.lines.and_(PurchaseOrderLineRow.org_id == org_id)
    product = PurchaseOrderLineRow.product.and_(ProductRow.org_id == org_id)
    return [selectinload(lines).selectinload(product)]


def _so_options(org_id: uuid.UUID) -> list[LoaderOption]:
    return [selectinload(SalesOrderRow.lines.and_(SalesOrderLineRow.org_id == org_id))]


class OrdersStore(StoreBase):
    # --- purchase orders -----------------------------------------------------------------

    async def _po(
        self, s: AsyncSession, org_id: uuid.UUID, purchase_order_id: uuid.UUID
    ) -> PurchaseOrderRow | None:
        stmt = (
            select(PurchaseOrderRow)
            .where(PurchaseOrderRow.org_id == org_id, PurchaseOrderRow.id == purchase_order_id)
            .options(*_po_options(org_id))
            .execution_options(populate_existing=True)
        )
        return await s.scalar(stmt)

    async def _po_or_raise(
        self, s: AsyncSession, org_id: uuid.UUID, purchase_order_id: uuid.UUID
    ) -> PurchaseOrderRow:
        row = await self._po(s, org_id, purchase_order_id)
        if row is None:
            raise not_found("purchase order", purchase_order_id)
        return row

    async def list_purchase_orders(
        self,
        org_id: uuid.UUID,
        *,
        supplier_id: uuid.UUID | None = None,
        status: PurchaseOrderStatus | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
        ordered_from: date | None = None,
        ordered_until: date | None = None,
    ) -> Page[PurchaseOrder]:
        stmt = select(PurchaseOrderRow).where(PurchaseOrderRow.org_id == org_id)
        if supplier_id is not None:
            stmt = stmt.where(PurchaseOrderRow.supplier_id == supplier_id)
        if status is not None:
            stmt = stmt.where(PurchaseOrderRow.status == status)
        if ordered_from is not None:
            stmt = stmt.where(PurchaseOrderRow.order_date >= ordered_from)
        if ordered_until is not None:
            stmt = stmt.where(PurchaseOrderRow.order_date <= ordered_until)
        stmt = stmt.order_by(PurchaseOrderRow.order_date.desc(), PurchaseOrderRow.number.desc())
        async with self._use(org_id, session) as s:
            return await self._page(
                s, stmt, PurchaseOrder, limit=limit, offset=offset, options=_po_options(org_id)
            )

    async def get_purchase_order(
        self,
        org_id: uuid.UUID,
        purchase_order_id: uuid.UUID,
        *,
        session: AsyncSession | None = None,
    ) -> PurchaseOrder | None:
        async with self._use(org_id, session) as s:
            row = await self._po(s, org_id, purchase_order_id)
            return PurchaseOrder.model_validate(row) if row is not None else None

    async def create_purchase_order(
        self, org_id: uuid.UUID, data: NewPurchaseOrder, *, session: AsyncSession | None = None
    ) -> PurchaseOrder:
        async with self._use(org_id, session) as s:
            problems: list[dict[str, str]] = []
            if not await self._existing_ids(s, org_id, SupplierRow, [data.supplier_id]):
                problems.append({"path": "supplier_id", "message": "no such supplier"})
            known = await self._existing_ids(
                s, org_id, ProductRow, (line.product_id for line in data.lines)
            )
            problems += [
                {"path": f"lines[{i}].product_id", "message": "no such product"}
                for i, line in enumerate(data.lines)
                if line.product_id not in known
            ]
            problems += await self._number_taken(s, PurchaseOrderRow, org_id, data.number)
            raise_if(problems, "invalid purchase order")
            now = self.clock.now()
            row = PurchaseOrderRow(
                org_id=org_id,
                **data.model_dump(exclude={"lines", "currency"}),
                currency=data.currency or await self._org_currency(s, org_id),
                created_at=now,
                updated_at=now,
                lines=[
                    PurchaseOrderLineRow(
                        org_id=org_id,
                        line_no=line.line_no or i,
                        product_id=line.product_id,
                        qty=line.qty,
                        unit_price=line.unit_price,
                        qty_received=Decimal(0),
                    )
                    for i, line in enumerate(data.lines, start=1)
                ],
            )
            s.add(row)
            await s.flush()
            return PurchaseOrder.model_validate(await self._po_or_raise(s, org_id, row.id))

    async def update_purchase_order(
        self,
        org_id: uuid.UUID,
        purchase_order_id: uuid.UUID,
        changes: PurchaseOrderUpdate,
        *,
        session: AsyncSession | None = None,
    ) -> PurchaseOrder:
        async with self._use(org_id, session) as s:
            row = await self._po_or_raise(s, org_id, purchase_order_id)
            for name, value in changes.changes().items():
                setattr(row, name, value)
            row.updated_at = self.clock.now()
            await s.flush()
            return PurchaseOrder.model_validate(await self._po_or_raise(s, org_id, row.id))

    async def confirm_purchase_order_delivery(
        self,
        org_id: uuid.UUID,
        purchase_order_id: uuid.UUID,
        confirmed_delivery_date: date,
        *,
        line_qty: Mapping[uuid.UUID, Decimal] | None = None,
        session: AsyncSession | None = None,
    ) -> PurchaseOrder:
        async with self._use(org_id, session) as s:
            row = await self._po_or_raise(s, org_id, purchase_order_id)
            if row.status in _CLOSED_PO:
                raise invalid("status", f"a {row.status} purchase order cannot be confirmed")
            lines = {line.id: line for line in row.lines}
            problems = [
                {"path": f"line_qty[{line_id}]", "message": "no such line on this order"}
                for line_id in (line_qty or {})
                if line_id not in lines
            ] + [
                {"path": f"line_qty[{line_id}]", "message": "must not be negative"}
                for line_id, qty in (line_qty or {}).items()
                if qty < 0
            ]
            raise_if(problems, "invalid delivery confirmation")
            for line_id, qty in (line_qty or {}).items():
                lines[line_id].qty_confirmed = quantize(qty)
            row.confirmed_delivery_date = confirmed_delivery_date
            row.status = "confirmed"
            row.updated_at = self.clock.now()
            await s.flush()
            return PurchaseOrder.model_validate(await self._po_or_raise(s, org_id, row.id))

    # --- sales orders --------------------------------------------------------------------

    async def _so(
        self, s: AsyncSession, org_id: uuid.UUID, where: ColumnElement[bool]
    ) -> SalesOrderRow | None:
        stmt = (
            select(SalesOrderRow)
            .where(SalesOrderRow.org_id == org_id, where)
            .options(*_so_options(org_id))
            .order_by(SalesOrderRow.created_at.desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
        return await s.scalar(stmt)

    async def create_sales_order(
        self, org_id: uuid.UUID, data: NewSalesOrder, *, session: AsyncSession | None = None
    ) -> SalesOrder:
        async with self._use(org_id, session) as s:
            problems: list[dict[str, str]] = []
            if data.customer_id is not None and not await self._existing_ids(
                s, org_id, CustomerRow, [data.customer_id]
            ):
                problems.append({"path": "customer_id", "message": "no such customer"})
            product_ids = {line.product_id for line in data.lines if line.product_id}
            products = {
                p.id: p
                for p in await s.scalars(
                    select(ProductRow).where(
                        ProductRow.org_id == org_id, ProductRow.id.in_(product_ids)
                    )
                )
            }
            problems += [
                {"path": f"lines[{i}].product_id", "message": "no such product"}
                for i, line in enumerate(data.lines)
                if line.product_id is not None and line.product_id not in products
            ]
            number = data.number or await self._next_number(s, org_id, data.order_date)
            problems += await self._number_taken(s, SalesOrderRow, org_id, number)
            raise_if(problems, "invalid sales order")
            now = self.clock.now()
            lines = []
            for i, line in enumerate(data.lines, start=1):
                product = products.get(line.product_id) if line.product_id else None
                lines.append(
                    SalesOrderLineRow(
                        org_id=org_id,
                        line_no=line.line_no or i,
                        product_id=line.product_id,
                        # What the partner sent wins; the product fills what it left out.
                        product_code=line.product_code or (product.code if product else None),
                        gtin=line.gtin or (product.gtin if product else None),
                        description=line.description or (product.name if product else None),
                        qty=line.qty,
                        unit_price=line.unit_price,
                    )
                )
            row = SalesOrderRow(
                org_id=org_id,
                **data.model_dump(exclude={"lines", "currency", "number"}),
                number=number,
                currency=data.currency or await self._org_currency(s, org_id),
                created_at=now,
                updated_at=now,
                lines=lines,
            )
            s.add(row)
            await s.flush()
            created = await self._so(s, org_id, SalesOrderRow.id == row.id)
            return SalesOrder.model_validate(created)

    async def get_sales_order(
        self, org_id: uuid.UUID, sales_order_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> SalesOrder | None:
        async with self._use(org_id, session) as s:
            row = await self._so(s, org_id, SalesOrderRow.id == sales_order_id)
            return SalesOrder.model_validate(row) if row is not None else None

    async def find_sales_order_by_external_reference(
        self,
        org_id: uuid.UUID,
        customer_id: uuid.UUID,
        reference: str,
        *,
        session: AsyncSession | None = None,
    ) -> SalesOrder | None:
        async with self._use(org_id, session) as s:
            where = (SalesOrderRow.customer_id == customer_id) & (
                SalesOrderRow.external_reference == reference
            )
            row = await self._so(s, org_id, where)
            return SalesOrder.model_validate(row) if row is not None else None

    async def list_sales_orders(
        self,
        org_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None = None,
        status: SalesOrderStatus | None = None,
        source: SalesOrderSource | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[SalesOrder]:
        stmt = select(SalesOrderRow).where(SalesOrderRow.org_id == org_id)
        if customer_id is not None:
            stmt = stmt.where(SalesOrderRow.customer_id == customer_id)
        if status is not None:
            stmt = stmt.where(SalesOrderRow.status == status)
        if source is not None:
            stmt = stmt.where(SalesOrderRow.source == source)
        stmt = stmt.order_by(SalesOrderRow.order_date.desc(), SalesOrderRow.number.desc())
        async with self._use(org_id, session) as s:
            return await self._page(
                s, stmt, SalesOrder, limit=limit, offset=offset, options=_so_options(org_id)
            )

    # --- helpers -------------------------------------------------------------------------

    async def _number_taken(
        self, s: AsyncSession, table: Any, org_id: uuid.UUID, number: str
    ) -> list[dict[str, str]]:
        stmt = select(table.id).where(table.org_id == org_id, table.number == number)
        if await s.scalar(stmt) is None:
            return []
        return [{"path": "number", "message": f"number {number!r} is already used"}]

    async def _next_number(self, s: AsyncSession, org_id: uuid.UUID, order_date: date) -> str:
        """``SO-<year>-<n>``, one past the count of this year's numbers (then the next free
        one).

        On PostgreSQL, creators of one organisation take turns here (a transaction-level
        advisory lock, released at commit), so two transactions creating orders at once,
        such as two EDI pollers, cannot pick the same number. SQLite has one writer at a
        time anyway; there the unique constraint is the last line of defence.
        """
        if s.get_bind().dialect.name == "postgresql":
            await s.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"monopilot.sales_order_number:{org_id}"},
            )
        prefix = f"SO-{order_date.year}-"
        count = await s.scalar(
            select(func.count()).where(
                SalesOrderRow.org_id == org_id, SalesOrderRow.number.startswith(prefix)
            )
        )
        n = (count or 0) + 1
        while await self._number_taken(s, SalesOrderRow, org_id, f"{prefix}{n:05d}"):
            n += 1
        return f"{prefix}{n:05d}"
