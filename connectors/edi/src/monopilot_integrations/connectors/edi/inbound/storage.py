"""Storing what a mailbox (or the API) received, before anything else happens to it.

One transaction per file writes the file row, its interchanges and every message in it,
each message ``pending`` (ready to process) or ``error`` (with every problem found). Only
after it commits is the file archived, so a crash in between loses nothing; the file row
is unique on (source, name, content hash), so a file seen again is recognised and only
moved on. Whatever the bytes, this never raises for bad input: unreadable files become
``error`` messages.

Checks made here, each with its own code in ``errors``:

``NOT_EDIFACT`` ... ``UNSUPPORTED``  the EDIFACT layer's reading and validation codes
``UNKNOWN_PARTNER``        no (active) trading partner with the UNB sender's id
``WRONG_RECIPIENT``        the UNB recipient is neither our GLN nor our EDI mailbox id
``TEST_IN_PRODUCTION``     a test interchange (UNB 0035 = 1) for a partner in production
``DUPLICATE_INTERCHANGE``  sender, recipient and control reference seen before
``MESSAGE_TYPE``           a message type not exchanged (config or partner profile)
``TOO_LARGE``              a file over ``MONOPILOT_EDI_MAX_FILE_BYTES``, stored unread
``INTERNAL``               a fault of ours while reading (a bug): recorded, not raised
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi import config_store, journal, partner_store
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.edifact.errors import EdifactError
from monopilot_integrations.connectors.edi.edifact.model import Interchange, Message, ReadResult
from monopilot_integrations.connectors.edi.edifact.reader import read_interchanges
from monopilot_integrations.connectors.edi.edifact.validator import validate_message
from monopilot_integrations.connectors.edi.inbound.checks import (
    envelope_problems,
    register_interchange,
    type_problems,
)
from monopilot_integrations.connectors.edi.inbound.rendering import readable, render_segments
from monopilot_integrations.connectors.edi.inbound.stored import StoredFile, StoredMessage
from monopilot_integrations.connectors.edi.inbound.unique_insert import insert_if_new
from monopilot_integrations.connectors.edi.journal import from_error, from_issue, problem
from monopilot_integrations.connectors.edi.tables import (
    EdiInboundFile,
    EdiMessage,
    EdiPartner,
)
from monopilot_integrations.core.db.base import new_id

log = logging.getLogger(__name__)


async def store_file(
    edi: EdiContext,
    org_id: uuid.UUID,
    *,
    name: str,
    body: bytes,
    source: str,
    too_large: bool = False,
    size: int | None = None,
    process: bool = True,
) -> StoredFile:
    """Store everything in ``body`` for ``org_id``; see the module docstring.

    With ``process`` each readable message is also processed in the same transaction,
    under a savepoint: a processing failure rolls back to it and leaves the message
    stored and ``pending`` for the next poll, so storing never depends on processing.
    """
    digest = hashlib.sha256(body).hexdigest()
    async with edi.runtime.database.session(org_id) as session:
        file_row = EdiInboundFile(
            id=new_id(),
            org_id=org_id,
            source=source[:255],
            name=name[:255],
            sha256=digest,
            size=size if size is not None else len(body),
            received_at=edi.runtime.clock.now(),
        )
        values = {c.name: getattr(file_row, c.name) for c in EdiInboundFile.__table__.columns}
        if not await insert_if_new(session, EdiInboundFile, values):  # seen before
            seen = await session.scalar(
                select(EdiInboundFile.id).where(
                    EdiInboundFile.org_id == org_id,
                    EdiInboundFile.source == file_row.source,
                    EdiInboundFile.name == file_row.name,
                    EdiInboundFile.sha256 == digest,
                )
            )
            messages = await _messages_of(session, org_id, seen) if seen else []
            return StoredFile(seen, True, messages)
        writer = _Writer(edi, session, org_id, file_row, process=process)
        if too_large:
            limit = edi.settings.max_file_bytes
            await writer.unreadable(
                body,
                [problem("TOO_LARGE", f"the file has {size} bytes, more than the {limit} allowed")],
            )
        else:
            await writer.read_all(body)
        return StoredFile(file_row.id, False, writer.stored)


async def _messages_of(
    session: AsyncSession, org_id: uuid.UUID, file_id: uuid.UUID
) -> list[StoredMessage]:
    rows = (
        await session.execute(
            select(EdiMessage).where(EdiMessage.org_id == org_id, EdiMessage.file_id == file_id)
        )
    ).scalars()
    return [StoredMessage(r.id, r.message_type, r.status, r.error_message) for r in rows]


class _Writer:
    """Writes one file's rows; collects what it stored."""

    def __init__(
        self,
        edi: EdiContext,
        session: AsyncSession,
        org_id: uuid.UUID,
        file_row: EdiInboundFile,
        *,
        process: bool = False,
    ) -> None:
        self.edi = edi
        self.process = process
        self.session = session
        self.org_id = org_id
        self.file = file_row
        self.stored: list[StoredMessage] = []
        self.rows: dict[uuid.UUID, EdiMessage] = {}

    async def read_all(self, body: bytes) -> None:
        try:
            results = read_interchanges(body)
        except EdifactError as exc:
            await self.unreadable(body, [from_error(exc)])
            return
        except Exception as exc:  # a bug of ours must not lose the file or stop the poller
            log.exception("EDIFACT reader failed on %s", self.file.name)
            await self.unreadable(body, [problem("INTERNAL", f"the reader failed: {exc!r}")])
            return
        if not results:
            await self.unreadable(body, [problem("NOT_EDIFACT", "the file holds no interchange")])
            return
        config = await config_store.effective(self.session, self.org_id)
        ours = {config.edi_mailbox} if config.edi_mailbox else set()
        recipients = {r.interchange.recipient.id for r in results if r.interchange}
        if not ours or not recipients <= ours:
            # Only needed when the configured mailbox id does not already match: the
            # organisation's GLN is the other name we answer to (and the error lists both).
            organization = await self.edi.runtime.domain.get_organization(
                self.org_id, session=self.session
            )
            ours |= {organization.gln} if organization and organization.gln else set()
        for result in results:
            await self.interchange(result, config, ours)

    async def unreadable(
        self,
        data: bytes,
        errors: list[dict[str, Any]],
        *,
        partner: EdiPartner | None = None,
        sender: str | None = None,
        message_type: str = "UNKNOWN",
        control_reference: str | None = None,
    ) -> None:
        text, exact = readable(data)
        await self.add(
            message_type=message_type,
            content=text,
            raw=exact if exact is not None else data,
            errors=errors,
            partner=partner,
            sender=sender,
            control_reference=control_reference,
        )

    async def interchange(
        self, result: ReadResult, config: config_store.EffectiveConfig, ours: set[str]
    ) -> None:
        envelope = result.interchange or result.partial
        sender = envelope.sender.id if envelope else None
        partner = (
            await partner_store.find_by_interchange_id(self.session, self.org_id, sender)
            if sender
            else None
        )
        if result.error is not None or result.interchange is None:
            error = result.error or EdifactError("ENVELOPE", "the interchange could not be read")
            first = envelope.messages[0].type if envelope and envelope.messages else "UNKNOWN"
            await self.unreadable(
                result.raw,
                [from_error(error)],
                partner=partner,
                sender=sender,
                message_type=first,
                control_reference=envelope.control_reference if envelope else None,
            )
            if envelope is not None and partner is not None and partner.send_contrl:
                await self.acknowledge(partner, envelope, {}, rejected=error)
            return
        ic = result.interchange
        problems = envelope_problems(ic, partner, config, ours)
        interchange_id = None
        if not problems:
            interchange_id, duplicate = await register_interchange(
                self.edi, self.session, self.org_id, self.file.id, ic, partner
            )
            if duplicate is not None:
                problems.append(duplicate)
        if not ic.messages:
            problems.append(problem("ENVELOPE", "the interchange holds no message"))
            await self.unreadable(
                ic.raw,
                problems,
                partner=partner,
                sender=sender,
                control_reference=ic.control_reference,
            )
            return
        issues_by_message: dict[str, list[Any]] = {}
        for message in ic.messages:
            errors = list(problems)
            errors += type_problems(message, partner, config)
            validation = _validate(message)
            issues_by_message[message.reference] = [
                i for i in validation if getattr(i, "severity", "error") == "error"
            ]
            errors += [from_issue(i) for i in validation]
            stored = await self.add(
                defer_pending=self.process,
                message_type=message.type,
                content=render_segments(message.segments, ic.characters),
                raw=ic.raw,
                errors=errors,
                partner=partner,
                sender=sender,
                control_reference=ic.control_reference,
                message_reference=message.reference,
                reference_id=_document_number(message),
                interchange_id=interchange_id,
                test=ic.test,
            )
            stored.parsed = message
            stored.decimal_mark = ic.characters.decimal
            if self.process and stored.status == "pending":
                await self.process_now(stored, partner, config)
        wants_contrl = partner is not None and partner.send_contrl and not problems
        if wants_contrl and any(m.type != "CONTRL" for m in ic.messages):
            assert partner is not None
            await self.acknowledge(partner, ic, issues_by_message)

    async def process_now(
        self,
        stored: StoredMessage,
        partner: EdiPartner | None,
        config: config_store.EffectiveConfig,
    ) -> None:
        from monopilot_integrations.connectors.edi.inbound.processing import process_row

        row = self.rows[stored.id]
        # The row is not in the session yet (``add(defer_pending=True)``): processing sets
        # its outcome in memory and one INSERT inside the savepoint stores it, instead of
        # an INSERT of the pending row and an UPDATE with the outcome.
        as_stored = {name: getattr(row, name) for name in _OUTCOME_FIELDS}
        try:
            async with self.session.begin_nested():
                await process_row(
                    self.edi,
                    self.session,
                    row,
                    stored.parsed,
                    stored.decimal_mark,
                    partner=partner,
                    config=config,
                )
                self.session.add(row)
                await self.session.flush()
        except Exception:  # stored as pending all the same: the next poll processes it
            log.exception("processing EDI message %s failed; it stays pending", stored.id)
            if row in self.session:
                self.session.expunge(row)
            for name, value in as_stored.items():
                setattr(row, name, value)
            self.session.add(row)
            await self.session.flush()
        stored.status = row.status
        stored.error = row.error_message
        stored.processed = row.status != "pending"

    async def acknowledge(
        self,
        partner: EdiPartner,
        ic: Interchange,
        issues: dict[str, list[Any]],
        rejected: EdifactError | None = None,
    ) -> None:
        """Queue the CONTRL; a CONTRL we cannot build must not cost the stored messages."""
        from monopilot_integrations.connectors.edi.outbound.acknowledge import queue_contrl

        try:
            async with self.session.begin_nested():
                await queue_contrl(self.edi, self.session, partner, ic, issues, rejected)
        except Exception:
            log.exception("could not queue the CONTRL for interchange %s", ic.control_reference)

    async def add(
        self,
        *,
        defer_pending: bool = False,
        message_type: str,
        content: str,
        raw: bytes | None,
        errors: list[dict[str, Any]],
        partner: EdiPartner | None,
        sender: str | None,
        control_reference: str | None = None,
        message_reference: str | None = None,
        reference_id: str | None = None,
        interchange_id: uuid.UUID | None = None,
        test: bool = False,
    ) -> StoredMessage:
        now = self.edi.runtime.clock.now()
        failed = any(e.get("severity", "error") == "error" for e in errors)
        row = EdiMessage(
            id=new_id(),
            org_id=self.org_id,
            direction="inbound",
            message_type=(message_type or "UNKNOWN")[:20],
            message_content=content,
            raw_bytes=raw,
            status="error" if failed else "pending",
            partner_id=sender[:100] if sender else None,
            partner_profile_id=partner.id if partner else None,
            reference_id=reference_id[:100] if reference_id else None,
            error_message=journal.summary(errors),
            errors=errors,
            file_id=self.file.id,
            interchange_id=interchange_id,
            control_reference=control_reference[:14] if control_reference else None,
            message_reference=message_reference[:14] if message_reference else None,
            test=test,
            outcome="rejected" if failed else None,
            processed_at=now if failed else None,
            created_at=now,
            updated_at=now,
        )
        if failed or not defer_pending:  # else :meth:`process_now` inserts it
            self.session.add(row)
            await self.session.flush()
        if failed:
            await journal.failed(self.edi, self.session, row, file_name=self.file.name)
        stored = StoredMessage(row.id, row.message_type, row.status, row.error_message)
        self.stored.append(stored)
        self.rows[row.id] = row
        return stored


#: What processing may change on a message row (restored when processing fails).
_OUTCOME_FIELDS = (
    "status",
    "outcome",
    "errors",
    "error_message",
    "sales_order_id",
    "receipt_id",
    "processed_at",
    "updated_at",
)


def _validate(message: Message) -> list[Any]:
    try:
        return list(validate_message(message))
    except EdifactError as exc:
        return [exc.to_issue()]
    except Exception as exc:  # a validator bug: record it, keep going
        log.exception("EDIFACT validator failed on message %s", message.reference)
        return [EdifactError("INTERNAL", f"the validator failed: {exc!r}").to_issue()]


def _document_number(message: Message) -> str | None:
    bgm = message.find("BGM")
    return bgm.value(1, 0) if bgm else None
