"""How :func:`~.seed.load_seed` writes a seed file: find by natural key, create or update."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from monopilot_integrations.core.clock import Clock, SystemClock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.domain.seed_packing import plan_packing, sync_packing
from monopilot_integrations.domain.seed_values import LeftOut, apply, given_fields, with_defaults
from monopilot_integrations.domain.tables import (
    CustomerRow,
    InventoryLevelRow,
    InventoryMoveRow,
    InvoiceLineRow,
    InvoiceRow,
    OrganizationRow,
    ProductRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShipmentLineRow,
    ShipmentPackageRow,
    ShipmentRow,
    SupplierRow,
    UserRow,
    WorkOrderRow,
)

if TYPE_CHECKING:
    from monopilot_integrations.domain.seed import SeedFile, SeedInvoice, SeedParty

KINDS = (
    "organization",
    "users",
    "suppliers",
    "customers",
    "products",
    "purchase_orders",
    "sales_orders",
    "work_orders",
    "inventory",
    "shipments",
    "invoices",
)

_CENT = Decimal("0.01")
#: Booked as the reference of the adjustment moves that bring stock to the seeded level.
SEED_REFERENCE = "seed"


class SeedCount(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class CreatedRecord(BaseModel):
    """One record a load created: its kind, its natural key in the file, its new id."""

    kind: str
    key: str
    id: uuid.UUID


class SeedReport(BaseModel):
    """What a load did, per kind of record (``organization``, ``products``, ...)."""

    org_id: uuid.UUID
    org_code: str
    counts: dict[str, SeedCount]
    #: What this load created, in the order it created it (ids to use next: ``--org``, ...).
    created_records: list[CreatedRecord] = []

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    def summary(self) -> str:
        parts = [
            f"{kind}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
            for kind, c in self.counts.items()
            if c.created or c.updated or c.unchanged
        ]
        return f"organisation {self.org_code!r} (id {self.org_id}): " + "; ".join(parts)

    def created_lines(self) -> list[str]:
        """One ``created <kind> <key> <id>`` line per record created."""
        return [f"created {r.kind} {r.key} {r.id}" for r in self.created_records]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


class SeedLoader:
    """One load of one seed file. Not reusable: it keeps the counts of this load."""

    def __init__(self, database: Database, seed: SeedFile, *, clock: Clock | None = None) -> None:
        self.database = database
        self.seed = seed
        self.counts = {kind: SeedCount() for kind in KINDS}
        self.now = (clock or SystemClock()).now()
        #: ``(kind, natural key, row)`` of each row created; ids are read once flushed.
        self.created: list[tuple[str, str, Any]] = []

    async def load(self) -> SeedReport:
        org_id = await self._organization()
        async with self.database.session(org_id) as s:
            self.s, self.org_id = s, org_id
            self.currency = self.seed.organization.currency
            await self._upsert(UserRow, "users", "email", ((u.email, u) for u in self.seed.users))
            self.suppliers = await self._parties(SupplierRow, "suppliers", self.seed.suppliers)
            self.customers = await self._parties(CustomerRow, "customers", self.seed.customers)
            self.products = await self._products()
            await self._purchase_orders()
            self.sales_orders = await self._sales_orders()
            await self._work_orders()
            await self._inventory()
            self.shipments = await self._shipments()
            await self._invoices()
        code = self.seed.organization.code
        created = (
            [CreatedRecord(kind="organization", key=code, id=org_id)] if self.org_created else []
        )
        created += [CreatedRecord(kind=k, key=key, id=row.id) for k, key, row in self.created]
        return SeedReport(org_id=org_id, org_code=code, counts=self.counts, created_records=created)

    # --- the generic part ----------------------------------------------------------------

    def _count(self, kind: str, outcome: str) -> None:
        counter = self.counts[kind]
        setattr(counter, outcome, getattr(counter, outcome) + 1)

    def _apply(self, row: Any, values: dict[str, Any]) -> bool:
        return apply(row, values)

    async def _organization(self) -> uuid.UUID:
        org = self.seed.organization
        self.org_created = False
        values = given_fields(org, exclude={"code"})
        async with self.database.system_session() as s:
            row = await s.scalar(select(OrganizationRow).where(OrganizationRow.code == org.code))
            if row is None:
                row = OrganizationRow(code=org.code, created_at=self.now, **with_defaults(values))
                s.add(row)
                self._count("organization", "created")
                self.org_created = True
            else:
                self._count("organization", "updated" if self._apply(row, values) else "unchanged")
            await s.flush()
            return row.id

    async def _upsert(
        self,
        table: Any,
        kind: str,
        key: str,
        items: Iterable[tuple[Any, Any]],
        *,
        options: Sequence[Any] = (),
        lines: str | None = None,
        sync: Callable[[Any, Any], bool] | None = None,
    ) -> dict[Any, Any]:
        """Create or update one row per ``(key value, values)``; ``values`` is a dict or a
        seed model (its fields minus the key). With ``lines``, the values hold a list of line
        dicts under that name, matched by position, or what ``sync(row, value)`` applies."""
        sync_lines = sync or self._sync_lines
        stmt = select(table).where(table.org_id == self.org_id).options(*options)
        existing = {getattr(r, key): r for r in await self.s.scalars(stmt)}
        rows: dict[Any, Any] = {}
        for key_value, given in items:
            values = dict(given) if isinstance(given, dict) else given_fields(given, exclude={key})
            line_values = values.pop(lines) if lines else []
            row = existing.get(key_value)
            if row is None:
                stamps = {c: self.now for c in ("created_at", "updated_at") if hasattr(table, c)}
                created = with_defaults(values)
                row = table(org_id=self.org_id, **{key: key_value}, **created, **stamps)
                if lines:
                    row.lines = []
                    sync_lines(row, line_values)
                self.s.add(row)
                self._count(kind, "created")
                self.created.append((kind, str(key_value), row))
            else:
                changed = self._apply(row, values)
                changed = (sync_lines(row, line_values) if lines else False) or changed
                if changed and hasattr(table, "updated_at"):
                    row.updated_at = self.now
                self._count(kind, "updated" if changed else "unchanged")
            rows[key_value] = row
        # Flush per kind: foreign keys between kinds are unknown to the unit of work.
        await self.s.flush()
        return rows

    def _sync_lines(self, row: Any, wanted: list[dict[str, Any]]) -> bool:
        line_table = type(row).lines.property.mapper.class_
        current = {line.line_no: line for line in row.lines}
        changed = False
        for line_no, values in enumerate(wanted, start=1):
            line = current.pop(line_no, None)
            if line is None:
                row.lines.append(line_table(org_id=self.org_id, line_no=line_no, **values))
                changed = True
            else:
                changed = self._apply(line, values) or changed
        for line in current.values():
            row.lines.remove(line)  # delete-orphan removes the row
            changed = True
        return changed

    def _lines_option(self, table: Any, line_table: Any) -> Any:
        return selectinload(table.lines.and_(line_table.org_id == self.org_id))

    # --- each kind -----------------------------------------------------------------------

    async def _parties(self, table: Any, kind: str, parties: list[SeedParty]) -> dict[str, Any]:
        return await self._upsert(table, kind, "code", ((p.code, p) for p in parties))

    async def _products(self) -> dict[str, ProductRow]:
        items = [
            (
                p.code,
                {
                    **given_fields(p, exclude={"code"}),
                    "currency": _or(p, "currency", self.currency),
                },
            )
            for p in self.seed.products
        ]
        return await self._upsert(ProductRow, "products", "code", items)

    async def _purchase_orders(self) -> None:
        items = []
        for po in self.seed.purchase_orders:
            values = given_fields(po, exclude={"number", "supplier_code", "lines"})
            values["supplier_id"] = self.suppliers[po.supplier_code].id
            values["currency"] = _or(po, "currency", self.currency)
            values["lines"] = [
                {
                    **line.model_dump(exclude={"product_code"}),
                    "product_id": self.products[line.product_code].id,
                }
                for line in po.lines
            ]
            items.append((po.number, values))
        option = self._lines_option(PurchaseOrderRow, PurchaseOrderLineRow)
        await self._upsert(
            PurchaseOrderRow, "purchase_orders", "number", items, options=[option], lines="lines"
        )

    async def _sales_orders(self) -> dict[str, SalesOrderRow]:
        items = []
        for so in self.seed.sales_orders:
            values = given_fields(so, exclude={"number", "customer_code", "lines"})
            values["customer_id"] = self.customers[so.customer_code].id
            values["currency"] = _or(so, "currency", self.currency)
            lines = []
            for line in so.lines:
                product = self.products[line.product_code]
                lines.append(
                    {
                        "product_id": product.id,
                        "product_code": product.code,
                        "gtin": product.gtin,
                        "description": product.name,
                        "qty": line.qty,
                        "unit_price": line.unit_price,
                    }
                )
            values["lines"] = lines
            items.append((so.number, values))
        option = self._lines_option(SalesOrderRow, SalesOrderLineRow)
        return await self._upsert(
            SalesOrderRow, "sales_orders", "number", items, options=[option], lines="lines"
        )

    async def _work_orders(self) -> None:
        items = []
        for wo in self.seed.work_orders:
            values = given_fields(wo, exclude={"number", "product_code"})
            values["product_id"] = self.products[wo.product_code].id
            items.append((wo.number, values))
        await self._upsert(WorkOrderRow, "work_orders", "number", items)

    async def _inventory(self) -> None:
        stmt = select(InventoryLevelRow).where(InventoryLevelRow.org_id == self.org_id)
        existing = {(r.product_id, r.location): r for r in await self.s.scalars(stmt)}
        for level in self.seed.inventory:
            product_id = self.products[level.product_code].id
            row = existing.get((product_id, level.location))
            if row is None:
                row = InventoryLevelRow(
                    org_id=self.org_id,
                    product_id=product_id,
                    location=level.location,
                    qty=level.qty,
                    updated_at=self.now,
                )
                self.s.add(row)
                delta = level.qty
                self._count("inventory", "created")
                self.created.append(("inventory", f"{level.product_code}@{level.location}", row))
            elif row.qty != level.qty:
                delta = level.qty - row.qty
                row.qty, row.updated_at = level.qty, self.now
                self._count("inventory", "updated")
            else:
                self._count("inventory", "unchanged")
                continue
            if delta:
                # The ledger keeps adding up to the levels.
                self.s.add(
                    InventoryMoveRow(
                        org_id=self.org_id,
                        product_id=product_id,
                        location=level.location,
                        qty=delta,
                        reason="adjustment",
                        reference=SEED_REFERENCE,
                        created_at=self.now,
                    )
                )
        await self.s.flush()

    async def _shipments(self) -> dict[str, ShipmentRow]:
        items = []
        product_ids = {code: row.id for code, row in self.products.items()}
        for sh in self.seed.shipments:
            order = self.sales_orders[sh.sales_order_number]
            exclude = {"number", "sales_order_number", "lines", "packages"}
            values = given_fields(sh, exclude=exclude)
            values["sales_order_id"] = order.id
            values["customer_id"] = order.customer_id
            values["packing"] = plan_packing(sh, product_ids)
            items.append((sh.number, values))
        lines = ShipmentRow.lines.and_(ShipmentLineRow.org_id == self.org_id)
        package = ShipmentLineRow.package.and_(ShipmentPackageRow.org_id == self.org_id)
        options = [
            selectinload(lines).selectinload(package),
            selectinload(ShipmentRow.package_rows.and_(ShipmentPackageRow.org_id == self.org_id)),
        ]
        return await self._upsert(
            ShipmentRow,
            "shipments",
            "number",
            items,
            options=options,
            lines="packing",
            sync=lambda row, plan: sync_packing(row, plan, self.now),
        )

    async def _invoices(self) -> None:
        stmt = select(InvoiceRow.number).where(InvoiceRow.org_id == self.org_id)
        known = set(await self.s.scalars(stmt))
        items = [
            (inv.number, self._invoice_values(inv, inv.number in known))
            for inv in self.seed.invoices
        ]
        option = self._lines_option(InvoiceRow, InvoiceLineRow)
        await self._upsert(InvoiceRow, "invoices", "number", items, options=[option], lines="lines")

    def _invoice_values(self, inv: SeedInvoice, exists: bool) -> dict[str, Any]:
        lines: list[dict[str, Any]] = []
        net_total = vat_total = Decimal(0)
        for line in inv.lines:
            product = self.products[line.product_code] if line.product_code else None
            if line.vat_rate is not None:
                vat_rate = line.vat_rate
            elif product is not None:
                vat_rate = product.vat_rate
            else:  # SeedFile.problems() refuses a free line without a VAT rate
                raise AssertionError(f"invoice {inv.number}: a line has no VAT rate")
            net = _cents(line.qty * line.unit_price)
            vat = _cents(net * vat_rate / 100)
            net_total, vat_total = net_total + net, vat_total + vat
            lines.append(
                {
                    "product_id": product.id if product else None,
                    "description": line.description or (product.name if product else ""),
                    "qty": line.qty,
                    "unit": line.unit or (product.unit if product else ""),
                    "unit_price": line.unit_price,
                    "vat_rate": vat_rate,
                    "net_amount": net,
                    "vat_amount": vat,
                }
            )
        values: dict[str, Any] = {
            "customer_id": self.customers[inv.customer_code].id,
            "sales_order_id": (
                self.sales_orders[inv.sales_order_number].id if inv.sales_order_number else None
            ),
            "shipment_id": self.shipments[inv.shipment_number].id if inv.shipment_number else None,
            "issue_date": inv.issue_date,
            "due_date": inv.due_date,
            "currency": inv.currency or self.currency,
            "net_total": net_total,
            "vat_total": vat_total,
            "gross_total": net_total + vat_total,
            "lines": lines,
        }
        if not exists:
            values["sync_status"] = inv.sync_status
        return values


def _or(model: BaseModel, name: str, default: Any) -> Any:
    value = getattr(model, name)
    if name not in model.model_fields_set:
        return LeftOut(default)
    return value if value is not None else default
