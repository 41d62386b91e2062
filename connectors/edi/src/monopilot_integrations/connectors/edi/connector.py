"""The EDI connector: delivers stored outbound messages through the partner's transport.

Each outbound message (INVOIC, DESADV, ORDRSP, CONTRL) is one job whose payload names the
``edi_messages`` row. The kernel's engine runs it with retries (exponential by default)
and dead-letters it when the partner stays unreachable. While retries remain the row stays
``pending`` with the last error; the attempt that exhausts them marks it ``error`` (and
publishes ``edi.message.failed``), so the outbox never shows a dead message as waiting.

The connector also consumes ``shipment.dispatched`` and ``invoice.created``: partners
whose profile lists DESADV or INVOIC in ``auto_send`` get one built automatically (see
:mod:`.outbound.automatic`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from monopilot_integrations.connectors.edi import journal
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.mailbox.sources import build_transport
from monopilot_integrations.connectors.edi.outbound.automatic import (
    BUILD,
    TRIGGERS,
    build_automatic,
    plan_automatic,
)
from monopilot_integrations.connectors.edi.tables import EdiMessage, EdiPartner
from monopilot_integrations.connectors.edi.transport_secrets import unseal
from monopilot_integrations.core import Connector, FatalError, Job, OutboundMessage
from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.events import Event
from monopilot_integrations.core.jobs.retry import RetryPolicy, retry_delay
from monopilot_integrations.core.net import OutboundGuard

#: File extension of outbound interchanges.
EXTENSION = ".edi"


class EdiConnector(Connector):
    name = "edi"
    title = "EDIFACT EDI (ORDERS, RECADV in; ORDRSP, INVOIC, DESADV, CONTRL out)"
    consumes = tuple(TRIGGERS)
    retry_policy = RetryPolicy.EXPONENTIAL
    max_retries = 5
    integration_type = "edi"
    direction = "outbound"

    @property
    def edi(self) -> EdiContext:
        return EdiContext.of(self.context)

    async def plan(self, event: Event) -> Sequence[JobSpec]:
        return await plan_automatic(self.edi, event)

    async def handle(self, job: Job) -> None:
        if BUILD in job.payload:
            await build_automatic(self.edi, job)
            return
        await self._deliver(job)

    async def _deliver(self, job: Job) -> None:
        edi = self.edi
        message_id = uuid.UUID(str(job.payload["message_id"]))
        async with edi.runtime.database.session(job.org_id) as session:
            row = await session.scalar(
                select(EdiMessage).where(
                    EdiMessage.id == message_id,
                    EdiMessage.org_id == job.org_id,
                    EdiMessage.direction == "outbound",
                )
            )
            if row is None:
                raise FatalError(f"outbound EDI message {message_id} does not exist")
            if row.status == "processed":  # sent by an earlier attempt that crashed after
                return
            partner = await session.scalar(
                select(EdiPartner).where(
                    EdiPartner.id == row.partner_profile_id, EdiPartner.org_id == job.org_id
                )
            )
        if partner is None:
            await self._mark(job, message_id, "error", "the partner profile was deleted")
            raise FatalError(f"the partner of EDI message {message_id} was deleted")
        file_name = f"{row.message_type}_{partner.partner_id}_{row.control_reference}{EXTENSION}"
        job.record(
            request={
                "message_id": str(row.id),
                "message_type": row.message_type,
                "partner_id": partner.partner_id,
                "transport": partner.transport,
                "file": file_name,
            },
            external_system=partner.partner_id,
        )
        transport = build_transport(
            edi.runtime.registry,
            edi.runtime.keyring,
            partner,
            edi.mailbox_root,
            edi.settings,
            guard=OutboundGuard.from_settings(edi.runtime.settings),
        )
        # Whatever a library puts in an error text, the partner's secrets never reach a log
        # nor the stored message (the API shows its error).
        secrets = [
            str(value)
            for value in unseal(
                edi.runtime.keyring, job.org_id, partner.id, partner.transport_secrets
            ).values()
            if value
        ]
        job.record(secrets=secrets)
        try:
            receipt = await transport.send(
                OutboundMessage(
                    name=file_name, body=row.raw_bytes or b"", content_type="application/EDIFACT"
                )
            )
        except FatalError as exc:
            await self._mark(job, message_id, "error", scrub(str(exc), secrets))
            raise
        except Exception as exc:
            error = f"attempt {job.attempt}: {scrub(str(exc), secrets)}"
            if last_attempt(job):
                await self._mark(job, message_id, "error", f"{error} (no retry left)")
            else:
                await self._mark(job, message_id, "pending", error)
            raise
        finally:
            await transport.close()
        job.record(response={"reference": receipt.reference})
        await self._mark(job, message_id, "processed", None, outcome="sent")

    async def _mark(
        self,
        job: Job,
        message_id: uuid.UUID,
        status: str,
        error: str | None,
        *,
        outcome: str | None = None,
    ) -> None:
        edi = self.edi
        now = edi.runtime.clock.now()
        async with edi.runtime.database.session(job.org_id) as session:
            row = await session.scalar(
                select(EdiMessage).where(
                    EdiMessage.id == message_id, EdiMessage.org_id == job.org_id
                )
            )
            if row is None:
                return
            row.status = status
            row.error_message = error
            # warnings written when the message was built (transliteration) stay in its log
            kept = [e for e in row.errors or [] if e.get("severity") == "warning"]
            row.errors = kept + ([journal.problem("DELIVERY", error)] if error else [])
            row.outcome = outcome or ("failed" if status == "error" else row.outcome)
            row.updated_at = now
            if status != "pending":
                row.processed_at = now
            await session.flush()
            if status == "error":
                await journal.failed(edi, session, row)


def last_attempt(job: Job) -> bool:
    """Whether the engine will dead-letter ``job`` if this attempt fails (its own rule)."""
    return retry_delay(job.retry_policy, job.retries, job.max_retries, jitter=0.0) is None


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every known secret value replaced (error texts are stored and shown)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
