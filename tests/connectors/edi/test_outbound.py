"""Records -> messages -> the partner's mailbox, through the job engine."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from monopilot_integrations.connectors.edi import partner_store
from monopilot_integrations.connectors.edi.edifact import read_interchanges, validate_message
from monopilot_integrations.connectors.edi.inbound.poller import poll_all
from monopilot_integrations.connectors.edi.outbound.documents import LineAnswer
from monopilot_integrations.connectors.edi.outbound.records import send_record
from monopilot_integrations.connectors.edi.tables import EdiMessage, EdiPartner
from monopilot_integrations.core.kernel import Kernel

from .support import ORZEL, OUR_GLN, Org, edi_context, inbox, sample, setup_org


async def send(kernel: Kernel, org: Org, message_type: str, record_id: uuid.UUID, **kw):  # type: ignore[no-untyped-def]
    edi = edi_context(kernel)
    async with kernel.session(org.id) as session:
        queued = await send_record(
            edi, session, org.id, message_type=message_type, record_id=record_id, **kw
        )
    outcome = await kernel.run_job(org.id, queued.job_id)
    assert outcome.status == "succeeded", outcome
    async with kernel.session(org.id) as session:
        row = await session.scalar(select(EdiMessage).where(EdiMessage.id == queued.message.id))
    assert row is not None
    return row


def out_file(kernel: Kernel, org: Org, row: EdiMessage) -> bytes:
    name = f"{row.message_type}_{ORZEL}_{row.control_reference}.edi"
    return (inbox(kernel, org.id) / "out" / name).read_bytes()


async def test_an_invoice_becomes_an_invoic_in_the_partners_mailbox(kernel: Kernel) -> None:
    org = await setup_org(kernel)
    invoice = (await kernel.domain.list_invoices(org.id)).items[0]

    row = await send(kernel, org, "INVOIC", invoice.id)

    assert (row.status, row.outcome, row.direction) == ("processed", "sent", "outbound")
    assert row.reference_id == invoice.number and row.record_type == "invoice"
    (result,) = read_interchanges(out_file(kernel, org, row))
    interchange = result.interchange
    assert interchange is not None and result.error is None
    assert (interchange.sender.id, interchange.recipient.id) == (OUR_GLN, ORZEL)
    assert interchange.control_reference == row.control_reference == "1"
    assert interchange.test is False
    (message,) = interchange.messages
    assert validate_message(message) == []
    assert message.find("BGM").value(1) == invoice.number  # type: ignore[union-attr]
    assert message.find("RFF", "ON").value(0, 1) == "ORZ/2026/03/0457"  # type: ignore[union-attr]
    assert message.find("RFF", "AAK").value(0, 1) == "WZ-2026-0001"  # type: ignore[union-attr]
    gross = message.find("MOA", "77")
    assert gross is not None and Decimal(gross.value(0, 1) or "") == invoice.gross_total
    lines = message.groups("LIN")
    assert [g[0].value(2, 0) for g in lines] == [line.gtin for line in invoice.lines]
    net = [Decimal(s.value(0, 1) or "") for g in lines for s in g if s.tag == "MOA"]
    assert net == [line.net_amount for line in invoice.lines]


async def test_control_references_count_up_per_partner_and_test_mode_marks_the_envelope(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel, partner_test_mode=True)
    shipment = (await kernel.domain.list_shipments(org.id)).items[0]

    first = await send(kernel, org, "DESADV", shipment.id)
    second = await send(kernel, org, "DESADV", shipment.id)

    assert (first.control_reference, second.control_reference) == ("1", "2")
    (result,) = read_interchanges(out_file(kernel, org, second))
    assert result.interchange is not None and result.interchange.test is True
    message = result.interchange.messages[0]
    assert validate_message(message) == []
    sscc = [s.value(1) for s in message.find_all("GIN", "BJ")]
    assert sscc == [line.sscc for line in shipment.lines]
    async with kernel.session(org.id) as session:
        partner = await partner_store.get(session, org.id, org.partners["ORZEL"])
        assert partner.control_counter == 2


async def test_an_ordrsp_answers_each_line(kernel: Kernel) -> None:
    org = await setup_org(kernel)
    order = next(
        o
        for o in (await kernel.domain.list_sales_orders(org.id)).items
        if o.customer_id == org.customers["ORZEL"]
    )

    row = await send(
        kernel,
        org,
        "ORDRSP",
        order.id,
        answers={2: LineAnswer("changed", Decimal("300")), 3: LineAnswer("rejected")},
    )

    (result,) = read_interchanges(out_file(kernel, org, row))
    assert result.interchange is not None
    message = result.interchange.messages[0]
    assert validate_message(message) == []
    assert message.find("BGM").value(2) == "4"  # type: ignore[union-attr]
    actions = [
        (g[0].value(1), next(s.value(0, 1) for s in g if s.tag == "QTY"))
        for g in message.groups("LIN")
    ]
    assert actions == [("5", "240"), ("3", "300"), ("7", "0")]


async def test_a_partner_asking_for_contrl_gets_one_for_each_interchange(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel, send_contrl=True)
    folder = inbox(kernel, org.id) / "in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders.edi").write_bytes(sample("orders_d96a.edi"))

    await poll_all(kernel)

    async with kernel.session(org.id) as session:
        (contrl,) = (
            await session.execute(
                select(EdiMessage).where(
                    EdiMessage.org_id == org.id, EdiMessage.direction == "outbound"
                )
            )
        ).scalars()
    assert contrl.message_type == "CONTRL" and contrl.reference_id == "ORZ00000457"
    assert contrl.job_id is not None
    outcome = await kernel.run_job(org.id, contrl.job_id)
    assert outcome.status == "succeeded"
    (result,) = read_interchanges(out_file(kernel, org, contrl))
    assert result.interchange is not None
    uci = result.interchange.messages[0].find("UCI")
    assert uci is not None and uci.value(0) == "ORZ00000457" and uci.value(3) == "7"


async def test_a_partner_without_the_message_type_is_refused(kernel: Kernel) -> None:
    from monopilot_integrations.core.errors import ValidationError

    org = await setup_org(kernel, message_types=["ORDERS"])
    invoice = (await kernel.domain.list_invoices(org.id)).items[0]
    edi = edi_context(kernel)
    try:
        async with kernel.session(org.id) as session:
            await send_record(edi, session, org.id, message_type="INVOIC", record_id=invoice.id)
    except ValidationError as exc:
        assert "does not exchange INVOIC" in str(exc)
    else:
        raise AssertionError("the send was not refused")
    async with kernel.session(org.id) as session:
        partner = await session.scalar(
            select(EdiPartner).where(EdiPartner.id == org.partners["ORZEL"])
        )
        assert partner is not None and partner.control_counter == 0


async def test_an_unreachable_mailbox_is_retried_by_the_engine_until_it_works(
    kernel: Kernel,
) -> None:
    from monopilot_integrations.core.clock import ManualClock

    org = await setup_org(kernel)
    root = inbox(kernel, org.id)
    root.mkdir(parents=True, exist_ok=True)
    (root / "out").write_text("a file where the out folder should be")
    invoice = (await kernel.domain.list_invoices(org.id)).items[0]
    async with kernel.session(org.id) as session:
        queued = await send_record(
            edi_context(kernel), session, org.id, message_type="INVOIC", record_id=invoice.id
        )

    first = await kernel.run_job(org.id, queued.job_id)

    assert first.status == "retrying" and first.next_run_at is not None
    async with kernel.session(org.id) as session:
        row = await session.scalar(select(EdiMessage).where(EdiMessage.id == queued.message.id))
    assert (
        row is not None and row.status == "pending" and "cannot write" in (row.error_message or "")
    )
    (root / "out").unlink()
    assert isinstance(kernel.clock, ManualClock)
    kernel.clock.set(first.next_run_at)
    second = await kernel.run_job(org.id, queued.job_id)
    assert second.status == "succeeded"
    async with kernel.session(org.id) as session:
        row = await session.scalar(select(EdiMessage).where(EdiMessage.id == queued.message.id))
    assert row is not None and (row.status, row.outcome, row.error_message) == (
        "processed",
        "sent",
        None,
    )


async def test_an_unreadable_interchange_is_rejected_with_a_contrl(kernel: Kernel) -> None:
    org = await setup_org(kernel, send_contrl=True)
    folder = inbox(kernel, org.id) / "in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bad.edi").write_bytes(sample("orders_d96a.edi").replace(b"UNT+39+", b"UNT+38+"))

    await poll_all(kernel)

    async with kernel.session(org.id) as session:
        (contrl,) = (
            await session.execute(
                select(EdiMessage).where(
                    EdiMessage.org_id == org.id, EdiMessage.direction == "outbound"
                )
            )
        ).scalars()
    (result,) = read_interchanges(contrl.raw_bytes or b"")
    assert result.interchange is not None
    uci = result.interchange.messages[0].find("UCI")
    assert uci is not None and uci.value(0) == "ORZ00000457" and uci.value(3) == "4"
