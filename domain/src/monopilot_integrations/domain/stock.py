"""The SQL store's work orders and inventory."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import Select, and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, selectinload

from monopilot_integrations.core.db.base import new_id
from monopilot_integrations.core.domain.base import Page
from monopilot_integrations.core.domain.inventory import (
    InventoryLevel,
    InventoryMove,
    InventoryMoveResult,
    NewInventoryMove,
)
from monopilot_integrations.core.domain.port import DEFAULT_LIMIT
from monopilot_integrations.core.domain.production import (
    WorkOrder,
    WorkOrderStatus,
    WorkOrderUpdate,
)
from monopilot_integrations.domain.store_base import (
    StoreBase,
    invalid,
    not_found,
    plain,
    quantize,
)
from monopilot_integrations.domain.tables import (
    InventoryLevelRow,
    InventoryMoveRow,
    ProductRow,
    WorkOrderRow,
)

_FINAL_WO = frozenset({"completed", "cancelled"})

#: Half of the last stored decimal place. Stock compares with this margin because SQLite
#: adds quantities as binary floats (0.3 - 0.1 - 0.2 is not 0 there); PostgreSQL's exact
#: numerics never differ by less than 0.0001, so the margin changes nothing on it.
_EPSILON = Decimal("0.00005")


class StockStore(StoreBase):
    # --- work orders ---------------------------------------------------------------------

    def _wo_select(self, org_id: uuid.UUID) -> Select[WorkOrderRow]:
        return (
            select(WorkOrderRow)
            .where(WorkOrderRow.org_id == org_id)
            .options(selectinload(WorkOrderRow.product.and_(ProductRow.org_id == org_id)))
            .execution_options(populate_existing=True)
        )

    async def list_work_orders(
        self,
        org_id: uuid.UUID,
        *,
        status: WorkOrderStatus | None = None,
        product_id: uuid.UUID | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[WorkOrder]:
        stmt = select(WorkOrderRow).where(WorkOrderRow.org_id == org_id)
        if status is not None:
            stmt = stmt.where(WorkOrderRow.status == status)
        if product_id is not None:
            stmt = stmt.where(WorkOrderRow.product_id == product_id)
        stmt = stmt.order_by(WorkOrderRow.number)
        options = [selectinload(WorkOrderRow.product.and_(ProductRow.org_id == org_id))]
        async with self._use(org_id, session) as s:
            return await self._page(s, stmt, WorkOrder, limit=limit, offset=offset, options=options)

    async def get_work_order(
        self, org_id: uuid.UUID, work_order_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> WorkOrder | None:
        async with self._use(org_id, session) as s:
            row = await s.scalar(self._wo_select(org_id).where(WorkOrderRow.id == work_order_id))
            return WorkOrder.model_validate(row) if row is not None else None

    async def update_work_order(
        self,
        org_id: uuid.UUID,
        work_order_id: uuid.UUID,
        changes: WorkOrderUpdate,
        *,
        session: AsyncSession | None = None,
    ) -> WorkOrder:
        async with self._use(org_id, session) as s:
            row = await s.scalar(self._wo_select(org_id).where(WorkOrderRow.id == work_order_id))
            if row is None:
                raise not_found("work order", work_order_id)
            now = self.clock.now()
            if changes.status is not None and changes.status != row.status:
                if row.status in _FINAL_WO:
                    raise invalid(
                        "status", f"a {row.status} work order cannot become {changes.status}"
                    )
                row.status = changes.status
                if changes.status in ("in_progress", "completed") and row.started_at is None:
                    row.started_at = now
                if changes.status == "completed":
                    row.completed_at = now
            if changes.qty_completed is not None:
                row.qty_completed = quantize(changes.qty_completed)
            row.updated_at = now
            await s.flush()
            return WorkOrder.model_validate(row)

    # --- inventory -----------------------------------------------------------------------

    async def list_inventory(
        self,
        org_id: uuid.UUID,
        *,
        product_id: uuid.UUID | None = None,
        location: str | None = None,
        below_reorder: bool | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[InventoryLevel]:
        stmt = (
            select(InventoryLevelRow)
            .join(
                ProductRow,
                and_(
                    ProductRow.org_id == org_id,
                    ProductRow.id == InventoryLevelRow.product_id,
                ),
            )
            .where(InventoryLevelRow.org_id == org_id)
        )
        if product_id is not None:
            stmt = stmt.where(InventoryLevelRow.product_id == product_id)
        if location is not None:
            stmt = stmt.where(InventoryLevelRow.location == location)
        if below_reorder is not None:
            totals = (
                select(
                    InventoryLevelRow.product_id,
                    func.sum(InventoryLevelRow.qty).label("total"),
                )
                .where(InventoryLevelRow.org_id == org_id)
                .group_by(InventoryLevelRow.product_id)
                .subquery()
            )
            stmt = stmt.join(totals, totals.c.product_id == InventoryLevelRow.product_id)
            below = totals.c.total + _EPSILON < ProductRow.reorder_level
            stmt = stmt.where(below if below_reorder else ~below)
        stmt = stmt.order_by(ProductRow.code, InventoryLevelRow.location)
        async with self._use(org_id, session) as s:
            return await self._page(
                s,
                stmt,
                InventoryLevel,
                limit=limit,
                offset=offset,
                options=[contains_eager(InventoryLevelRow.product)],
            )

    async def apply_inventory_move(
        self, org_id: uuid.UUID, move: NewInventoryMove, *, session: AsyncSession | None = None
    ) -> InventoryMoveResult:
        async with self._use(org_id, session) as s:
            product = await s.scalar(
                select(ProductRow).where(
                    ProductRow.org_id == org_id, ProductRow.id == move.product_id
                )
            )
            if product is None:
                raise not_found("product", move.product_id)
            level = await self._locked_level(s, org_id, move)
            current = level.qty if level is not None else Decimal(0)
            new_qty = quantize(current + move.qty)
            if new_qty < 0:
                raise invalid(
                    "qty",
                    f"cannot take {plain(-move.qty)} {product.unit} of {product.code} from "
                    f"{move.location!r}: only {plain(current)} in stock (stock cannot go "
                    "negative)",
                )
            if level is None:
                level = await self._create_level(s, org_id, move)
            now = self.clock.now()
            level.qty = new_qty
            level.updated_at = now
            row = InventoryMoveRow(
                org_id=org_id,
                product_id=move.product_id,
                location=move.location,
                qty=quantize(move.qty),
                reason=move.reason,
                reference=move.reference,
                created_at=now,
            )
            s.add(row)
            await s.flush()
            total = quantize(
                await s.scalar(
                    select(func.coalesce(func.sum(InventoryLevelRow.qty), 0)).where(
                        InventoryLevelRow.org_id == org_id,
                        InventoryLevelRow.product_id == move.product_id,
                    )
                )
                or Decimal(0)
            )
            return InventoryMoveResult(
                move=InventoryMove.model_validate(row),
                level=InventoryLevel(
                    id=level.id,
                    org_id=org_id,
                    product_id=level.product_id,
                    product_code=product.code,
                    location=level.location,
                    qty=new_qty,
                    updated_at=now,
                ),
                product_qty=total,
                reorder_level=quantize(product.reorder_level),
                below_reorder=total < product.reorder_level,
            )

    async def _locked_level(
        self, s: AsyncSession, org_id: uuid.UUID, move: NewInventoryMove
    ) -> InventoryLevelRow | None:
        """The level row, locked until the transaction ends (PostgreSQL; SQLite's
        transactions already take the write lock at BEGIN)."""
        stmt = (
            select(InventoryLevelRow)
            .where(
                InventoryLevelRow.org_id == org_id,
                InventoryLevelRow.product_id == move.product_id,
                InventoryLevelRow.location == move.location,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return await s.scalar(stmt)

    async def _create_level(
        self, s: AsyncSession, org_id: uuid.UUID, move: NewInventoryMove
    ) -> InventoryLevelRow:
        """Insert an empty level unless a concurrent transaction just did, then lock it."""
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = (
            insert(InventoryLevelRow)
            .values(
                id=new_id(),
                org_id=org_id,
                product_id=move.product_id,
                location=move.location,
                qty=Decimal(0),
                updated_at=self.clock.now(),
            )
            .on_conflict_do_nothing(index_elements=["org_id", "product_id", "location"])
        )
        await s.execute(stmt)
        level = await self._locked_level(s, org_id, move)
        assert level is not None  # inserted above or by the transaction we waited for
        return level
