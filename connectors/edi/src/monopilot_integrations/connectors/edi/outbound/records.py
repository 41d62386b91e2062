"""``POST /edi/send``: a MonoPilot record -> its message -> queued for the partner.

INVOIC for an invoice, DESADV for a shipment, ORDRSP for a sales order. The partner is the
one named, or else the active profile of the record's customer.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi import partner_store
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.edifact.model import OutMessage
from monopilot_integrations.connectors.edi.outbound.desadv import build_desadv
from monopilot_integrations.connectors.edi.outbound.documents import LineAnswer, build_ordrsp
from monopilot_integrations.connectors.edi.outbound.invoic import build_invoic
from monopilot_integrations.connectors.edi.outbound.sending import Queued, queue_outbound
from monopilot_integrations.connectors.edi.tables import EdiPartner
from monopilot_integrations.core.errors import NotFoundError, ValidationError

SendableType = Literal["INVOIC", "DESADV", "ORDRSP"]
RECORD_OF = {"INVOIC": "invoice", "DESADV": "shipment", "ORDRSP": "sales_order"}


async def send_record(
    edi: EdiContext,
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    message_type: SendableType,
    record_id: uuid.UUID,
    partner_profile_id: uuid.UUID | None = None,
    answers: Mapping[int, LineAnswer] | None = None,
) -> Queued:
    domain = edi.runtime.domain
    organization = await domain.get_organization(org_id, session=session)
    if organization is None:
        raise NotFoundError("this organisation is not known to the domain store")
    today = edi.runtime.clock.now().date()
    customer_id: uuid.UUID
    message: OutMessage
    reference: str
    if message_type == "INVOIC":
        invoice = await domain.get_invoice(org_id, record_id, session=session)
        if invoice is None:
            raise NotFoundError(f"no invoice {record_id} in this organisation")
        customer_id = invoice.customer_id
        partner = await _partner(session, org_id, customer_id, partner_profile_id, message_type)
        order = (
            await domain.get_sales_order(org_id, invoice.sales_order_id, session=session)
            if invoice.sales_order_id
            else None
        )
        shipment = (
            await domain.get_shipment(org_id, invoice.shipment_id, session=session)
            if invoice.shipment_id
            else None
        )
        message = build_invoic(
            invoice,
            organization,
            directory=partner.directory,
            order=order,
            shipment=shipment,
            requested=frozenset((partner.required_segments or {}).get("INVOIC", [])),
        )
        reference = invoice.number
    elif message_type == "DESADV":
        shipment = await domain.get_shipment(org_id, record_id, session=session)
        if shipment is None:
            raise NotFoundError(f"no shipment {record_id} in this organisation")
        partner = await _partner(
            session, org_id, shipment.customer_id, partner_profile_id, message_type
        )
        order = (
            await domain.get_sales_order(org_id, shipment.sales_order_id, session=session)
            if shipment.sales_order_id
            else None
        )
        message = build_desadv(
            shipment,
            organization,
            directory=partner.directory,
            issued=today,
            order=order,
        )
        reference = shipment.number
    else:
        sales_order = await domain.get_sales_order(org_id, record_id, session=session)
        if sales_order is None:
            raise NotFoundError(f"no sales order {record_id} in this organisation")
        if sales_order.customer_id is None:
            raise ValidationError(
                f"sales order {sales_order.number} has no customer to answer",
                [{"path": "/record_id", "message": "the order has no customer"}],
            )
        customer = await domain.get_customer(org_id, sales_order.customer_id, session=session)
        assert customer is not None
        partner = await _partner(session, org_id, customer.id, partner_profile_id, message_type)
        message = build_ordrsp(
            sales_order,
            customer,
            organization,
            directory=partner.directory,
            issued=today,
            answers=answers,
        )
        reference = sales_order.number
    return await queue_outbound(
        edi,
        session,
        partner,
        message,
        record_type=RECORD_OF[message_type],
        record_id=record_id,
        reference_id=reference,
    )


async def _partner(
    session: AsyncSession,
    org_id: uuid.UUID,
    customer_id: uuid.UUID,
    partner_profile_id: uuid.UUID | None,
    message_type: str,
) -> EdiPartner:
    partner: EdiPartner | None
    if partner_profile_id is not None:
        partner = await partner_store.get(session, org_id, partner_profile_id)
    else:
        partner = await session.scalar(
            select(EdiPartner)
            .where(
                EdiPartner.org_id == org_id,
                EdiPartner.customer_id == customer_id,
                EdiPartner.active.is_(True),
            )
            .order_by(EdiPartner.created_at)
        )
        if partner is None:
            raise ValidationError(
                "the record's customer has no active EDI partner profile; name one with partner_id",
                [{"path": "/partner_id", "message": "no partner for this customer"}],
            )
    if not partner.active:
        raise ValidationError(
            f"partner {partner.partner_id} is deactivated",
            [{"path": "/partner_id", "message": "deactivated"}],
        )
    if message_type not in partner.message_types:
        raise ValidationError(
            f"partner {partner.partner_id} does not exchange {message_type} "
            f"(profile: {', '.join(partner.message_types)})",
            [{"path": "/message_type", "message": "not in the partner's message_types"}],
        )
    return partner
