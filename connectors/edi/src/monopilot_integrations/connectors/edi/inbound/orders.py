"""EDIFACT ORDERS -> a MonoPilot sales order: pure functions over the parsed message.

The mapping (architecture document, EANCOM ORDERS):

==========================  ===============================================
BGM C106/1004 (element 2)   the customer's order number (external_reference)
DTM+137                     order date
DTM+2 (header or line)      requested delivery date
NAD+BY C082/3039            the customer, by GLN
NAD+DP C082/3039            the delivery party's GLN
NAD+IV C082/3039            the invoicee's GLN (kept for INVOIC NAD+IV)
CUX+2 C504/6345             currency
LIN 1082                    line number
LIN C212/7140 (7143 EN/UP in D96A, SRV in D01B) the product's GTIN
PIA C212 (7143 SA, SRV)     our article number (product code) or a GTIN
IMD C273/7008               product code when nothing else names the product
QTY+21 C186/6060            ordered quantity
PRI+AAA (or AAB) C509/5118  unit price
==========================  ===============================================

:func:`read_order` extracts; :func:`build_sales_order` checks (customer exists, products
exist, dates valid and not in the past, quantities positive) and returns the order to
create with every problem listed. No I/O: the caller looks the customer and products up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from monopilot_integrations.connectors.edi.edifact.model import Message, Segment
from monopilot_integrations.connectors.edi.inbound.values import (
    ValueProblem,
    dtm_date,
    number,
    where,
)
from monopilot_integrations.core.domain.orders import NewSalesOrder, NewSalesOrderLine
from monopilot_integrations.core.domain.parties import Customer
from monopilot_integrations.core.domain.products import Product

GTIN_QUALIFIERS = ("SRV", "EN", "UP", "")
PRICE_QUALIFIERS = ("AAA", "AAB", "INF")


@dataclass(frozen=True)
class OrderLine:
    position: int
    line_no: int | None
    segment_number: int
    gtin: str | None = None
    article_number: str | None = None
    description: str | None = None
    description_code: str | None = None
    qty: Decimal | None = None
    unit_price: Decimal | None = None
    requested_delivery_date: date | None = None
    problems: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"line {self.line_no or self.position} (segment {self.segment_number})"

    @property
    def product_keys(self) -> list[tuple[str, str]]:
        """Ways to find the product, best first: ``("gtin", x)`` or ``("code", x)``."""
        keys: list[tuple[str, str]] = []
        if self.gtin:
            keys.append(("gtin", self.gtin))
        if self.article_number:
            keys.append(("code", self.article_number))
        if self.description_code:
            keys.append(("code", self.description_code))
        return keys


@dataclass(frozen=True)
class OrderDocument:
    number: str | None
    order_date: date | None
    requested_delivery_date: date | None
    buyer_gln: str | None
    delivery_gln: str | None
    currency: str | None
    lines: tuple[OrderLine, ...]
    problems: tuple[str, ...] = field(default=())
    invoicee_gln: str | None = None


def read_order(message: Message, decimal_mark: str = ".") -> OrderDocument:
    problems: list[str] = []
    header = _header(message)
    bgm = message.find("BGM")
    number_ = bgm.value(1, 0) if bgm else None
    if not number_:
        problems.append("BGM: the order number (1004) is missing")
    order_date = _date(_first(header, "DTM", "137"), problems)
    if order_date is None and not any("137" in p for p in problems):
        problems.append("DTM+137: the order date is missing")
    delivery = _date(_first(header, "DTM", "2"), problems)
    buyer = _first(header, "NAD", "BY")
    dp = _first(header, "NAD", "DP")
    invoicee = _first(header, "NAD", "IV")
    cux = _first(header, "CUX")
    currency = cux.value(0, 1) if cux else None
    lines = tuple(
        _line(i, group, decimal_mark) for i, group in enumerate(message.groups("LIN"), start=1)
    )
    if not lines:
        problems.append("the order has no lines (LIN)")
    return OrderDocument(
        number=number_,
        order_date=order_date,
        requested_delivery_date=delivery,
        buyer_gln=buyer.value(1, 0) if buyer else None,
        delivery_gln=dp.value(1, 0) if dp else None,
        currency=currency,
        invoicee_gln=invoicee.value(1, 0) if invoicee else None,
        lines=lines,
        problems=tuple(problems),
    )


def _header(message: Message) -> list[Segment]:
    out = []
    for segment in message.segments:
        if segment.tag in ("LIN", "UNS"):
            break
        out.append(segment)
    return out


def _first(segments: Sequence[Segment], tag: str, qualifier: str | None = None) -> Segment | None:
    for segment in segments:
        if segment.tag == tag and (qualifier is None or segment.qualifier == qualifier):
            return segment
    return None


def _date(segment: Segment | None, problems: list[str]) -> date | None:
    if segment is None:
        return None
    try:
        return dtm_date(segment)
    except ValueProblem as exc:
        problems.append(str(exc))
        return None


def _line(position: int, group: list[Segment], decimal_mark: str) -> OrderLine:
    lin = group[0]
    problems: list[str] = []
    line_no_text = lin.value(0)
    line_no = int(line_no_text) if line_no_text and line_no_text.isdigit() else None
    if line_no_text and line_no is None:
        problems.append(f"{where(lin)}: line number {line_no_text!r} is not a number")
    gtin = lin.value(2, 0) if (lin.value(2, 1) or "") in GTIN_QUALIFIERS else None
    article = None
    for pia in (s for s in group if s.tag == "PIA"):
        for element in range(1, len(pia.elements)):
            code, kind = pia.value(element, 0), pia.value(element, 1) or ""
            if not code:
                continue
            if kind == "SA" and article is None:
                article = code
            elif kind in ("SRV", "EN", "UP") and gtin is None:
                gtin = code
    imd = next((s for s in group if s.tag == "IMD"), None)
    qty_segment = next((s for s in group if s.tag == "QTY" and s.qualifier == "21"), None)
    qty: Decimal | None = None
    if qty_segment is None:
        problems.append(f"{where(lin)}: the line has no ordered quantity (QTY+21)")
    else:
        try:
            qty = number(qty_segment.value(0, 1), qty_segment, "quantity (6060)", decimal_mark)
        except ValueProblem as exc:
            problems.append(str(exc))
    price: Decimal | None = None
    pri = next((s for s in group if s.tag == "PRI" and s.qualifier in PRICE_QUALIFIERS), None)
    if pri is not None:
        try:
            price = number(pri.value(0, 1), pri, "price (5118)", decimal_mark)
        except ValueProblem as exc:
            problems.append(str(exc))
    delivery = _date(
        next((s for s in group if s.tag == "DTM" and s.qualifier == "2"), None), problems
    )
    return OrderLine(
        position=position,
        line_no=line_no,
        segment_number=lin.number,
        gtin=gtin,
        article_number=article,
        description=imd.value(2, 3) if imd else None,
        description_code=imd.value(2, 0) if imd else None,
        qty=qty,
        unit_price=price,
        requested_delivery_date=delivery,
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class MappedOrder:
    """The order to create (``None`` when nothing usable is left) and every problem."""

    order: NewSalesOrder | None
    errors: tuple[str, ...]


def build_sales_order(
    document: OrderDocument,
    *,
    customer: Customer | None,
    products: Mapping[int, Product | None],
    today: date,
    extra_errors: Sequence[str] = (),
) -> MappedOrder:
    """Check ``document`` and turn it into a ``NewSalesOrder``.

    ``products`` maps each line's ``position`` to the product found for it. Any problem
    makes the order ``pending_review`` with every problem listed; a line whose quantity is
    unusable is left out (and listed), and with no usable line there is no order at all.
    """
    errors = [*extra_errors, *document.problems]
    if customer is None:
        if document.buyer_gln:
            errors.append(f"NAD+BY: no customer with GLN {document.buyer_gln}")
        else:
            errors.append("NAD+BY: the buyer is missing and the partner has no customer")
    if document.requested_delivery_date and document.requested_delivery_date < today:
        errors.append(
            f"DTM+2: requested delivery date {document.requested_delivery_date.isoformat()} "
            "is in the past"
        )
    lines: list[NewSalesOrderLine] = []
    for line in document.lines:
        errors.extend(line.problems)
        product = products.get(line.position)
        if product is None:
            keys = ", ".join(f"{kind} {value}" for kind, value in line.product_keys) or "no id"
            errors.append(f"{line.label}: no product found ({keys})")
        if line.requested_delivery_date and line.requested_delivery_date < today:
            errors.append(
                f"{line.label}: requested delivery date "
                f"{line.requested_delivery_date.isoformat()} is in the past"
            )
        if line.qty is None:
            continue
        if line.qty <= 0:
            errors.append(f"{line.label}: quantity {line.qty} is not positive; line left out")
            continue
        if line.unit_price is not None and line.unit_price < 0:
            errors.append(f"{line.label}: price {line.unit_price} is negative; price left out")
        lines.append(
            NewSalesOrderLine(
                product_id=product.id if product else None,
                product_code=(product.code if product else (line.article_number or None)),
                gtin=(line.gtin[:14] if line.gtin else None),
                description=(line.description[:255] if line.description else None),
                qty=line.qty,
                unit_price=line.unit_price if (line.unit_price or 0) >= 0 else None,
                line_no=line.line_no,
            )
        )
    if not lines:
        errors.append("the order has no usable line: nothing was created")
        return MappedOrder(None, tuple(errors))
    numbers = [line.line_no for line in lines]
    if None in numbers or len(set(numbers)) != len(numbers):
        if None not in numbers:
            errors.append("LIN: line numbers (1082) repeat; lines are numbered by position")
        lines = [line.model_copy(update={"line_no": i}) for i, line in enumerate(lines, 1)]
    dates = [d for d in (line.requested_delivery_date for line in document.lines) if d]
    requested = document.requested_delivery_date or (min(dates) if dates else None)
    order = NewSalesOrder(
        customer_id=customer.id if customer else None,
        status="pending_review" if errors else "confirmed",
        order_date=document.order_date or today,
        requested_delivery_date=requested,
        currency=document.currency if document.currency and len(document.currency) == 3 else None,
        source="edi",
        external_reference=document.number[:64] if document.number else None,
        delivery_party_gln=document.delivery_gln if _is_gln(document.delivery_gln) else None,
        invoicee_gln=document.invoicee_gln if _is_gln(document.invoicee_gln) else None,
        review_errors=list(errors),
        lines=lines,
    )
    return MappedOrder(order, tuple(errors))


def _is_gln(value: str | None) -> bool:
    return bool(value) and len(value or "") == 13 and (value or "").isdigit()
