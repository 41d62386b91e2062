"""``domain_0003_shipment_packages`` moves the SSCCs of existing shipment lines into
packages: a database at ``domain_0002_invoicee`` with line SSCCs, upgraded."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.types import UTCDateTime
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.domain.sql_store import SqlDomainStore
from tests.support import services

BEFORE = "domain_0002_invoicee"
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
SSCC_A, SSCC_B, SSCC_C = "359012340000000018", "359012340000000025", "359012340000000032"


NUMBERS = {"price", "vat_rate", "reorder_level", "qty"}


def _type(column: str) -> Any:
    if column == "id" or column.endswith("_id"):
        return sa.Uuid()
    return sa.Numeric(18, 4) if column in NUMBERS else None


def _table(name: str, *columns: str, stamps: tuple[str, ...] = ()) -> sa.TableClause:
    return sa.table(
        name,
        *(sa.column(c, _type(c)) for c in columns),
        *(sa.column(c, UTCDateTime()) for c in stamps),
    )


ORGS = _table("organizations", "id", "code", "name", "currency", stamps=("created_at",))
CUSTOMERS = _table("customers", "id", "org_id", "code", "name")
PRODUCTS = _table(
    "products",
    "id", "org_id", "code", "name", "unit", "price", "currency", "vat_rate", "reorder_level",
    "active",
    stamps=("created_at", "updated_at"),
)  # fmt: skip
SHIPMENTS = _table(
    "shipments", "id", "org_id", "number", "customer_id", "status",
    stamps=("created_at", "updated_at"),
)  # fmt: skip
LINES = _table(
    "shipment_lines", "id", "org_id", "shipment_id", "line_no", "product_id", "qty", "sscc"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of its own: this test migrates it step by step."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'packages.db'}"
        return
    admin_url = services.need("postgres", services.POSTGRES_URL)
    name = f"mp_pkg_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


class Org:
    """One organisation with a customer and a product, written as at ``domain_0002``."""

    def __init__(self, code: str) -> None:
        self.id, self.code = uuid.uuid4(), code
        self.customer, self.product = uuid.uuid4(), uuid.uuid4()
        self.shipments: dict[str, uuid.UUID] = {}

    def rows(self) -> list[tuple[sa.TableClause, dict[str, Any]]]:
        return [
            (ORGS, {"id": self.id, "code": self.code, "name": self.code, "currency": "PLN",
                    "created_at": NOW}),
            (CUSTOMERS, {"id": self.customer, "org_id": self.id, "code": "C", "name": "C"}),
            (PRODUCTS, {"id": self.product, "org_id": self.id, "code": "P", "name": "P",
                        "unit": "szt", "price": Decimal(1), "currency": "PLN",
                        "vat_rate": Decimal(5), "reorder_level": Decimal(0), "active": True,
                        "created_at": NOW, "updated_at": NOW}),
        ]  # fmt: skip

    def shipment(self, number: str, ssccs: list[str | None]) -> list[Any]:
        shipment_id = self.shipments[number] = uuid.uuid4()
        header = {"id": shipment_id, "org_id": self.id, "number": number,
                  "customer_id": self.customer, "status": "planned", "created_at": NOW,
                  "updated_at": NOW}  # fmt: skip
        lines = [
            {"id": uuid.uuid4(), "org_id": self.id, "shipment_id": shipment_id, "line_no": n,
             "product_id": self.product, "qty": Decimal(n), "sscc": sscc}
            for n, sscc in enumerate(ssccs, start=1)
        ]  # fmt: skip
        return [(SHIPMENTS, header), *((LINES, line) for line in lines)]


async def _at_domain_0002(url: str, *orgs_and_rows: list[Any]) -> None:
    await migrate.upgrade(url, Registry(PluginManager()), revision=BEFORE)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for rows in orgs_and_rows:
                for table, values in rows:
                    await conn.execute(sa.insert(table).values(**values))
    finally:
        await engine.dispose()


async def test_line_ssccs_become_packages_one_per_shipment_and_sscc(fresh_url: str) -> None:
    a, b = Org("a"), Org("b")
    await _at_domain_0002(
        fresh_url,
        a.rows(),
        a.shipment("WZ-1", [SSCC_A, SSCC_A, SSCC_B, None]),
        a.shipment("WZ-2", [SSCC_C]),
        a.shipment("WZ-3", [None]),
        b.rows(),
        # Another organisation may hold the same SSCC: unique per organisation.
        b.shipment("WZ-1", [SSCC_A]),
    )

    await migrate.upgrade(fresh_url, Registry(PluginManager()))

    database = Database(fresh_url)
    try:
        store = SqlDomainStore(database)
        first = await store.get_shipment(a.id, a.shipments["WZ-1"])
        second = await store.get_shipment(a.id, a.shipments["WZ-2"])
        unpacked = await store.get_shipment(a.id, a.shipments["WZ-3"])
        other = await store.get_shipment(b.id, b.shipments["WZ-1"])
    finally:
        await database.dispose()
    assert first is not None and second is not None and unpacked is not None
    assert other is not None
    packed = [
        (p.package_no, p.sscc, p.package_type, p.gross_weight, [x.line_no for x in p.lines])
        for p in first.packages
    ]
    assert packed == [(1, SSCC_A, "201", None, [1, 2]), (2, SSCC_B, "201", None, [3])]
    assert [line.line_no for line in first.unpacked_lines] == [4]
    assert [line.sscc for line in first.lines] == [SSCC_A, SSCC_A, SSCC_B, None]
    assert [(p.sscc, len(p.lines)) for p in second.packages] == [(SSCC_C, 1)]
    assert unpacked.packages == [] and len(unpacked.unpacked_lines) == 1
    assert [(p.sscc, len(p.lines)) for p in other.packages] == [(SSCC_A, 1)]


async def test_an_sscc_on_two_shipments_of_one_organisation_stops_the_upgrade(
    fresh_url: str,
) -> None:
    a = Org("a")
    await _at_domain_0002(
        fresh_url, a.rows(), a.shipment("WZ-1", [SSCC_A]), a.shipment("WZ-2", [SSCC_A])
    )

    with pytest.raises(RuntimeError, match=f"SSCC {SSCC_A} is on shipments"):
        await migrate.upgrade(fresh_url, Registry(PluginManager()))

    current = await migrate.current(fresh_url)
    assert BEFORE in current and "domain_0003_shipment_packages" not in current


async def test_a_downgrade_puts_the_ssccs_back_on_the_lines(fresh_url: str) -> None:
    a = Org("a")
    await _at_domain_0002(fresh_url, a.rows(), a.shipment("WZ-1", [SSCC_A, SSCC_A, None]))
    await migrate.upgrade(fresh_url, Registry(PluginManager()))

    config = migrate.alembic_config(Registry(PluginManager()))

    def downgrade(connection: sa.Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE)

    engine = create_async_engine(fresh_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(downgrade)
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(LINES.c.line_no, LINES.c.sscc).order_by("line_no"))
            assert rows.all() == [(1, SSCC_A), (2, SSCC_A), (3, None)]
            tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
            assert "shipment_packages" not in tables
    finally:
        await engine.dispose()
    current = await migrate.current(fresh_url)
    assert BEFORE in current and "domain_0003_shipment_packages" not in current
