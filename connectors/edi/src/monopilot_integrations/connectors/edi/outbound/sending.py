"""Outbound messages: envelope, our own validation, storage and the delivery job.

:func:`queue_outbound` runs inside the caller's transaction: it takes the partner's next
control reference (an atomic increment), writes the interchange (partner's syntax, test
indicator in test mode, UNT/UNZ counts), reads it back and validates it with the same
reader and validator inbound files meet, stores it as an outbound ``edi_messages`` row and
creates the delivery job. All of it commits together: a message is never sent without
being recorded, and a rolled-back request leaves no job behind.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi import config_store, journal, partner_store
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.edifact.charsets import get_charset
from monopilot_integrations.connectors.edi.edifact.errors import EdifactError
from monopilot_integrations.connectors.edi.edifact.model import OutMessage, Party
from monopilot_integrations.connectors.edi.edifact.reader import read_interchanges
from monopilot_integrations.connectors.edi.edifact.transliteration import (
    describe,
    transliterate_message,
)
from monopilot_integrations.connectors.edi.edifact.validator import validate_message
from monopilot_integrations.connectors.edi.outbound.guide import check_required_segments
from monopilot_integrations.connectors.edi.tables import EdiMessage, EdiPartner
from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.errors import ValidationError

CHARSET_HINT = (
    "; the partner's syntax identifier cannot carry it: declare UNOD (ISO 8859-2, Polish"
    " letters) or UNOW/UNOY (UTF-8) where the partner accepts it, or set transliterate on"
    " the partner profile"
)


class OutboundRefused(ValidationError):
    """The message we generated does not pass our own checks: it is not sent."""


@dataclass(frozen=True)
class Queued:
    message: EdiMessage
    job_id: uuid.UUID


async def our_party(edi: EdiContext, session: AsyncSession, org_id: uuid.UUID) -> Party:
    """Us in the UNB: the configured EDI mailbox id, else the organisation's GLN."""
    config = await config_store.effective(session, org_id)
    if config.edi_mailbox:
        return Party(config.edi_mailbox, "14" if config.edi_mailbox.isdigit() else "ZZZ")
    organization = await edi.runtime.domain.get_organization(org_id, session=session)
    if organization is None or not organization.gln:
        raise ValidationError(
            "the organisation has neither a GLN nor an EDI mailbox id to send from",
            [{"path": "/edi_mailbox", "message": "set it in PUT /api/integrations/edi/config"}],
        )
    return Party(organization.gln, "14")


async def queue_outbound(
    edi: EdiContext,
    session: AsyncSession,
    partner: EdiPartner,
    message: OutMessage,
    *,
    record_type: str | None,
    record_id: uuid.UUID | None,
    reference_id: str | None,
) -> Queued:
    org_id = partner.org_id
    config = await config_store.effective(session, org_id)
    test = config.test_mode or partner.test_mode
    control_reference = await partner_store.next_control_reference(session, partner)
    now = edi.runtime.clock.now()
    warnings: list[dict[str, object]] = []
    check_required_segments(message, partner.required_segments or {}, partner.partner_id)
    try:
        if partner.transliterate:
            message, replaced = transliterate_message(
                message, get_charset(partner.syntax_identifier)
            )
            if replaced:
                text = describe(replaced, partner.syntax_identifier)
                warnings.append(journal.problem("TRANSLITERATED", text, severity="warning"))
        data = edi_build(
            edi, partner, message, await our_party(edi, session, org_id), control_reference, test
        )
    except EdifactError as exc:
        hint = CHARSET_HINT if exc.code == "CHARSET" else ""
        raise OutboundRefused(
            f"the {message.type} for {reference_id} does not pass validation: {exc}{hint}",
            [{"path": f"/{exc.tag or message.type}", "message": f"{exc}{hint}"}],
        ) from None
    text = _check_round_trip(data, message)
    row = EdiMessage(
        id=uuid.uuid4(),
        org_id=org_id,
        direction="outbound",
        message_type=message.type,
        message_content=text,
        raw_bytes=data,
        status="pending",
        partner_id=partner.partner_id,
        partner_profile_id=partner.id,
        reference_id=reference_id[:100] if reference_id else None,
        errors=warnings,
        control_reference=control_reference,
        message_reference=message.reference,
        test=test,
        record_type=record_type,
        record_id=record_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    (job_id,) = await edi.runtime.jobs.create(
        org_id,
        "edi",
        [JobSpec(payload={"message_id": str(row.id)}, subject_id=partner.partner_id)],
        session=session,
        event_type=f"edi.{message.type.lower()}",
    )
    row.job_id = job_id
    await session.flush()
    return Queued(row, job_id)


def edi_build(
    edi: EdiContext,
    partner: EdiPartner,
    message: OutMessage,
    sender: Party,
    control_reference: str,
    test: bool,
) -> bytes:
    from monopilot_integrations.connectors.edi.edifact.writer import build_interchange

    return build_interchange(
        syntax_identifier=partner.syntax_identifier,
        syntax_version=str(partner.syntax_version),
        sender=sender,
        recipient=Party(partner.partner_id, partner.qualifier),
        control_reference=control_reference,
        prepared_at=edi.runtime.clock.now(),
        messages=[message],
        test=test,
        application_reference=partner.application_reference,
        with_una=partner.write_una,
    )


def _check_round_trip(data: bytes, message: OutMessage) -> str:
    """Read what we wrote back and validate it; the interchange text on success."""
    results = read_interchanges(data)
    problems = []
    text = ""
    for result in results:
        if result.error is not None or result.interchange is None:
            problems.append(str(result.error))
            continue
        text = result.interchange.text
        for parsed in result.interchange.messages:
            issues = validate_message(parsed, outbound=True)
            problems += [i.message for i in issues if i.severity == "error"]
    if problems or not text:
        raise OutboundRefused(
            f"the generated {message.type} does not read back cleanly: {'; '.join(problems)}",
            [{"path": f"/{message.type}", "message": p} for p in problems],
        )
    return text
