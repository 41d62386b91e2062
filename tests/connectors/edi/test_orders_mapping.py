"""The ORDERS -> sales order mapping as pure functions over parsed messages."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from monopilot_integrations.connectors.edi.edifact import Message, read_interchanges
from monopilot_integrations.connectors.edi.inbound.orders import build_sales_order, read_order
from monopilot_integrations.core.domain.parties import Customer
from monopilot_integrations.core.domain.products import Product

from .support import ORZEL, sample

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, tzinfo=UTC)
ORG = uuid.uuid4()


def message(body: bytes) -> Message:
    (result,) = read_interchanges(body)
    assert result.interchange is not None, result.error
    return result.interchange.messages[0]


def customer() -> Customer:
    return Customer(id=uuid.uuid4(), org_id=ORG, code="ORZEL", name="Orzeł", gln=ORZEL)


def product(code: str, gtin: str) -> Product:
    return Product(
        id=uuid.uuid4(),
        org_id=ORG,
        code=code,
        gtin=gtin,
        name=code,
        unit="pcs",
        price=Decimal(1),
        currency="PLN",
        vat_rate=Decimal(5),
        reorder_level=Decimal(0),
        active=True,
        created_at=NOW,
        updated_at=NOW,
    )


def test_the_documents_fields_land_where_the_mapping_says() -> None:
    document = read_order(message(sample("orders_d96a.edi")))

    assert document.number == "ORZ/2030/03/0457"
    assert document.order_date == date(2026, 11, 25)
    assert document.requested_delivery_date == date(2030, 3, 12)
    assert (document.buyer_gln, document.delivery_gln, document.currency) == (
        ORZEL,
        "5901234000079",
        "PLN",
    )
    first = document.lines[0]
    assert (first.line_no, first.gtin, first.article_number, first.qty, first.unit_price) == (
        1,
        "5901234100014",
        "CHL-ZYT-500",
        Decimal(240),
        Decimal("5.60"),
    )
    assert first.description == "Chleb zytni 500 g"
    assert document.problems == ()


def test_a_clean_order_is_confirmed() -> None:
    document = read_order(message(sample("orders_d96a.edi")))
    products = {
        line.position: product(line.article_number or "?", line.gtin or "")
        for line in document.lines
    }

    mapped = build_sales_order(document, customer=customer(), products=products, today=TODAY)

    assert mapped.errors == ()
    assert mapped.order is not None and mapped.order.status == "confirmed"
    assert mapped.order.external_reference == "ORZ/2030/03/0457"
    assert [line.qty for line in mapped.order.lines] == [line.qty for line in document.lines]


def test_every_problem_is_listed_and_the_order_waits_for_review() -> None:
    body = (
        sample("orders_d01b.edi")
        .replace(b"DTM+2:203004150600:203", b"DTM+2:202601010600:203", 1)
        .replace(b"QTY+21:300", b"QTY+21:0")
    )
    document = read_order(message(body))
    first = document.lines[0]

    mapped = build_sales_order(
        document, customer=None, products={first.position: product("CHL-RAZ-450", "x")}, today=TODAY
    )

    assert mapped.order is not None and mapped.order.status == "pending_review"
    text = "\n".join(mapped.errors)
    assert "NAD+BY: no customer with GLN 5901234000055" in text
    assert "requested delivery date 2026-01-01 is in the past" in text
    assert "line 2 (segment 15): no product found (gtin 5901234100045, code BUL-GRA-80)" in text
    assert "line 2 (segment 15): quantity 0 is not positive; line left out" in text
    assert len(mapped.order.lines) == 1
    assert mapped.order.review_errors == list(mapped.errors)


def test_an_order_without_a_usable_line_is_not_created() -> None:
    body = (
        sample("orders_d01b.edi")
        .replace(b"QTY+21:80", b"QTY+21:0")
        .replace(b"QTY+21:300", b"QTY+21:0")
    )
    document = read_order(message(body))

    mapped = build_sales_order(document, customer=customer(), products={}, today=TODAY)

    assert mapped.order is None
    assert mapped.errors[-1] == "the order has no usable line: nothing was created"


def test_invalid_dates_are_named_with_their_segment() -> None:
    body = sample("orders_d96a.edi").replace(b"DTM+137:20261125:102", b"DTM+137:20261345:102")

    document = read_order(message(body))

    assert document.order_date is None
    assert any("'20261345' is not a valid date in format 102" in p for p in document.problems)
