"""A processing failure right after storing never costs the stored message.

The database itself refuses the sales order (a trigger): the savepoint rolls back, the
message is stored all the same as ``pending`` (with none of the failed attempt's outcome),
and once the cause is gone the next poll processes it.
"""

from __future__ import annotations

from sqlalchemy import select, text

from monopilot_integrations.connectors.edi.inbound.poller import poll_organization
from monopilot_integrations.connectors.edi.inbound.storage import store_file
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.kernel import Kernel

from .support import edi_context, sample, setup_org

SQLITE_TRIGGER = (
    "CREATE TRIGGER edi_test_refuse BEFORE INSERT ON sales_orders "
    "BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END",
)
POSTGRES_TRIGGER = (
    "CREATE FUNCTION edi_test_refuse() RETURNS trigger AS "
    "$$ BEGIN RAISE EXCEPTION 'the disk is on fire'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER edi_test_refuse BEFORE INSERT ON sales_orders "
    "FOR EACH ROW EXECUTE FUNCTION edi_test_refuse()",
)


async def _execute(kernel: Kernel, statements: tuple[str, ...]) -> None:
    async with kernel.database.system_session() as session:
        for statement in statements:
            await session.execute(text(statement))


async def test_a_message_whose_processing_fails_is_stored_pending_and_processed_later(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel)
    edi = edi_context(kernel)
    postgres = kernel.database.engine.dialect.name == "postgresql"
    await _execute(kernel, POSTGRES_TRIGGER if postgres else SQLITE_TRIGGER)
    try:
        stored = await store_file(
            edi, org.id, name="orders.edi", body=sample("orders_d96a.edi"), source="t"
        )
    finally:
        drop = ("DROP TRIGGER edi_test_refuse ON sales_orders", "DROP FUNCTION edi_test_refuse()")
        await _execute(kernel, drop if postgres else ("DROP TRIGGER edi_test_refuse",))

    (item,) = stored.messages
    assert (item.status, item.processed, item.error) == ("pending", False, None)
    async with kernel.session(org.id) as session:
        row = await session.scalar(select(EdiMessage).where(EdiMessage.id == item.id))
    assert row is not None
    assert (row.status, row.outcome, row.sales_order_id, row.processed_at) == (
        "pending",
        None,
        None,
        None,
    )
    assert row.errors == [] and row.raw_bytes == sample("orders_d96a.edi").strip()

    report = await poll_organization(edi, org.id)

    assert report.processed == 1
    async with kernel.session(org.id) as session:
        row = await session.scalar(select(EdiMessage).where(EdiMessage.id == item.id))
    assert row is not None and (row.status, row.outcome) == ("processed", "sales_order_created")
