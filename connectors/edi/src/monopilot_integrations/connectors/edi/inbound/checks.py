"""The checks an interchange and its messages meet before they are processed.

The envelope (who sent it, to whom, test or not), the message type against what the
configuration and the partner exchange, and the duplicate-interchange rule, enforced by a
unique key on (sender, recipient, control reference).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi import config_store
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.edifact.model import Interchange, Message
from monopilot_integrations.connectors.edi.inbound.unique_insert import insert_if_new
from monopilot_integrations.connectors.edi.journal import problem
from monopilot_integrations.connectors.edi.profiles import INBOUND_TYPES
from monopilot_integrations.connectors.edi.tables import EdiInterchange, EdiPartner
from monopilot_integrations.core.db.base import new_id


def envelope_problems(
    ic: Interchange,
    partner: EdiPartner | None,
    config: config_store.EffectiveConfig,
    ours: set[str],
) -> list[dict[str, Any]]:
    problems = []
    sender = ic.sender.id
    if partner is None:
        problems.append(
            problem(
                "UNKNOWN_PARTNER",
                f"UNB: no trading partner with id {sender} (qualifier "
                f"{ic.sender.qualifier or '-'}) in this organisation",
                tag="UNB",
                segment_number=1,
            )
        )
    elif not partner.active:
        problems.append(
            problem("UNKNOWN_PARTNER", f"UNB: trading partner {sender} is deactivated", tag="UNB")
        )
    if ours and ic.recipient.id not in ours:
        problems.append(
            problem(
                "WRONG_RECIPIENT",
                f"UNB: recipient {ic.recipient.id} is not this organisation "
                f"(expected {' or '.join(sorted(ours))})",
                tag="UNB",
                expected=" or ".join(sorted(ours)),
            )
        )
    in_test = config.test_mode or (partner is not None and partner.test_mode)
    if ic.test and not in_test:
        problems.append(
            problem(
                "TEST_IN_PRODUCTION",
                f"UNB 0035: interchange {ic.control_reference} is marked as a test, but "
                f"partner {sender} and the EDI configuration are in production mode; "
                "it was not processed",
                tag="UNB",
            )
        )
    return problems


async def register_interchange(
    edi: EdiContext,
    session: AsyncSession,
    org_id: uuid.UUID,
    file_id: uuid.UUID | None,
    ic: Interchange,
    partner: EdiPartner | None,
) -> tuple[uuid.UUID | None, dict[str, Any] | None]:
    """Insert the interchange row; ``(None, problem)`` when it is a duplicate."""
    key = (
        EdiInterchange.org_id == org_id,
        EdiInterchange.sender == ic.sender.id[:35],
        EdiInterchange.recipient == ic.recipient.id[:35],
        EdiInterchange.control_reference == ic.control_reference[:14],
    )
    row = EdiInterchange(
        id=new_id(),
        org_id=org_id,
        file_id=file_id,
        sender=ic.sender.id[:35],
        recipient=ic.recipient.id[:35],
        control_reference=ic.control_reference[:14],
        partner_profile_id=partner.id if partner else None,
        test=ic.test,
        received_at=edi.runtime.clock.now(),
    )
    values = {c.name: getattr(row, c.name) for c in EdiInterchange.__table__.columns}
    if await insert_if_new(session, EdiInterchange, values):
        return row.id, None
    earlier = await session.scalar(select(EdiInterchange).where(*key))
    when = earlier.received_at.isoformat() if earlier else "earlier"
    return None, problem(
        "DUPLICATE_INTERCHANGE",
        f"UNB 0020: duplicate interchange: sender {ic.sender.id}, recipient "
        f"{ic.recipient.id}, control reference {ic.control_reference} was already "
        f"received at {when}; not processed again",
        tag="UNB",
        segment_number=1,
    )


def type_problems(
    message: Message,
    partner: EdiPartner | None,
    config: config_store.EffectiveConfig,
) -> list[dict[str, Any]]:
    unh = message.segments[0].number if message.segments else None
    if message.type not in INBOUND_TYPES:
        return [
            problem(
                "MESSAGE_TYPE",
                f"UNH: {message.type} is not a message we receive "
                f"(inbound: {', '.join(sorted(INBOUND_TYPES))})",
                tag="UNH",
                segment_number=unh,
            )
        ]
    if message.type == "CONTRL":
        return []
    if message.type not in config.message_types:
        return [
            problem(
                "MESSAGE_TYPE",
                f"UNH: {message.type} is switched off in the EDI configuration",
                tag="UNH",
                segment_number=unh,
            )
        ]
    if partner is not None and message.type not in partner.message_types:
        return [
            problem(
                "MESSAGE_TYPE",
                f"UNH: partner {partner.partner_id} does not exchange {message.type} "
                f"(profile: {', '.join(partner.message_types)})",
                tag="UNH",
                segment_number=unh,
            )
        ]
    return []
