"""The whole inbound road through the local folder mailbox: file -> stored -> sales order."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from monopilot_integrations.connectors.edi.inbound.poller import poll_all, poll_organization
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.db.tables import EventRow, logs_table
from monopilot_integrations.core.kernel import Kernel

from .support import KLOS, ORZEL, edi_context, inbox, sample, setup_org


async def messages(kernel: Kernel, org_id) -> list[EdiMessage]:  # type: ignore[no-untyped-def]
    async with kernel.session(org_id) as s:
        rows = await s.execute(
            select(EdiMessage)
            .where(EdiMessage.org_id == org_id)
            .order_by(EdiMessage.created_at, EdiMessage.id)
        )
        return list(rows.scalars())


async def events(kernel: Kernel, org_id, event_type: str) -> list[EventRow]:  # type: ignore[no-untyped-def]
    async with kernel.session(org_id) as s:
        rows = await s.execute(
            select(EventRow).where(EventRow.org_id == org_id, EventRow.event_type == event_type)
        )
        found = list(rows.scalars())
    for row in found:
        kernel.registry.event_types[row.event_type].validate(row.data)
    return found


async def orders_for(kernel: Kernel, org_id, reference: str) -> int:  # type: ignore[no-untyped-def]
    page = await kernel.domain.list_sales_orders(org_id, source="edi", limit=1000)
    return sum(1 for o in page.items if o.external_reference == reference)


def drop(kernel: Kernel, org_id, name: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    folder = inbox(kernel, org_id) / "in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(body)


async def test_an_orders_file_becomes_a_confirmed_sales_order_and_is_archived(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel)
    drop(kernel, org.id, "orders-0457.edi", sample("orders_d96a.edi"))

    report = await poll_all(kernel)

    assert (report.files, report.archived, report.rejected, report.processed) == (1, 1, 0, 1)
    root = inbox(kernel, org.id)
    assert (root / "archive" / "orders-0457.edi").read_bytes() == sample("orders_d96a.edi")
    assert list((root / "in").iterdir()) == [] and list((root / "processing").iterdir()) == []
    (message,) = await messages(kernel, org.id)
    assert (message.direction, message.message_type, message.status) == (
        "inbound",
        "ORDERS",
        "processed",
    )
    assert message.outcome == "sales_order_created" and message.errors == []
    assert message.partner_id == ORZEL and message.reference_id == "ORZ/2030/03/0457"
    assert message.message_content.startswith("UNH+ME000001+ORDERS:D:96A:UN:EAN008'")
    order = await kernel.domain.get_sales_order(org.id, message.sales_order_id)
    assert order is not None
    assert (order.status, order.source, order.external_reference) == (
        "confirmed",
        "edi",
        "ORZ/2030/03/0457",
    )
    assert order.customer_id == org.customers["ORZEL"]
    assert order.requested_delivery_date.isoformat() == "2030-03-12"
    assert order.delivery_party_gln == "5901234000079"
    first = order.lines[0]
    assert (first.line_no, first.product_code, first.gtin, first.qty, first.unit_price) == (
        1,
        "CHL-ZYT-500",
        "5901234100014",
        Decimal("240"),
        Decimal("5.6"),
    )
    assert all(line.product_id is not None for line in order.lines)
    (created,) = await events(kernel, org.id, "sales_order.created")
    assert created.data["sales_order_id"] == str(order.id) and created.data["source"] == "edi"
    async with kernel.session(org.id) as s:
        logged = (
            await s.execute(
                select(logs_table).where(
                    logs_table.c.org_id == org.id, logs_table.c.integration_type == "edi"
                )
            )
        ).all()
    assert [(r.direction, r.status) for r in logged] == [("inbound", "success")]


async def test_a_file_with_two_interchanges_of_two_partners_is_taken_whole(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel)
    drop(kernel, org.id, "batch.edi", sample("two_interchanges.edi"))

    report = await poll_organization(edi_context(kernel), org.id)

    assert report.processed == 3
    rows = await messages(kernel, org.id)
    assert sorted(r.partner_id for r in rows) == sorted([KLOS, ORZEL, ORZEL])
    assert {r.outcome for r in rows} == {"sales_order_created"}


async def test_garbage_is_stored_as_an_error_moved_aside_and_the_poll_goes_on(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel)
    drop(kernel, org.id, "a-garbage.bin", b"\x00\xffnot edifact at all\x00")
    drop(kernel, org.id, "b-orders.edi", sample("orders_d01b.edi"))

    report = await poll_all(kernel)

    assert (report.files, report.archived, report.rejected) == (2, 1, 1)
    garbage, orders = await messages(kernel, org.id)
    assert garbage.status == "error" and garbage.message_type == "UNKNOWN"
    assert garbage.errors[0]["code"] == "NOT_EDIFACT"
    assert garbage.raw_bytes == b"\x00\xffnot edifact at all\x00"  # nothing is lost
    assert "\x00" not in garbage.message_content
    assert orders.outcome == "sales_order_created"
    root = inbox(kernel, org.id)
    assert (root / "error" / "a-garbage.bin").exists()
    assert "NOT_EDIFACT" in (root / "error" / "a-garbage.bin.error.txt").read_text() or (
        "no EDIFACT" in (root / "error" / "a-garbage.bin.error.txt").read_text()
    )
    (failed,) = await events(kernel, org.id, "edi.message.failed")
    assert failed.data["message_id"] == str(garbage.id)
    assert failed.data["errors"][0]["code"] == "NOT_EDIFACT"


async def test_a_duplicate_interchange_is_recognised_and_not_processed_twice(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel)
    drop(kernel, org.id, "first.edi", sample("orders_d96a.edi"))
    await poll_all(kernel)
    drop(kernel, org.id, "resent.edi", sample("orders_d96a.edi"))

    report = await poll_all(kernel)

    assert report.rejected == 1
    first, second = await messages(kernel, org.id)
    assert first.outcome == "sales_order_created"
    assert second.status == "error"
    assert [e["code"] for e in second.errors] == ["DUPLICATE_INTERCHANGE"]
    assert "control reference ORZ00000457 was already received" in second.error_message
    assert await orders_for(kernel, org.id, "ORZ/2030/03/0457") == 1


async def test_a_test_interchange_into_production_is_refused_with_its_reason(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel)
    test_flagged = sample("orders_d96a.edi").replace(b"++ORDERS'", b"++ORDERS++++1'")
    drop(kernel, org.id, "test.edi", test_flagged)

    await poll_all(kernel)

    (message,) = await messages(kernel, org.id)
    assert message.status == "error" and message.test is True
    assert [e["code"] for e in message.errors] == ["TEST_IN_PRODUCTION"]
    assert "marked as a test" in message.error_message
    assert await orders_for(kernel, org.id, "ORZ/2030/03/0457") == 0


async def test_in_test_mode_an_order_waits_for_review(kernel: Kernel) -> None:
    org = await setup_org(kernel, partner_test_mode=True)
    drop(kernel, org.id, "orders.edi", sample("orders_d96a.edi"))

    await poll_all(kernel)

    (message,) = await messages(kernel, org.id)
    assert message.outcome == "pending_review"
    order = await kernel.domain.get_sales_order(org.id, message.sales_order_id)
    assert order is not None and order.status == "pending_review"
    assert any("test mode" in e for e in order.review_errors)


async def test_an_unknown_partner_is_an_error_naming_the_sender(kernel: Kernel) -> None:
    org = await setup_org(kernel)
    stranger = sample("orders_d96a.edi").replace(b"5901234000048:14+", b"5909999000006:14+", 1)
    drop(kernel, org.id, "stranger.edi", stranger)

    await poll_all(kernel)

    (message,) = await messages(kernel, org.id)
    assert message.status == "error"
    assert message.errors[0]["code"] == "UNKNOWN_PARTNER"
    assert "5909999000006" in message.error_message


async def test_an_unknown_product_makes_a_pending_review_order_listing_it(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel)
    body = (
        sample("orders_d96a.edi")
        .replace(b"5901234100021:EN", b"5901234999991:EN")
        .replace(b"CHL-PSZ-600:SA", b"NO-SUCH-ITEM:SA")
    )
    drop(kernel, org.id, "orders.edi", body)

    await poll_all(kernel)

    (message,) = await messages(kernel, org.id)
    assert message.status == "processed" and message.outcome == "pending_review"
    assert any("5901234999991" in e["message"] for e in message.errors)
    order = await kernel.domain.get_sales_order(org.id, message.sales_order_id)
    assert order is not None and order.status == "pending_review"
    assert order.review_errors == [e["message"] for e in message.errors]
    (review,) = await events(kernel, org.id, "edi.order.pending_review")
    assert review.data["sales_order_id"] == str(order.id)
    assert any("no product found" in e for e in review.data["errors"])
    assert await events(kernel, org.id, "sales_order.created") == []


async def test_a_crash_between_storing_and_archiving_neither_loses_nor_repeats_the_file(
    kernel: Kernel,
) -> None:
    """The poller dies after the commit: the file stays in processing/. The next poll
    after the claim timeout finds it already stored and only archives it."""
    from monopilot_integrations.connectors.edi.inbound.storage import store_file
    from monopilot_integrations.connectors.edi.mailbox.sources import default_mailbox

    org = await setup_org(kernel)
    edi = edi_context(kernel)
    drop(kernel, org.id, "orders.edi", sample("orders_d96a.edi"))
    mailbox = default_mailbox(edi.mailbox_root, org.id)
    (claimed,) = await mailbox.receive()
    await store_file(
        edi, org.id, name=claimed.name, body=claimed.body, source=mailbox.source, process=False
    )
    # ... crash: no acknowledge, no processing. Once the claim is stale, a poll runs again:
    assert (inbox(kernel, org.id) / "processing" / "orders.edi").exists()
    edi.settings = edi.settings.model_copy(update={"claim_timeout": 1e-6})

    report = await poll_organization(edi, org.id)  # processes what was stored but pending

    assert report.processed == 1 and report.already_stored == 1 and report.archived == 1
    assert (inbox(kernel, org.id) / "archive" / "orders.edi").exists()
    stored = await store_file(
        edi, org.id, name=claimed.name, body=claimed.body, source=mailbox.source
    )
    assert stored.already_stored
    (message,) = await messages(kernel, org.id)
    assert message.outcome == "sales_order_created"
    assert await orders_for(kernel, org.id, "ORZ/2030/03/0457") == 1


async def test_two_pollers_at_once_take_each_file_exactly_once(kernel: Kernel) -> None:
    import asyncio

    org = await setup_org(kernel)
    for n in range(6):
        body = (
            sample("orders_d96a.edi")
            .replace(b"ORZ00000457", f"ORZ9{n:07d}".encode())
            .replace(b"ORZ/2030/03/0457", f"ORZ/2030/C/{n}".encode())
        )
        drop(kernel, org.id, f"orders-{n}.edi", body)

    first, second = await asyncio.gather(
        poll_organization(edi_context(kernel), org.id),
        poll_organization(edi_context(kernel), org.id),
    )

    assert first.files + second.files == 6
    assert first.processed + second.processed == 6
    rows = await messages(kernel, org.id)
    assert len(rows) == 6 and {r.outcome for r in rows} == {"sales_order_created"}
    for n in range(6):
        assert await orders_for(kernel, org.id, f"ORZ/2030/C/{n}") == 1
    assert len(list((inbox(kernel, org.id) / "archive").iterdir())) == 6
