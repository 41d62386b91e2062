"""The isolation matrix: supplier A against supplier B of the same organisation, and
against suppliers of another organisation; the same for customers; by list and by id, for
reading and for confirming. Anything not one's own is a 404 (or absent from a list).

On PostgreSQL the database enforces it too: in a portal transaction even a raw ``SELECT``
without any WHERE clause returns the party's own rows only (the ``portal_party`` policies).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text

from monopilot_integrations.connectors.portals.auth import PortalUser
from monopilot_integrations.connectors.portals.parties import CUSTOMER, SUPPLIER
from monopilot_integrations.connectors.portals.reads import party_session
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.web.sessions import WebSession
from tests.connectors.portals.conftest import signed_in
from tests.connectors.portals.world import Org

SUP = "/api/portal/supplier"
CUS = "/api/portal/customer"


async def test_supplier_isolation_matrix(world: tuple[Org, Org], new_client: Any) -> None:
    alfa, beta = world
    client, csrf = await signed_in(new_client, "supplier", alfa.emails["S1"])
    listed = await (await client.get(f"{SUP}/orders", params={"limit": 100})).json()
    assert {o["number"] for o in listed["items"]} == {f"PO-ALFA-S1-{n}" for n in range(1, 6)}
    assert listed["total"] == 5

    foreign = {
        "same org, other supplier": alfa.pos["PO-ALFA-S2-1"],
        "other org, same supplier code": beta.pos["PO-BETA-S1-1"],
        "other org, other supplier": beta.pos["PO-BETA-S2-1"],
        "no such order": uuid.uuid4(),
    }
    for case, po_id in foreign.items():
        read = await client.get(f"{SUP}/orders/{po_id}")
        assert read.status == 404, case
        confirm = await client.post(
            f"{SUP}/orders/{po_id}/confirm",
            json={"delivery_date": "2026-03-20"},
            headers={"X-CSRF-Token": csrf},
        )
        assert confirm.status == 404, case
        # The same answer as for an id that exists nowhere: nothing to learn from it.
        assert (await read.json())["title"] == "Not found"
    assert (await client.get(f"{SUP}/orders/{alfa.pos['PO-ALFA-S1-1']}")).status == 200


async def test_customer_isolation_matrix(world: tuple[Org, Org], new_client: Any) -> None:
    alfa, beta = world
    client, _ = await signed_in(new_client, "customer", alfa.emails["C1"])
    listed = await (await client.get(f"{CUS}/orders", params={"limit": 100})).json()
    assert {o["number"] for o in listed["items"]} == {"SO-ALFA-C1-1", "SO-ALFA-C1-2"}
    for case, so_id in {
        "same org, other customer": alfa.sos["SO-ALFA-C2-1"],
        "other org, same customer code": beta.sos["SO-BETA-C1-1"],
        "other org, other customer": beta.sos["SO-BETA-C2-1"],
    }.items():
        assert (await client.get(f"{CUS}/orders/{so_id}")).status == 404, case
    for case, shipment_id in {
        "same org, other customer": alfa.shipments["WZ-ALFA-C2-1"],
        "other org, same customer code": beta.shipments["WZ-BETA-C1-1"],
        "other org, other customer": beta.shipments["WZ-BETA-C2-1"],
    }.items():
        assert (await client.get(f"{CUS}/shipments/{shipment_id}")).status == 404, case
    assert (await client.get(f"{CUS}/shipments/{alfa.shipments['WZ-ALFA-C1-1']}")).status == 200
    # A customer's session reaches no supplier route, and the other way round.
    assert (await client.get(f"{SUP}/orders/{alfa.pos['PO-ALFA-S1-1']}")).status == 401


def _user(portal: Any, org: Org, party: str, ids: dict[str, uuid.UUID]) -> PortalUser:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    session = WebSession(
        token="t",
        realm=portal.realm,
        user_id=org.users[party],
        org_id=org.id,
        csrf_token="c",
        created_at=now,
        last_seen_at=now,
        expires_at=now,
        claims={"party_id": str(ids[party])},
    )
    return PortalUser(portal, session)


@pytest.mark.postgres
async def test_row_level_security_limits_raw_reads_to_the_party(
    kernel: Kernel, world: tuple[Org, Org]
) -> None:
    alfa, _ = world
    if not kernel.database.is_postgres:
        pytest.skip("row-level security is PostgreSQL's")
    supplier = _user(SUPPLIER, alfa, "S1", alfa.suppliers)
    async with party_session(kernel, supplier) as s:
        numbers = set((await s.execute(text("SELECT number FROM purchase_orders"))).scalars())
        assert numbers == {f"PO-ALFA-S1-{n}" for n in range(1, 6)}
        lines = (await s.execute(text("SELECT count(*) FROM purchase_order_lines"))).scalar()
        assert lines == 10
        assert set((await s.execute(text("SELECT code FROM suppliers"))).scalars()) == {"S1"}
        for table in ("sales_orders", "shipments", "shipment_lines", "customers", "invoices"):
            assert (await s.execute(text(f"SELECT count(*) FROM {table}"))).scalar() == 0, table
        # Writing another supplier's order changes nothing.
        updated = await s.execute(
            text("UPDATE purchase_orders SET notes = 'x' WHERE number = 'PO-ALFA-S2-1'")
        )
        assert updated.rowcount == 0
    customer = _user(CUSTOMER, alfa, "C1", alfa.customers)
    async with party_session(kernel, customer) as s:
        numbers = set((await s.execute(text("SELECT number FROM sales_orders"))).scalars())
        assert numbers == {"SO-ALFA-C1-1", "SO-ALFA-C1-2"}
        assert set((await s.execute(text("SELECT number FROM shipments"))).scalars()) == {
            "WZ-ALFA-C1-1"
        }
        assert (await s.execute(text("SELECT count(*) FROM shipment_lines"))).scalar() == 1
        assert (await s.execute(text("SELECT count(*) FROM purchase_orders"))).scalar() == 0
        assert set((await s.execute(text("SELECT code FROM customers"))).scalars()) == {"C1"}
    # A plain tenant session (no portal party) still sees the whole organisation.
    async with kernel.session(alfa.id) as s:
        assert (await s.execute(text("SELECT count(*) FROM purchase_orders"))).scalar() == 10
