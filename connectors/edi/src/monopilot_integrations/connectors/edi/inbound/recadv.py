"""EDIFACT RECADV -> a shipment receipt: pure functions over the parsed message.

==========================  ===============================================
BGM 1004                    the receiving advice number (receipt reference)
DTM+50 (else DTM+137)       when the goods were received
RFF+AAK                     our despatch advice number = the shipment number
RFF+ON                      the customer's order number (informative)
LIN C212/7140               the product's GTIN (PIA SA: our product code)
QTY+194                     received and accepted
QTY+195                     received but not accepted (rejected)
QVR 4221 / FTX              the reason for a rejection, when given
==========================  ===============================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from monopilot_integrations.connectors.edi.edifact.model import Message, Segment
from monopilot_integrations.connectors.edi.inbound.values import (
    ValueProblem,
    dtm_datetime,
    number,
    where,
)
from monopilot_integrations.core.domain.products import Product
from monopilot_integrations.core.domain.shipments import NewShipmentReceipt, ReceiptLine


@dataclass(frozen=True)
class ReceivedLine:
    position: int
    segment_number: int
    gtin: str | None
    article_number: str | None
    accepted: Decimal
    rejected: Decimal
    reason: str | None


@dataclass(frozen=True)
class ReceivingAdvice:
    number: str | None
    received_at: datetime | None
    shipment_number: str | None
    order_number: str | None
    lines: tuple[ReceivedLine, ...]
    problems: tuple[str, ...]


def read_recadv(message: Message, decimal_mark: str = ".") -> ReceivingAdvice:
    problems: list[str] = []
    bgm = message.find("BGM")
    received: datetime | None = None
    dtm = message.find("DTM", "50") or message.find("DTM", "137")
    if dtm is None:
        problems.append("DTM+50: the receipt date is missing")
    else:
        try:
            received = dtm_datetime(dtm)
        except ValueProblem as exc:
            problems.append(str(exc))
    aak = message.find("RFF", "AAK")
    on = message.find("RFF", "ON")
    lines = []
    for position, group in enumerate(message.groups("LIN"), start=1):
        try:
            lines.append(_line(position, group, decimal_mark))
        except ValueProblem as exc:
            problems.append(str(exc))
    if not lines and not problems:
        problems.append("the receiving advice has no lines (LIN)")
    if aak is None or not aak.value(0, 1):
        problems.append("RFF+AAK: the despatch advice (shipment) number is missing")
    return ReceivingAdvice(
        number=bgm.value(1, 0) if bgm else None,
        received_at=received,
        shipment_number=aak.value(0, 1) if aak else None,
        order_number=on.value(0, 1) if on else None,
        lines=tuple(lines),
        problems=tuple(problems),
    )


def _line(position: int, group: list[Segment], decimal_mark: str) -> ReceivedLine:
    lin = group[0]
    gtin = lin.value(2, 0)
    article = None
    for pia in (s for s in group if s.tag == "PIA"):
        for element in range(1, len(pia.elements)):
            if pia.value(element, 1) == "SA" and article is None:
                article = pia.value(element, 0)
    accepted = Decimal(0)
    rejected = Decimal(0)
    for qty in (s for s in group if s.tag == "QTY"):
        if qty.qualifier == "194":
            accepted += number(qty.value(0, 1), qty, "accepted quantity", decimal_mark)
        elif qty.qualifier == "195":
            rejected += number(qty.value(0, 1), qty, "rejected quantity", decimal_mark)
    if accepted < 0 or rejected < 0:
        raise ValueProblem(f"{where(lin)}: received quantities cannot be negative")
    reason_segment = next((s for s in group if s.tag in ("QVR", "FTX")), None)
    reason = None
    if reason_segment is not None:
        reason = (
            reason_segment.value(2, 0)
            if reason_segment.tag == "QVR"
            else reason_segment.value(3, 0)
        )
    return ReceivedLine(position, lin.number, gtin, article, accepted, rejected, reason)


def build_receipt(
    advice: ReceivingAdvice,
    *,
    shipment_id: object,
    products: Mapping[int, Product | None],
) -> NewShipmentReceipt:
    """The receipt to record (``shipment_id`` found by the caller from the AAK number)."""
    assert advice.received_at is not None
    lines = []
    for line in advice.lines:
        product = products.get(line.position)
        lines.append(
            ReceiptLine(
                product_id=product.id if product else None,
                product_code=product.code if product else line.article_number,
                gtin=line.gtin[:14] if line.gtin else None,
                qty_accepted=line.accepted,
                qty_rejected=line.rejected,
                reason=line.reason[:255] if line.reason else None,
            )
        )
    return NewShipmentReceipt.model_validate(
        {
            "shipment_id": shipment_id,
            "received_at": advice.received_at,
            "reference": advice.number[:64] if advice.number else None,
            "lines": lines,
        }
    )
