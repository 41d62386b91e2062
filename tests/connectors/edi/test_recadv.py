"""RECADV -> the receipt recorded against the shipment and its order."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from monopilot_integrations.connectors.edi.inbound.poller import poll_all
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.db.tables import EventRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.domain.tables import ShipmentReceiptRow

from .support import inbox, sample, setup_org


async def test_a_receiving_advice_records_accepted_and_rejected_quantities(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel)
    folder = inbox(kernel, org.id) / "in"
    folder.mkdir(parents=True)
    (folder / "recadv.edi").write_bytes(sample("recadv_d96a.edi"))

    report = await poll_all(kernel)

    assert report.processed == 1
    async with kernel.session(org.id) as session:
        message = await session.scalar(select(EdiMessage).where(EdiMessage.org_id == org.id))
        assert message is not None and message.outcome == "receipt_recorded", message.errors
        receipt = await session.scalar(
            select(ShipmentReceiptRow).where(ShipmentReceiptRow.id == message.receipt_id)
        )
        recorded = (
            await session.execute(
                select(EventRow).where(
                    EventRow.org_id == org.id, EventRow.event_type == "edi.receipt.recorded"
                )
            )
        ).scalar_one()
    assert receipt is not None and receipt.reference == "REC-2026-03-0091"
    quantities = [(Decimal(x["qty_accepted"]), Decimal(x["qty_rejected"])) for x in receipt.lines]
    assert quantities == [(240, 0), (350, 10), (1200, 0)]
    assert all(line["product_id"] for line in receipt.lines)
    shipment = await kernel.domain.find_shipment_by_number(org.id, "WZ-2026-0001")
    assert shipment is not None and shipment.status == "delivered"
    assert message.sales_order_id == shipment.sales_order_id
    assert recorded.data["rejected_lines"] == 1


async def test_a_receiving_advice_for_an_unknown_shipment_is_an_error(kernel: Kernel) -> None:
    org = await setup_org(kernel)
    folder = inbox(kernel, org.id) / "in"
    folder.mkdir(parents=True)
    body = sample("recadv_d96a.edi").replace(b"RFF+AAK:WZ-2026-0001", b"RFF+AAK:WZ-1999-0404")
    (folder / "recadv.edi").write_bytes(body)

    await poll_all(kernel)

    async with kernel.session(org.id) as session:
        message = await session.scalar(select(EdiMessage).where(EdiMessage.org_id == org.id))
    assert message is not None and message.status == "error"
    assert message.errors[0]["code"] == "UNKNOWN_SHIPMENT"
    assert "WZ-1999-0404" in (message.error_message or "")
