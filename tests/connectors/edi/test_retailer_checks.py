"""What a retailer checks on our INVOIC and DESADV: parties, dates, references, VAT per
rate, totals that add up, pallets as packages; and the ORDERS' invoicee kept for it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from monopilot_integrations.connectors.edi.edifact import (
    Message,
    read_interchanges,
    validate_message,
)
from monopilot_integrations.connectors.edi.inbound.poller import poll_all
from monopilot_integrations.connectors.edi.outbound.documents import DocumentError
from monopilot_integrations.connectors.edi.outbound.invoic import build_invoic
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.kernel import Kernel

from .support import ORZEL, inbox, sample, seed, setup_org
from .test_outbound import out_file, send

HEAD_OFFICE = "5901234000093"
STRICT_GUIDE = {
    "INVOIC": ["NAD+IV", "NAD+DP", "DTM+35", "RFF+ON", "RFF+DQ"],
    "DESADV": ["DTM+17", "RFF+ON", "PAC"],
}


def _retailer_seed() -> dict[str, Any]:
    """The demo data with an invoicee on Orzeł's order, a 23% line on its invoice and a
    mixed pallet (the first two lines share one SSCC)."""
    data = seed("demo")
    orders = [dict(o) for o in data["sales_orders"]]
    orders[0]["invoicee_gln"] = HEAD_OFFICE
    data["sales_orders"] = orders
    invoice = dict(data["invoices"][0])
    invoice["lines"] = [
        *invoice["lines"],
        {"product_code": "OPK-TORBA", "qty": "100", "unit_price": "0.15"},
    ]
    data["invoices"] = [invoice, *data["invoices"][1:]]
    shipment = dict(data["shipments"][0])
    lines = [dict(line) for line in shipment["lines"]]
    lines[1]["sscc"] = lines[0]["sscc"]
    shipment["lines"] = lines
    data["shipments"] = [shipment, *data["shipments"][1:]]
    return data


def _value(message: Message, tag: str, qualifier: str) -> str | None:
    segment = message.find(tag, qualifier)
    if segment is None:
        return None
    return segment.value(1, 0) if tag == "NAD" else segment.value(0, 1)


def _amounts(segments: list[Any], qualifier: str) -> list[Decimal]:
    return [Decimal(s.value(0, 1)) for s in segments if s.tag == "MOA" and s.qualifier == qualifier]


async def _sent(kernel: Kernel, kind: str, directory: str) -> Message:
    org = await setup_org(
        kernel, seed_data=_retailer_seed(), directory=directory, required_segments=STRICT_GUIDE
    )
    domain = kernel.domain
    record = (
        (await domain.list_invoices(org.id)).items[0]
        if kind == "INVOIC"
        else (await domain.list_shipments(org.id)).items[0]
    )
    row = await send(kernel, org, kind, record.id)
    (result,) = read_interchanges(out_file(kernel, org, row))
    assert result.interchange is not None
    (message,) = result.interchange.messages
    assert validate_message(message, outbound=True) == []
    return message


@pytest.mark.parametrize("directory", ["D96A", "D01B"])
async def test_the_invoic_carries_what_the_retailer_checks(kernel: Kernel, directory: str) -> None:
    message = await _sent(kernel, "INVOIC", directory)

    assert _value(message, "NAD", "BY") == ORZEL
    assert _value(message, "NAD", "IV") == HEAD_OFFICE
    assert _value(message, "NAD", "DP") == "5901234000079"
    assert _value(message, "DTM", "35") == "20260310"
    assert _value(message, "RFF", "ON") == "ORZ/2026/03/0457"
    assert _value(message, "RFF", "DQ") == "WZ-2026-0001"
    on = next(i for i, s in enumerate(message.segments) if s.tag == "RFF" and s.qualifier == "ON")
    assert message.segments[on + 1].qualifier == "171"
    # VAT summary per rate after UNS: 5% and 23%, each with its taxable and tax amount
    summary = message.segments[[s.tag for s in message.segments].index("UNS") :]
    rates = [s.value(4, 3) for s in summary if s.tag == "TAX"]
    assert rates == ["5", "23"]
    lines = [s for group in message.groups("LIN") for s in group]
    line_net = _amounts(lines, "203")
    [net] = _amounts(summary, "79")
    [vat] = _amounts(summary, "176")
    [gross] = _amounts(summary, "77")
    per_rate_net = _amounts(summary, "125")[1:]  # the first 125 is the invoice's total
    per_rate_vat = _amounts(summary, "124")
    assert sum(line_net) == net == sum(per_rate_net)
    assert per_rate_vat == [Decimal("177.60"), Decimal("3.45")]
    assert sum(per_rate_vat) == vat and net + vat == gross


@pytest.mark.parametrize("directory", ["D96A", "D01B"])
async def test_the_desadv_books_the_slot_and_ships_pallets_as_packages(
    kernel: Kernel, directory: str
) -> None:
    message = await _sent(kernel, "DESADV", directory)

    assert _value(message, "DTM", "17") == "20260310"
    assert _value(message, "RFF", "ON") == "ORZ/2026/03/0457"
    tags = [(s.tag, s.value(0)) for s in message.segments]
    on = tags.index(("RFF", "ON"))
    assert message.segments[on + 1].qualifier == "171"
    cps1 = tags.index(("CPS", "1"))
    assert (tags[cps1 + 1], message.segments[cps1 + 1].value(2)) == (("PAC", "2"), "201")
    ssccs = [s.value(1) for s in message.find_all("GIN", "BJ")]
    assert ssccs == ["359012340000000018", "359012340000000032"]
    # the mixed pallet carries two lines, the second pallet one
    packages: list[list[str]] = []
    for segment in message.segments:
        if segment.tag == "CPS" and segment.value(0) != "1":
            packages.append([])
        elif segment.tag == "LIN" and packages:
            packages[-1].append(segment.value(2, 0) or "")
    assert packages == [["5901234100014", "5901234100021"], ["5901234100038"]]


async def test_an_orders_invoicee_is_kept_on_the_sales_order(kernel: Kernel) -> None:
    org = await setup_org(kernel)
    folder = inbox(kernel, org.id) / "in"
    folder.mkdir(parents=True)
    (folder / "orders.edi").write_bytes(
        sample("orders_d96a.edi").replace(
            b"NAD+IV+5901234000048", b"NAD+IV+" + HEAD_OFFICE.encode()
        )
    )

    await poll_all(kernel)

    async with kernel.session(org.id) as session:
        message = await session.scalar(select(EdiMessage).where(EdiMessage.org_id == org.id))
    assert message is not None and message.sales_order_id is not None, message
    order = await kernel.domain.get_sales_order(org.id, message.sales_order_id)
    assert order is not None and order.invoicee_gln == HEAD_OFFICE


async def test_an_invoice_whose_totals_do_not_add_up_is_not_sent(kernel: Kernel) -> None:
    org = await setup_org(kernel)
    invoice = (await kernel.domain.list_invoices(org.id)).items[0]
    organization = await kernel.domain.get_organization(org.id)
    assert organization is not None
    wrong = invoice.model_copy(update={"gross_total": invoice.gross_total + Decimal("0.01")})

    with pytest.raises(DocumentError) as refused:
        build_invoic(wrong, organization)

    assert "totals do not add up" in str(refused.value)
    assert build_invoic(invoice, organization).type == "INVOIC"
