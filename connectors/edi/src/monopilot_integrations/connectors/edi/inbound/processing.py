"""Processing a stored inbound message: ORDERS -> sales order, RECADV -> receipt.

A message is processed right after it is stored, under a savepoint of the storing
transaction (:func:`process_row`). One left ``pending`` (or re-processed by an admin) is
processed by :func:`process_message`, one transaction per message, which starts by moving
the row out of ``pending`` with a conditional ``UPDATE`` (a row lock on PostgreSQL, the
write lock on SQLite), so two processes never both process a message; the domain writes,
the outbox events, the log row and the message's outcome then commit together, or not at
all (the message stays ``pending`` and the next poll tries again).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi import config_store, journal, partner_store
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.edifact.errors import EdifactError
from monopilot_integrations.connectors.edi.edifact.model import Interchange, Message
from monopilot_integrations.connectors.edi.edifact.reader import read_interchanges
from monopilot_integrations.connectors.edi.edifact.validator import validate_message
from monopilot_integrations.connectors.edi.inbound.handlers import handle_orders, handle_recadv
from monopilot_integrations.connectors.edi.inbound.outcome import Outcome
from monopilot_integrations.connectors.edi.inbound.recheck import recheck_envelope
from monopilot_integrations.connectors.edi.journal import from_error, from_issue, problem
from monopilot_integrations.connectors.edi.tables import EdiMessage, EdiPartner

log = logging.getLogger(__name__)


class NotProcessable(Exception):
    """The message is not in a state that can be (re)processed."""


async def process_message(
    edi: EdiContext,
    org_id: uuid.UUID,
    message_id: uuid.UUID,
    *,
    parsed: Message | None = None,
    decimal_mark: str = ".",
    again: bool = False,
) -> Outcome | None:
    """Process one inbound message; ``None`` when another process already did.

    ``again`` re-processes a message that ended in ``error`` (after the admin fixed a
    product, a partner profile, ...): it is read and validated afresh.
    """
    async with edi.runtime.database.session(org_id) as session:
        states = ("pending", "error") if again else ("pending",)
        claimed = await session.execute(
            update(EdiMessage)
            .where(
                EdiMessage.id == message_id,
                EdiMessage.org_id == org_id,
                EdiMessage.direction == "inbound",
                EdiMessage.status.in_(states),
            )
            .values(updated_at=edi.runtime.clock.now())
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return None
        row = await session.scalar(
            select(EdiMessage).where(EdiMessage.id == message_id, EdiMessage.org_id == org_id)
        )
        assert row is not None
        if again and row.outcome in ("sales_order_created", "pending_review", "receipt_recorded"):
            raise NotProcessable(
                f"message {message_id} already created {row.outcome.replace('_', ' ')}; "
                "it is not processed twice"
            )
        if again and any(e.get("code") == "DUPLICATE_INTERCHANGE" for e in row.errors or []):
            raise NotProcessable(
                f"message {message_id} came in a duplicate interchange; the first one was "
                "processed, this copy never is"
            )
        return await process_row(edi, session, row, parsed, decimal_mark, again=again)


async def process_row(
    edi: EdiContext,
    session: AsyncSession,
    row: EdiMessage,
    parsed: Message | None,
    decimal_mark: str = ".",
    *,
    again: bool = False,
    partner: EdiPartner | None = None,
    config: config_store.EffectiveConfig | None = None,
) -> Outcome:
    """Process ``row`` inside ``session`` (already claimed, or just stored by this same
    transaction) and record the outcome on it."""
    outcome = await _run(edi, session, row, parsed, decimal_mark, again, partner, config)
    await _finish(edi, session, row, outcome)
    return outcome


async def _run(
    edi: EdiContext,
    session: AsyncSession,
    row: EdiMessage,
    parsed: Message | None,
    decimal_mark: str,
    again: bool,
    known_partner: EdiPartner | None,
    known_config: config_store.EffectiveConfig | None,
) -> Outcome:
    try:
        interchange = None
        if parsed is None or again:
            parsed, interchange = _reread(row)
            decimal_mark = interchange.characters.decimal
        partner = known_partner or await _partner(session, row)
        config = known_config or await config_store.effective(session, row.org_id)
        in_test = row.test or config.test_mode or (partner is not None and partner.test_mode)
        if again:
            assert interchange is not None
            problems = [from_issue(i) for i in _validate(parsed)]
            problems += await recheck_envelope(edi, session, row, interchange, partner, config)
            if any(p["severity"] == "error" for p in problems):
                return Outcome("error", "rejected", problems)
        if parsed.type == "ORDERS":
            return await handle_orders(edi, session, row, parsed, partner, in_test, decimal_mark)
        if parsed.type == "RECADV":
            return await handle_recadv(edi, session, row, parsed, partner, decimal_mark)
        if parsed.type == "CONTRL":
            return Outcome("processed", "acknowledgement")
        return Outcome(
            "error", "rejected", [problem("MESSAGE_TYPE", f"{parsed.type} is not processed")]
        )
    except EdifactError as exc:
        return Outcome("error", "rejected", [from_error(exc)])


def _reread(row: EdiMessage) -> tuple[Message, Interchange]:
    """The message (and its interchange) from the stored interchange bytes."""
    if not row.raw_bytes:
        raise EdifactError("ENVELOPE", "the stored message has no interchange bytes to read")
    for result in read_interchanges(row.raw_bytes):
        if result.error is not None:
            raise result.error
        if result.interchange is None:
            continue
        for message in result.interchange.messages:
            if message.reference == row.message_reference:
                return message, result.interchange
    raise EdifactError("ENVELOPE", f"message {row.message_reference} is not in its interchange")


def _validate(message: Message) -> list[Any]:
    try:
        return list(validate_message(message))
    except EdifactError as exc:
        return [exc.to_issue()]


async def _partner(session: AsyncSession, row: EdiMessage) -> EdiPartner | None:
    if row.partner_profile_id is not None:
        found = await session.scalar(
            select(EdiPartner).where(
                EdiPartner.id == row.partner_profile_id, EdiPartner.org_id == row.org_id
            )
        )
        if found is not None:
            return found
    if row.partner_id:
        return await partner_store.find_by_interchange_id(session, row.org_id, row.partner_id)
    return None


async def _finish(
    edi: EdiContext, session: AsyncSession, row: EdiMessage, outcome: Outcome
) -> None:
    now = edi.runtime.clock.now()
    row.status = outcome.status
    row.outcome = outcome.outcome
    row.errors = outcome.errors
    row.error_message = journal.summary(outcome.errors)
    row.sales_order_id = outcome.sales_order_id or row.sales_order_id
    row.receipt_id = outcome.receipt_id or row.receipt_id
    row.processed_at = now
    row.updated_at = now
    await session.flush()
    if outcome.status == "error":
        await journal.failed(edi, session, row)
    else:
        status = "warning" if outcome.errors else "success"
        await journal.log(
            edi,
            session,
            row,
            status=status,
            detail={
                "outcome": outcome.outcome,
                "sales_order_id": str(outcome.sales_order_id) if outcome.sales_order_id else None,
                "receipt_id": str(outcome.receipt_id) if outcome.receipt_id else None,
                "errors": [e["message"] for e in outcome.errors],
            },
        )


async def process_pending(edi: EdiContext, org_id: uuid.UUID, limit: int = 500) -> int:
    """Process messages left ``pending`` (stored by a poller that stopped before)."""
    async with edi.runtime.database.session(org_id) as session:
        ids = list(
            (
                await session.execute(
                    select(EdiMessage.id)
                    .where(
                        EdiMessage.org_id == org_id,
                        EdiMessage.direction == "inbound",
                        EdiMessage.status == "pending",
                    )
                    .order_by(EdiMessage.created_at)
                    .limit(limit)
                )
            ).scalars()
        )
    done = 0
    for message_id in ids:
        try:
            if await process_message(edi, org_id, message_id) is not None:
                done += 1
        except Exception:  # one message must not stop the others
            log.exception("processing EDI message %s failed; it stays pending", message_id)
    return done
