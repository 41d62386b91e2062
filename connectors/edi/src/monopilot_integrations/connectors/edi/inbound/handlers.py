"""The per-type work of processing: look records up, map, write, publish.

The mapping itself is pure (:mod:`.orders`, :mod:`.recadv`); these functions do the I/O
around it inside the processing transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.edifact.model import Message
from monopilot_integrations.connectors.edi.events import ORDER_PENDING_REVIEW, RECEIPT_RECORDED
from monopilot_integrations.connectors.edi.inbound.orders import (
    OrderLine,
    build_sales_order,
    read_order,
)
from monopilot_integrations.connectors.edi.inbound.outcome import Outcome
from monopilot_integrations.connectors.edi.inbound.recadv import build_receipt, read_recadv
from monopilot_integrations.connectors.edi.journal import problem
from monopilot_integrations.connectors.edi.tables import EdiMessage, EdiPartner
from monopilot_integrations.core.domain.parties import Customer
from monopilot_integrations.core.domain.payloads import sales_order_created
from monopilot_integrations.core.domain.products import Product
from monopilot_integrations.core.errors import NotFoundError, ValidationError

TEST_REASON = (
    "received in EDI test mode (interchange test indicator, partner or configuration in "
    "test): review before confirming"
)


async def handle_orders(
    edi: EdiContext,
    session: AsyncSession,
    row: EdiMessage,
    message: Message,
    partner: EdiPartner | None,
    in_test: bool,
    decimal_mark: str,
) -> Outcome:
    domain = edi.runtime.domain
    org_id = row.org_id
    document = read_order(message, decimal_mark)
    customer: Customer | None = None
    if document.buyer_gln:
        customer = await domain.find_customer_by_gln(org_id, document.buyer_gln, session=session)
    elif partner is not None and partner.customer_id is not None:
        customer = await domain.get_customer(org_id, partner.customer_id, session=session)
    if customer is not None and document.number:
        earlier = await domain.find_sales_order_by_external_reference(
            org_id, customer.id, document.number, session=session
        )
        if earlier is not None:
            return Outcome(
                "error",
                "duplicate",
                [
                    problem(
                        "DUPLICATE_ORDER",
                        f"BGM: order {document.number} of customer {customer.code} was "
                        f"already received as sales order {earlier.number}; not created again",
                        tag="BGM",
                    )
                ],
                sales_order_id=earlier.id,
            )
    products = {
        line.position: await _product(edi, session, org_id, line) for line in document.lines
    }
    today: date = edi.runtime.clock.now().date()
    mapped = build_sales_order(
        document,
        customer=customer,
        products=products,
        today=today,
        extra_errors=[TEST_REASON] if in_test else [],
    )
    errors = [problem("REVIEW", text, severity="warning") for text in mapped.errors]
    if mapped.order is None:
        return Outcome("error", "rejected", [{**e, "severity": "error"} for e in errors])
    try:  # the store checks before it writes: a refusal leaves the transaction usable
        order = await domain.create_sales_order(org_id, mapped.order, session=session)
    except ValidationError as exc:
        detail = "; ".join(f"{e.get('path')}: {e.get('message')}" for e in exc.errors) or str(exc)
        return Outcome(
            "error", "rejected", [problem("DOMAIN", f"the sales order was refused: {detail}")]
        )
    data = sales_order_created(order, customer)
    if order.status == "pending_review":
        await edi.runtime.publish(
            org_id,
            ORDER_PENDING_REVIEW.name,
            {
                "message_id": str(row.id),
                "sales_order_id": str(order.id),
                "number": order.number,
                "external_reference": order.external_reference,
                "partner_id": row.partner_id,
                "customer_code": customer.code if customer else None,
                "errors": list(mapped.errors),
            },
            session=session,
        )
        return Outcome("processed", "pending_review", errors, sales_order_id=order.id)
    await edi.runtime.publish(org_id, "sales_order.created", data, session=session)
    return Outcome("processed", "sales_order_created", [], sales_order_id=order.id)


async def _product(
    edi: EdiContext, session: AsyncSession, org_id: object, line: OrderLine
) -> Product | None:
    domain = edi.runtime.domain
    for kind, value in line.product_keys:
        if kind == "gtin":
            found = await domain.find_product_by_gtin(org_id, value, session=session)  # type: ignore[arg-type]
        else:
            found = await domain.find_product_by_code(org_id, value, session=session)  # type: ignore[arg-type]
        if found is not None:
            return found
    return None


async def handle_recadv(
    edi: EdiContext,
    session: AsyncSession,
    row: EdiMessage,
    message: Message,
    partner: EdiPartner | None,
    decimal_mark: str,
) -> Outcome:
    domain = edi.runtime.domain
    org_id = row.org_id
    advice = read_recadv(message, decimal_mark)
    if advice.problems:
        return Outcome("error", "rejected", [problem("VALUE", p) for p in advice.problems])
    assert advice.shipment_number is not None
    shipment = await domain.find_shipment_by_number(org_id, advice.shipment_number, session=session)
    if shipment is None:
        return Outcome(
            "error",
            "rejected",
            [
                problem(
                    "UNKNOWN_SHIPMENT", f"RFF+AAK: no shipment {advice.shipment_number}", tag="RFF"
                )
            ],
        )
    if partner is not None and partner.customer_id and shipment.customer_id != partner.customer_id:
        return Outcome(
            "error",
            "rejected",
            [
                problem(
                    "UNKNOWN_SHIPMENT",
                    f"RFF+AAK: shipment {advice.shipment_number} is not for partner "
                    f"{partner.partner_id}'s customer",
                    tag="RFF",
                )
            ],
        )
    products: dict[int, Product | None] = {}
    warnings = []
    for line in advice.lines:
        found = None
        if line.gtin:
            found = await domain.find_product_by_gtin(org_id, line.gtin, session=session)
        if found is None and line.article_number:
            found = await domain.find_product_by_code(org_id, line.article_number, session=session)
        if found is None:
            warnings.append(
                problem(
                    "UNKNOWN_PRODUCT",
                    f"segment {line.segment_number} (LIN): no product with GTIN {line.gtin}; "
                    "recorded as received",
                    severity="warning",
                )
            )
        products[line.position] = found
    receipt_data = build_receipt(advice, shipment_id=shipment.id, products=products)
    try:  # the store checks before it writes: a refusal leaves the transaction usable
        receipt = await domain.record_shipment_receipt(org_id, receipt_data, session=session)
    except (ValidationError, NotFoundError) as exc:
        return Outcome("error", "rejected", [problem("DOMAIN", f"the receipt was refused: {exc}")])
    await edi.runtime.publish(
        org_id,
        RECEIPT_RECORDED.name,
        {
            "message_id": str(row.id),
            "receipt_id": str(receipt.id),
            "shipment_id": str(shipment.id),
            "shipment_number": shipment.number,
            "reference": receipt.reference,
            "rejected_lines": sum(1 for line in advice.lines if line.rejected > 0),
        },
        session=session,
    )
    return Outcome(
        "processed",
        "receipt_recorded",
        warnings,
        sales_order_id=shipment.sales_order_id,
        receipt_id=receipt.id,
    )
