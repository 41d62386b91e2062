"""The mailbox poll: a periodic task (every ``MONOPILOT_EDI_POLL_INTERVAL`` seconds).

For each organisation with EDI enabled, every mailbox it receives through (its own folder
mailbox, plus each active partner's own transport when that is not the shared folder) is
read: each file claimed, stored and processed (:mod:`.storage`), then archived, or moved
to ``error/`` when something in it failed; then messages left ``pending`` are processed.
Nothing here lets an exception out: a broken mailbox or file is logged and the poll goes
on with the next.

Polling is safe in several processes at once: claiming is an atomic rename, the file and
interchange rows are unique, and processing claims each message with a conditional update.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.inbound.processing import process_pending
from monopilot_integrations.connectors.edi.inbound.storage import store_file
from monopilot_integrations.connectors.edi.mailbox.sources import build_transport, default_mailbox
from monopilot_integrations.connectors.edi.tables import EdiConfig, EdiPartner
from monopilot_integrations.core.net import OutboundGuard
from monopilot_integrations.core.transport import Transport

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    files: int = 0
    archived: int = 0
    rejected: int = 0
    already_stored: int = 0
    processed: int = 0
    failures: list[str] = field(default_factory=list)


async def poll_task(kernel: Any) -> None:
    """The periodic task: every enabled organisation's mailboxes."""
    report = await poll_all(kernel)
    if report.failures:
        log.warning("EDI poll: %d problem(s): %s", len(report.failures), "; ".join(report.failures))


async def poll_all(kernel: Any) -> PollReport:
    """Poll every enabled organisation's mailboxes once; what happened, counted."""
    edi = EdiContext.of(kernel)
    async with edi.runtime.database.system_session() as session:
        orgs = list(
            (
                await session.execute(select(EdiConfig.org_id).where(EdiConfig.enabled.is_(True)))
            ).scalars()
        )
    report = PollReport()
    for org_id in orgs:
        await poll_organization(edi, org_id, report)
    return report


async def poll_organization(
    edi: EdiContext, org_id: uuid.UUID, report: PollReport | None = None
) -> PollReport:
    report = report or PollReport()
    for transport in await _mailboxes(edi, org_id, report):
        try:
            await poll_mailbox(edi, org_id, transport, report)
        finally:
            try:
                await transport.close()
            except Exception:
                log.warning("closing mailbox transport %s failed", transport.name, exc_info=True)
    try:
        report.processed += await process_pending(edi, org_id)
    except Exception as exc:
        report.failures.append(f"processing pending messages: {exc}")
        log.exception("processing pending EDI messages of %s failed", org_id)
    return report


async def _mailboxes(edi: EdiContext, org_id: uuid.UUID, report: PollReport) -> list[Transport]:
    mailboxes: list[Transport] = [default_mailbox(edi.mailbox_root, org_id, edi.settings)]
    seen = {_key(mailboxes[0])}
    async with edi.runtime.database.session(org_id) as session:
        partners = list(
            (
                await session.execute(
                    select(EdiPartner).where(
                        EdiPartner.org_id == org_id, EdiPartner.active.is_(True)
                    )
                )
            ).scalars()
        )
    for partner in partners:
        try:
            transport = build_transport(
                edi.runtime.registry,
                edi.runtime.keyring,
                partner,
                edi.mailbox_root,
                edi.settings,
                guard=OutboundGuard.from_settings(edi.runtime.settings),
            )
        except Exception as exc:
            report.failures.append(f"partner {partner.partner_id}: {exc}")
            log.warning("partner %s: cannot build its transport: %s", partner.partner_id, exc)
            continue
        key = _key(transport)
        if key not in seen and type(transport).receive is not Transport.receive:
            seen.add(key)
            mailboxes.append(transport)
    return mailboxes


def _key(transport: Transport) -> str:
    source = getattr(transport, "source", None)
    return str(source) if source else f"{transport.name}:{transport.settings!r}"


async def poll_mailbox(
    edi: EdiContext, org_id: uuid.UUID, transport: Transport, report: PollReport
) -> None:
    source = _key(transport)
    try:
        files = await transport.receive()
    except Exception as exc:
        report.failures.append(f"{source}: {exc}")
        log.warning("EDI mailbox %s cannot be read: %s", source, exc)
        return
    for file in files:
        report.files += 1
        try:
            stored = await store_file(
                edi,
                org_id,
                name=file.name,
                body=file.body,
                source=str(file.metadata.get("source") or source),
                too_large=bool(file.metadata.get("too_large")),
                size=int(file.metadata.get("size") or len(file.body)),
            )
        except Exception as exc:  # the database is away: leave the file claimed, retry later
            report.failures.append(f"{source}/{file.name}: {exc}")
            log.exception("EDI file %s could not be stored; it stays claimed", file.name)
            continue
        try:
            if stored.failed:
                await transport.reject(file, stored.reason())
                report.rejected += 1
            else:
                await transport.acknowledge(file)
                report.archived += 1
        except Exception as exc:
            report.failures.append(f"{source}/{file.name}: moving it: {exc}")
            log.warning("EDI file %s stored but not moved: %s", file.name, exc)
        if stored.already_stored:
            report.already_stored += 1
        report.processed += sum(1 for m in stored.messages if m.processed)
