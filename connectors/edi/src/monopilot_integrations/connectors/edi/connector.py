"""The EDI connector: delivers stored outbound messages through the partner's transport.

Each outbound message (INVOIC, DESADV, ORDRSP, CONTRL) is one job whose payload names the
``edi_messages`` row. The kernel's engine runs it with retries (exponential by default)
and dead-letters it when the partner stays unreachable; the row shows the last error.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from monopilot_integrations.connectors.edi import journal
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.mailbox.sources import build_transport
from monopilot_integrations.connectors.edi.tables import EdiMessage, EdiPartner
from monopilot_integrations.connectors.edi.transport_secrets import unseal
from monopilot_integrations.core import Connector, FatalError, Job, OutboundMessage
from monopilot_integrations.core.jobs.retry import RetryPolicy

#: File extension of outbound interchanges.
EXTENSION = ".edi"


class EdiConnector(Connector):
    name = "edi"
    title = "EDIFACT EDI (ORDERS, RECADV in; ORDRSP, INVOIC, DESADV, CONTRL out)"
    consumes = ()
    retry_policy = RetryPolicy.EXPONENTIAL
    max_retries = 5
    integration_type = "edi"
    direction = "outbound"

    @property
    def edi(self) -> EdiContext:
        return EdiContext.of(self.context)

    async def handle(self, job: Job) -> None:
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
            edi.runtime.registry, edi.runtime.keyring, partner, edi.mailbox_root, edi.settings
        )
        # Whatever a library puts in an error text, the partner's secrets never reach a log.
        job.record(
            secrets=list(
                unseal(
                    edi.runtime.keyring, job.org_id, partner.id, partner.transport_secrets
                ).values()
            )
        )
        try:
            receipt = await transport.send(
                OutboundMessage(
                    name=file_name, body=row.raw_bytes or b"", content_type="application/EDIFACT"
                )
            )
        except FatalError as exc:
            await self._mark(job, message_id, "error", str(exc))
            raise
        except Exception as exc:
            await self._mark(job, message_id, "pending", f"attempt {job.attempt}: {exc}")
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
            row.errors = [journal.problem("DELIVERY", error)] if error else []
            row.outcome = outcome or ("failed" if status == "error" else row.outcome)
            row.updated_at = now
            if status != "pending":
                row.processed_at = now
            await session.flush()
            if status == "error":
                await journal.failed(edi, session, row)
