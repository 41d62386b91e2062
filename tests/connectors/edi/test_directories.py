"""Each message type in both directories, through the connector: inbound and outbound.

A D96A partner gets EANCOM 1997 codes (``LIN ...:EN``), a D01B partner EANCOM 2002 codes
(``LIN ...:SRV``); a D96A receiving advice (``BGM+352``) and a D01B one (``BGM+632``) are
both recorded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from monopilot_integrations.connectors.edi.edifact import read_interchanges, validate_message
from monopilot_integrations.connectors.edi.inbound.poller import poll_all
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.domain.tables import ShipmentReceiptRow

from .support import inbox, sample, seed, setup_org
from .test_outbound import out_file, send

ITEM_TYPE = {"D96A": "EN", "D01B": "SRV"}


@pytest.mark.parametrize("directory", ["D96A", "D01B"])
async def test_outbound_messages_carry_the_codes_of_the_partners_directory(
    kernel: Kernel, directory: str
) -> None:
    org = await setup_org(kernel, directory=directory)
    invoice = (await kernel.domain.list_invoices(org.id)).items[0]
    shipment = (await kernel.domain.list_shipments(org.id)).items[0]
    order = next(
        o
        for o in (await kernel.domain.list_sales_orders(org.id)).items
        if o.customer_id == org.customers["ORZEL"]
    )
    for kind, record_id in (
        ("INVOIC", invoice.id),
        ("DESADV", shipment.id),
        ("ORDRSP", order.id),
    ):
        row = await send(kernel, org, kind, record_id)
        (result,) = read_interchanges(out_file(kernel, org, row))
        assert result.interchange is not None
        (message,) = result.interchange.messages
        assert (message.type, message.directory) == (kind, directory)
        assert validate_message(message, outbound=True) == []
        types = {lin.value(2, 1) for lin in message.find_all("LIN")}
        assert types == {ITEM_TYPE[directory]}, kind


def _with_klos_shipment() -> dict[str, Any]:
    """The demo data plus the shipment the D01B samples speak of (WZ-2026-0412 to Kłos)."""
    data = seed("demo")
    data["shipments"] = [
        *data["shipments"],
        {
            "number": "WZ-2026-0412",
            "sales_order_number": "SO-2026-00002",
            "status": "dispatched",
            "dispatched_at": "2026-11-30T04:30:00+01:00",
            "lines": [
                {"product_code": "CHL-RAZ-450", "qty": "80", "sscc": "359012340000000049"},
                {"product_code": "BUL-GRA-80", "qty": "300", "sscc": "359012340000000049"},
            ],
        },
    ]
    return data


@pytest.mark.parametrize(
    ("name", "reference", "shipment", "quantities"),
    [
        ("recadv_d96a.edi", "REC-2026-03-0091", "WZ-2026-0001", [(240, 0), (350, 10), (1200, 0)]),
        ("recadv_d01b.edi", "KLOS-PZ-9120", "WZ-2026-0412", [(80, 0), (290, 10)]),
    ],
)
async def test_a_receiving_advice_of_either_directory_is_recorded(
    kernel: Kernel,
    name: str,
    reference: str,
    shipment: str,
    quantities: list[tuple[int, int]],
) -> None:
    org = await setup_org(kernel, seed_data=_with_klos_shipment())
    folder = inbox(kernel, org.id) / "in"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(sample(name))

    report = await poll_all(kernel)

    assert report.processed == 1
    async with kernel.session(org.id) as session:
        message = await session.scalar(select(EdiMessage).where(EdiMessage.org_id == org.id))
        assert message is not None and message.outcome == "receipt_recorded", message.errors
        receipt = await session.scalar(
            select(ShipmentReceiptRow).where(ShipmentReceiptRow.id == message.receipt_id)
        )
    assert receipt is not None and receipt.reference == reference
    recorded = [(Decimal(x["qty_accepted"]), Decimal(x["qty_rejected"])) for x in receipt.lines]
    assert recorded == quantities
    found = await kernel.domain.find_shipment_by_number(org.id, shipment)
    assert found is not None and found.status == "delivered"


@pytest.mark.parametrize("name", ["orders_d96a.edi", "orders_d01b.edi"])
async def test_an_order_of_either_directory_becomes_a_sales_order(
    kernel: Kernel, name: str
) -> None:
    org = await setup_org(kernel)
    folder = inbox(kernel, org.id) / "in"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(sample(name))

    await poll_all(kernel)

    async with kernel.session(org.id) as session:
        message = await session.scalar(select(EdiMessage).where(EdiMessage.org_id == org.id))
    assert message is not None and message.status == "processed", message.errors
    assert message.sales_order_id is not None
    order = await kernel.domain.get_sales_order(org.id, message.sales_order_id)
    assert order is not None and all(line.gtin for line in order.lines)
