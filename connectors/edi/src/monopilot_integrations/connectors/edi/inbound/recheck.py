"""The envelope checks again, for a message an admin asks to process once more.

A message refused at the envelope (unknown partner, wrong recipient, a test interchange in
production) may become processable once the profile or configuration is fixed. Before it
is, its interchange is registered, so a copy the partner sends later is still recognised
as a duplicate (a copy that arrived meanwhile makes this one the duplicate).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi.config_store import EffectiveConfig
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.edifact.model import Interchange
from monopilot_integrations.connectors.edi.journal import problem
from monopilot_integrations.connectors.edi.tables import EdiInterchange, EdiMessage, EdiPartner


async def recheck_envelope(
    edi: EdiContext,
    session: AsyncSession,
    row: EdiMessage,
    interchange: Interchange,
    partner: EdiPartner | None,
    config: EffectiveConfig,
) -> list[dict[str, Any]]:
    problems = []
    if partner is None or not partner.active:
        problems.append(
            problem(
                "UNKNOWN_PARTNER",
                f"UNB: no active trading partner with id {interchange.sender.id}",
                tag="UNB",
            )
        )
    organization = await edi.runtime.domain.get_organization(row.org_id, session=session)
    ours = {v for v in (config.edi_mailbox, organization and organization.gln) if v}
    if ours and interchange.recipient.id not in ours:
        problems.append(
            problem(
                "WRONG_RECIPIENT",
                f"UNB: recipient {interchange.recipient.id} is not this organisation",
                tag="UNB",
            )
        )
    in_test = config.test_mode or (partner is not None and partner.test_mode)
    if interchange.test and not in_test:
        problems.append(
            problem(
                "TEST_IN_PRODUCTION",
                f"UNB 0035: interchange {interchange.control_reference} is a test and the "
                "partner is in production mode",
                tag="UNB",
            )
        )
    if problems or row.interchange_id is not None:
        return problems
    entry = EdiInterchange(
        org_id=row.org_id,
        file_id=row.file_id,
        sender=interchange.sender.id[:35],
        recipient=interchange.recipient.id[:35],
        control_reference=interchange.control_reference[:14],
        partner_profile_id=partner.id if partner else None,
        test=interchange.test,
        received_at=edi.runtime.clock.now(),
    )
    taken = await session.scalar(
        select(EdiInterchange.id).where(
            EdiInterchange.org_id == row.org_id,
            EdiInterchange.sender == entry.sender,
            EdiInterchange.recipient == entry.recipient,
            EdiInterchange.control_reference == entry.control_reference,
        )
    )
    if taken is None:
        session.add(entry)
        try:
            async with session.begin_nested():
                await session.flush()
            row.interchange_id = entry.id
            return []
        except IntegrityError:
            pass
    return [
        problem(
            "DUPLICATE_INTERCHANGE",
            f"UNB 0020: interchange {interchange.control_reference} from {interchange.sender.id} "
            "was received again meanwhile and processed; this copy is not",
            tag="UNB",
        )
    ]
