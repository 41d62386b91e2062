"""The SQL store's organisations, suppliers, customers and products."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.domain.base import Page
from monopilot_integrations.core.domain.parties import Customer, Organization, Supplier
from monopilot_integrations.core.domain.port import DEFAULT_LIMIT
from monopilot_integrations.core.domain.products import NewProduct, Product, ProductUpdate
from monopilot_integrations.domain.store_base import R, StoreBase, invalid, like, not_found
from monopilot_integrations.domain.tables import (
    CustomerRow,
    OrganizationRow,
    ProductRow,
    SupplierRow,
)

_TAX_ID_NOISE = re.compile(r"[\s\-.]")


def normalise_tax_id(tax_id: str) -> str:
    """``PL 525-100-00-17`` -> ``5251000017``: partners write NIPs in many ways."""
    value = _TAX_ID_NOISE.sub("", tax_id).upper()
    if len(value) > 2 and value[:2].isalpha() and value[2:].isdigit():
        value = value[2:]
    return value


def gtin_forms(gtin: str) -> set[str]:
    """The GTIN-8/12/13/14 spellings of one number (leading zeros pad to 14 digits)."""
    digits = gtin.strip().lstrip("0") or "0"
    return {digits.zfill(n) for n in (8, 12, 13, 14) if len(digits) <= n}


class PartiesStore(StoreBase):
    # --- organisations -------------------------------------------------------------------

    async def get_organization(
        self, org_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Organization | None:
        async with self._use(org_id, session) as s:
            row = await s.scalar(select(OrganizationRow).where(OrganizationRow.id == org_id))
            return Organization.model_validate(row) if row is not None else None

    async def find_organization_by_code(
        self, code: str, *, session: AsyncSession | None = None
    ) -> Organization | None:
        # Finding an organisation is what comes before having one: a system session.
        stmt = select(OrganizationRow).where(OrganizationRow.code == code)
        if session is not None:
            row = await session.scalar(stmt)
        else:
            async with self.database.system_session() as s:
                row = await s.scalar(stmt)
        return Organization.model_validate(row) if row is not None else None

    async def list_organizations(
        self, *, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Page[Organization]:
        # An operator's view across organisations: a system session, like the look-up above.
        stmt = select(OrganizationRow).order_by(OrganizationRow.code, OrganizationRow.id)
        async with self.database.system_session() as s:
            return await self._page(s, stmt, Organization, limit=limit, offset=offset)

    # --- suppliers and customers ---------------------------------------------------------

    async def _party(
        self,
        table: type[SupplierRow] | type[CustomerRow],
        org_id: uuid.UUID,
        where: ColumnElement[bool],
        session: AsyncSession | None,
    ) -> Any:
        async with self._use(org_id, session) as s:
            stmt = select(table).where(table.org_id == org_id, where).order_by(table.code).limit(1)
            return await s.scalar(stmt)

    async def _party_page(
        self,
        table: type[SupplierRow] | type[CustomerRow],
        record: type[R],
        org_id: uuid.UUID,
        search: str | None,
        limit: int,
        offset: int,
        session: AsyncSession | None,
    ) -> Page[R]:
        """A page of suppliers or customers in code order, ``search`` matching code, name
        or GLN."""
        stmt = select(table).where(table.org_id == org_id)
        if search:
            stmt = stmt.where(like((table.code, table.name, table.gln), search))
        async with self._use(org_id, session) as s:
            return await self._page(
                s, stmt.order_by(table.code), record, limit=limit, offset=offset
            )

    async def get_supplier(
        self, org_id: uuid.UUID, supplier_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Supplier | None:
        row = await self._party(SupplierRow, org_id, SupplierRow.id == supplier_id, session)
        return Supplier.model_validate(row) if row is not None else None

    async def find_supplier_by_code(
        self, org_id: uuid.UUID, code: str, *, session: AsyncSession | None = None
    ) -> Supplier | None:
        row = await self._party(SupplierRow, org_id, SupplierRow.code == code, session)
        return Supplier.model_validate(row) if row is not None else None

    async def find_supplier_by_gln(
        self, org_id: uuid.UUID, gln: str, *, session: AsyncSession | None = None
    ) -> Supplier | None:
        row = await self._party(SupplierRow, org_id, SupplierRow.gln == gln.strip(), session)
        return Supplier.model_validate(row) if row is not None else None

    async def list_suppliers(
        self,
        org_id: uuid.UUID,
        *,
        search: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[Supplier]:
        return await self._party_page(SupplierRow, Supplier, org_id, search, limit, offset, session)

    async def get_customer(
        self, org_id: uuid.UUID, customer_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Customer | None:
        row = await self._party(CustomerRow, org_id, CustomerRow.id == customer_id, session)
        return Customer.model_validate(row) if row is not None else None

    async def find_customer_by_code(
        self, org_id: uuid.UUID, code: str, *, session: AsyncSession | None = None
    ) -> Customer | None:
        row = await self._party(CustomerRow, org_id, CustomerRow.code == code, session)
        return Customer.model_validate(row) if row is not None else None

    async def find_customer_by_gln(
        self, org_id: uuid.UUID, gln: str, *, session: AsyncSession | None = None
    ) -> Customer | None:
        row = await self._party(CustomerRow, org_id, CustomerRow.gln == gln.strip(), session)
        return Customer.model_validate(row) if row is not None else None

    async def find_customer_by_tax_id(
        self, org_id: uuid.UUID, tax_id: str, *, session: AsyncSession | None = None
    ) -> Customer | None:
        wanted = normalise_tax_id(tax_id)
        if not wanted:
            return None
        stored = func.upper(
            func.replace(func.replace(func.replace(CustomerRow.tax_id, " ", ""), "-", ""), ".", "")
        )
        # Stored with or without a country prefix ("PL5251000017"): match both spellings.
        prefixed = (
            (func.length(stored) == len(wanted) + 2)
            & (func.substr(stored, 3) == wanted)
            & func.substr(stored, 1, 1).not_in(list("0123456789"))
        )
        where = (stored == wanted) | prefixed
        row = await self._party(CustomerRow, org_id, where, session)
        return Customer.model_validate(row) if row is not None else None

    async def list_customers(
        self,
        org_id: uuid.UUID,
        *,
        search: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[Customer]:
        return await self._party_page(CustomerRow, Customer, org_id, search, limit, offset, session)

    # --- products ------------------------------------------------------------------------

    async def _product_row(
        self, s: AsyncSession, org_id: uuid.UUID, where: ColumnElement[bool]
    ) -> ProductRow | None:
        stmt = (
            select(ProductRow)
            .where(ProductRow.org_id == org_id, where)
            .order_by(ProductRow.code)
            .limit(1)
            .execution_options(populate_existing=True)
        )
        return await s.scalar(stmt)

    async def get_product(
        self, org_id: uuid.UUID, product_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Product | None:
        async with self._use(org_id, session) as s:
            row = await self._product_row(s, org_id, ProductRow.id == product_id)
            return Product.model_validate(row) if row is not None else None

    async def find_product_by_code(
        self, org_id: uuid.UUID, code: str, *, session: AsyncSession | None = None
    ) -> Product | None:
        async with self._use(org_id, session) as s:
            row = await self._product_row(s, org_id, ProductRow.code == code)
            return Product.model_validate(row) if row is not None else None

    async def find_product_by_gtin(
        self, org_id: uuid.UUID, gtin: str, *, session: AsyncSession | None = None
    ) -> Product | None:
        if not gtin.strip().isdigit():
            return None
        async with self._use(org_id, session) as s:
            row = await self._product_row(s, org_id, ProductRow.gtin.in_(gtin_forms(gtin)))
            return Product.model_validate(row) if row is not None else None

    async def list_products(
        self,
        org_id: uuid.UUID,
        *,
        search: str | None = None,
        active: bool | None = None,
        updated_since: datetime | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[Product]:
        stmt = select(ProductRow).where(ProductRow.org_id == org_id)
        if search:
            stmt = stmt.where(like((ProductRow.code, ProductRow.name, ProductRow.gtin), search))
        if active is not None:
            stmt = stmt.where(ProductRow.active.is_(active))
        if updated_since is not None:
            stmt = stmt.where(ProductRow.updated_at >= updated_since)
        stmt = stmt.order_by(ProductRow.code)
        async with self._use(org_id, session) as s:
            return await self._page(s, stmt, Product, limit=limit, offset=offset)

    async def _check_code_free(
        self, s: AsyncSession, org_id: uuid.UUID, code: str, product_id: uuid.UUID | None = None
    ) -> None:
        stmt = select(ProductRow.id).where(ProductRow.org_id == org_id, ProductRow.code == code)
        if product_id is not None:
            stmt = stmt.where(ProductRow.id != product_id)
        if await s.scalar(stmt) is not None:
            raise invalid("code", f"a product with code {code!r} already exists")

    async def create_product(
        self, org_id: uuid.UUID, data: NewProduct, *, session: AsyncSession | None = None
    ) -> Product:
        async with self._use(org_id, session) as s:
            await self._check_code_free(s, org_id, data.code)
            now = self.clock.now()
            row = ProductRow(
                org_id=org_id,
                **data.model_dump(exclude={"currency"}),
                currency=data.currency or await self._org_currency(s, org_id),
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            await s.flush()
            await s.refresh(row)  # as stored: four decimal places
            return Product.model_validate(row)

    async def update_product(
        self,
        org_id: uuid.UUID,
        product_id: uuid.UUID,
        changes: ProductUpdate,
        *,
        session: AsyncSession | None = None,
    ) -> Product:
        async with self._use(org_id, session) as s:
            row = await self._product_row(s, org_id, ProductRow.id == product_id)
            if row is None:
                raise not_found("product", product_id)
            values = changes.changes()
            if "code" in values:
                await self._check_code_free(s, org_id, values["code"], product_id)
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = self.clock.now()
            await s.flush()
            await s.refresh(row)
            return Product.model_validate(row)

    async def delete_product(
        self, org_id: uuid.UUID, product_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Product:
        return await self.update_product(
            org_id, product_id, ProductUpdate(active=False), session=session
        )
