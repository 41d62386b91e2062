"""The SQL store's bulk reads (:mod:`monopilot_integrations.core.domain.bulk`).

On PostgreSQL a stream is one transaction reading a server-side cursor (asyncpg fetches
``batch_size`` rows at a time): one consistent snapshot, memory bounded by the batch.

On SQLite every transaction of :class:`~monopilot_integrations.core.db.database.Database`
takes this process's turn to write the file, so one long reading transaction would hold up
every other writer (the exporter's own progress updates included) for the whole export.
There the stream reads keyset pages instead, each in a short transaction of its own:
``WHERE (sort key) > (last key seen) ORDER BY sort key LIMIT batch_size``, which the
``(org_id, code)`` unique indexes serve without an OFFSET scan.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, String, func, literal, null, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.domain.bulk import (
    DEFAULT_BATCH,
    MAX_CODES,
    InventoryFilter,
    InventoryValues,
    OrderFilter,
    OrderLineValues,
    ProductFilter,
    ProductValues,
)
from monopilot_integrations.core.domain.products import Product
from monopilot_integrations.domain.store_base import StoreBase, invalid
from monopilot_integrations.domain.tables import (
    CustomerRow,
    InventoryLevelRow,
    ProductRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    SalesOrderLineRow,
    SalesOrderRow,
    SupplierRow,
)

AnySelect = Select[*tuple[Any, ...]]
#: A statement, its sort key columns and where those sit in a row.
Query = tuple[AnySelect, list[Any], list[int]]


def _products(org_id: uuid.UUID, f: ProductFilter) -> Query:
    p = ProductRow
    stmt = select(
        p.code,
        p.gtin,
        p.name,
        p.unit,
        p.price,
        p.currency,
        p.vat_rate,
        p.reorder_level,
        p.active,
        p.created_at,
        p.updated_at,
    ).where(p.org_id == org_id)
    if f.active is not None:
        stmt = stmt.where(p.active.is_(f.active))
    if f.updated_from is not None:
        stmt = stmt.where(p.updated_at >= f.updated_from)
    if f.updated_to is not None:
        stmt = stmt.where(p.updated_at <= f.updated_to)
    return stmt, [p.code], [0]


def _sales_lines(org_id: uuid.UUID, f: OrderFilter) -> Query:
    o, line, c, p = SalesOrderRow, SalesOrderLineRow, CustomerRow, ProductRow
    stmt = (
        select(
            literal("sales", String).label("order_type"),
            o.number,
            o.status,
            o.order_date,
            o.requested_delivery_date,
            c.code,
            c.name,
            o.currency,
            o.external_reference,
            line.line_no,
            func.coalesce(p.code, line.product_code),
            func.coalesce(line.gtin, p.gtin),
            func.coalesce(line.description, p.name),
            line.qty,
            line.unit_price,
        )
        .join(o, (o.org_id == line.org_id) & (o.id == line.sales_order_id))
        .outerjoin(c, (c.org_id == o.org_id) & (c.id == o.customer_id))
        .outerjoin(p, (p.org_id == line.org_id) & (p.id == line.product_id))
        .where(line.org_id == org_id)
    )
    stmt = _order_conditions(stmt, f, o.status, o.order_date, c.code)
    return stmt, [o.number, line.line_no], [1, 9]


def _purchase_lines(org_id: uuid.UUID, f: OrderFilter) -> Query:
    o, line, s, p = PurchaseOrderRow, PurchaseOrderLineRow, SupplierRow, ProductRow
    stmt = (
        select(
            literal("purchase", String).label("order_type"),
            o.number,
            o.status,
            o.order_date,
            o.expected_delivery_date,
            s.code,
            s.name,
            o.currency,
            null().label("external_reference"),
            line.line_no,
            p.code,
            p.gtin,
            p.name,
            line.qty,
            line.unit_price,
        )
        .join(o, (o.org_id == line.org_id) & (o.id == line.purchase_order_id))
        .join(s, (s.org_id == o.org_id) & (s.id == o.supplier_id))
        .join(p, (p.org_id == line.org_id) & (p.id == line.product_id))
        .where(line.org_id == org_id)
    )
    stmt = _order_conditions(stmt, f, o.status, o.order_date, s.code)
    return stmt, [o.number, line.line_no], [1, 9]


def _order_conditions(
    stmt: AnySelect, f: OrderFilter, status: Any, order_date: Any, party_code: Any
) -> AnySelect:
    if f.status is not None:
        stmt = stmt.where(status == f.status)
    if f.date_from is not None:
        stmt = stmt.where(order_date >= f.date_from)
    if f.date_to is not None:
        stmt = stmt.where(order_date <= f.date_to)
    if f.party_code is not None:
        stmt = stmt.where(party_code == f.party_code)
    return stmt


def _inventory(org_id: uuid.UUID, f: InventoryFilter) -> Query:
    lv, p = InventoryLevelRow, ProductRow
    stmt = (
        select(p.code, p.name, p.gtin, p.unit, lv.location, lv.qty, p.reorder_level, lv.updated_at)
        .join(p, (p.org_id == lv.org_id) & (p.id == lv.product_id))
        .where(lv.org_id == org_id)
    )
    if f.location is not None:
        stmt = stmt.where(lv.location == f.location)
    if f.product_code is not None:
        stmt = stmt.where(p.code == f.product_code)
    if f.updated_from is not None:
        stmt = stmt.where(lv.updated_at >= f.updated_from)
    if f.updated_to is not None:
        stmt = stmt.where(lv.updated_at <= f.updated_to)
    return stmt, [p.code, lv.location], [0, 4]


def _after(keys: list[Any], last: Sequence[Any]) -> ColumnElement[bool]:
    if len(keys) == 1:
        return keys[0] > last[0]  # type: ignore[no-any-return]
    return tuple_(*keys) > tuple_(*(literal(v) for v in last))


class BulkReadsStore(StoreBase):
    async def _stream(
        self,
        org_id: uuid.UUID,
        query: Query,
        batch_size: int,
    ) -> AsyncGenerator[Sequence[Any], None]:
        stmt, keys, key_at = query
        if batch_size < 1:
            raise invalid("batch_size", f"must be at least 1, not {batch_size}")
        ordered = stmt.order_by(*keys)
        if self.database.is_postgres:
            async with self.database.session(org_id) as s:
                result = await s.stream(ordered, execution_options={"yield_per": batch_size})
                async for batch in result.partitions():
                    yield batch
            return
        last: list[Any] | None = None
        while True:
            page = ordered if last is None else ordered.where(_after(keys, last))
            async with self.database.session(org_id) as s:
                rows = (await s.execute(page.limit(batch_size))).all()
            if rows:
                yield rows
            if len(rows) < batch_size:
                return
            last = [rows[-1][i] for i in key_at]

    async def _count(self, org_id: uuid.UUID, stmt: AnySelect) -> int:
        async with self.database.session(org_id) as s:
            total = await s.scalar(select(func.count()).select_from(stmt.subquery()))
        return int(total or 0)

    def stream_products(
        self, org_id: uuid.UUID, filters: ProductFilter, *, batch_size: int = DEFAULT_BATCH
    ) -> AsyncGenerator[Sequence[ProductValues], None]:
        return self._stream(org_id, _products(org_id, filters), batch_size)

    async def count_products(self, org_id: uuid.UUID, filters: ProductFilter) -> int:
        return await self._count(org_id, _products(org_id, filters)[0])

    def stream_order_lines(
        self, org_id: uuid.UUID, filters: OrderFilter, *, batch_size: int = DEFAULT_BATCH
    ) -> AsyncGenerator[Sequence[OrderLineValues], None]:
        return self._stream(org_id, _order_lines(org_id, filters), batch_size)

    async def count_order_lines(self, org_id: uuid.UUID, filters: OrderFilter) -> int:
        return await self._count(org_id, _order_lines(org_id, filters)[0])

    def stream_inventory(
        self, org_id: uuid.UUID, filters: InventoryFilter, *, batch_size: int = DEFAULT_BATCH
    ) -> AsyncGenerator[Sequence[InventoryValues], None]:
        return self._stream(org_id, _inventory(org_id, filters), batch_size)

    async def count_inventory(self, org_id: uuid.UUID, filters: InventoryFilter) -> int:
        return await self._count(org_id, _inventory(org_id, filters)[0])

    async def find_products_by_codes(
        self,
        org_id: uuid.UUID,
        codes: Collection[str],
        *,
        session: AsyncSession | None = None,
    ) -> dict[str, Product]:
        wanted = set(codes)
        if len(wanted) > MAX_CODES:
            raise invalid("codes", f"at most {MAX_CODES} codes per call, not {len(wanted)}")
        if not wanted:
            return {}
        # Columns, not ORM entities: no identity map for what is read to be compared
        # (validating a large import looks up every code of the file).
        columns = ProductRow.__table__.c
        async with self._use(org_id, session) as s:
            rows = await s.execute(
                select(*columns).where(columns.org_id == org_id, columns.code.in_(wanted))
            )
            return {row.code: Product.model_validate(row) for row in rows}


def _order_lines(org_id: uuid.UUID, f: OrderFilter) -> Query:
    return _sales_lines(org_id, f) if f.order_type == "sales" else _purchase_lines(org_id, f)
