"""Outbound messages the outbox must tell the truth about: sent automatically once, and
failed (not pending) when the engine gives up on them."""

from __future__ import annotations

from sqlalchemy import select

from monopilot_integrations.connectors.edi.connector import scrub
from monopilot_integrations.connectors.edi.edifact import read_interchanges, validate_message
from monopilot_integrations.connectors.edi.outbound.records import send_record
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import EventRow, JobRow
from monopilot_integrations.core.kernel import Kernel

from .support import ORZEL, Org, edi_context, inbox, setup_org


async def outbound(kernel: Kernel, org: Org) -> list[EdiMessage]:
    async with kernel.session(org.id) as session:
        rows = await session.execute(
            select(EdiMessage)
            .where(EdiMessage.org_id == org.id, EdiMessage.direction == "outbound")
            .order_by(EdiMessage.created_at)
        )
        return list(rows.scalars())


async def edi_jobs(kernel: Kernel, org: Org) -> list[JobRow]:
    async with kernel.session(org.id) as session:
        rows = await session.execute(
            select(JobRow).where(JobRow.org_id == org.id, JobRow.connector == "edi")
        )
        return list(rows.scalars())


async def dispatch_shipment(kernel: Kernel, org: Org, customer: str) -> str:
    shipment = next(
        s
        for s in (await kernel.domain.list_shipments(org.id)).items
        if s.customer_id == org.customers[customer]
    )
    await kernel.publish(
        org.id,
        "shipment.dispatched",
        {
            "shipment_id": str(shipment.id),
            "shipment_number": shipment.number,
            "customer_code": customer,
        },
    )
    await kernel.dispatch_pending()
    return str(shipment.id)


async def test_a_dispatched_shipment_sends_one_desadv_to_a_partner_that_asks_for_it(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel, auto_send=["DESADV"])

    shipment_id = await dispatch_shipment(kernel, org, "ORZEL")
    (build,) = await edi_jobs(kernel, org)
    assert build.payload["build"] == "DESADV" and build.subject_id == ORZEL
    assert (await kernel.run_job(org.id, build.id)).status == "succeeded"

    (message,) = await outbound(kernel, org)
    assert (message.message_type, message.status, message.record_type) == (
        "DESADV",
        "pending",
        "shipment",
    )
    assert str(message.record_id) == shipment_id and message.job_id is not None
    assert (await kernel.run_job(org.id, message.job_id)).status == "succeeded"
    name = f"DESADV_{ORZEL}_{message.control_reference}.edi"
    (result,) = read_interchanges((inbox(kernel, org.id) / "out" / name).read_bytes())
    assert result.interchange is not None
    assert validate_message(result.interchange.messages[0]) == []

    # The same event again (a republish): a second build job, which finds the DESADV
    # already stored and sends nothing.
    await dispatch_shipment(kernel, org, "ORZEL")
    builds = [j for j in await edi_jobs(kernel, org) if "build" in j.payload]
    (second,) = [j for j in builds if j.id != build.id]
    assert (await kernel.run_job(org.id, second.id)).status == "succeeded"
    assert [m.message_type for m in await outbound(kernel, org)] == ["DESADV"]
    assert len([j for j in await edi_jobs(kernel, org) if "message_id" in j.payload]) == 1


async def test_no_automatic_desadv_once_edi_is_switched_off(kernel: Kernel) -> None:
    from monopilot_integrations.connectors.edi import config_store
    from monopilot_integrations.connectors.edi.profiles import EdiConfigIn

    org = await setup_org(kernel, auto_send=["DESADV"])
    await dispatch_shipment(kernel, org, "ORZEL")
    (build,) = await edi_jobs(kernel, org)
    async with kernel.session(org.id) as session:
        await config_store.put(session, org.id, EdiConfigIn(enabled=False), kernel.clock)

    assert (await kernel.run_job(org.id, build.id)).status == "succeeded"

    assert await outbound(kernel, org) == []


async def test_a_partner_without_auto_send_gets_nothing_on_dispatch(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel)

    await dispatch_shipment(kernel, org, "ORZEL")

    assert await edi_jobs(kernel, org) == []
    assert await outbound(kernel, org) == []


def test_auto_send_must_be_one_of_the_partners_message_types() -> None:
    from pydantic import ValidationError

    from monopilot_integrations.connectors.edi.profiles import PartnerIn

    try:
        PartnerIn(name="x", partner_id=ORZEL, message_types=["ORDERS"], auto_send=["DESADV"])
    except ValidationError as exc:
        assert "auto_send DESADV is not in message_types" in str(exc)
    else:
        raise AssertionError("the profile was accepted")


async def test_a_message_whose_retries_run_out_reads_as_failed_with_its_last_error(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel)
    root = inbox(kernel, org.id)
    root.mkdir(parents=True, exist_ok=True)
    (root / "out").write_text("a file where the out folder should be")
    invoice = (await kernel.domain.list_invoices(org.id)).items[0]
    async with kernel.session(org.id) as session:
        queued = await send_record(
            edi_context(kernel), session, org.id, message_type="INVOIC", record_id=invoice.id
        )
    assert isinstance(kernel.clock, ManualClock)
    failed = []

    outcome = await kernel.run_job(org.id, queued.job_id)
    while outcome.status == "retrying":
        async with kernel.session(org.id) as session:
            row = await session.get(EdiMessage, queued.message.id)
            assert row is not None and row.status == "pending"
        assert outcome.next_run_at is not None
        kernel.clock.set(outcome.next_run_at)
        outcome = await kernel.run_job(org.id, queued.job_id)
        failed.append(outcome.status)

    assert outcome.status == "dead" and len(failed) == 5
    async with kernel.session(org.id) as session:
        row = await session.get(EdiMessage, queued.message.id)
    assert row is not None and (row.status, row.outcome) == ("error", "failed")
    assert row.processed_at is not None
    assert (row.error_message or "").startswith("attempt 6: ")
    assert "cannot write" in (row.error_message or "") and "no retry left" in (
        row.error_message or ""
    )
    assert [e["code"] for e in row.errors] == ["DELIVERY"]
    async with kernel.session(org.id) as session:
        events = (
            await session.execute(
                select(EventRow.data).where(
                    EventRow.org_id == org.id, EventRow.event_type == "edi.message.failed"
                )
            )
        ).scalars()
        (failure,) = [e for e in events if e["message_id"] == str(row.id)]
    assert failure["direction"] == "outbound" and "no retry left" in failure["error"]


def test_error_texts_lose_every_known_secret_before_they_are_stored() -> None:
    text = "login as edi with s3cret-pass failed; key s3cret-pass-2 refused"

    scrubbed = scrub(text, ["s3cret-pass", "s3cret-pass-2"])

    assert scrubbed == "login as edi with *** failed; key *** refused"
