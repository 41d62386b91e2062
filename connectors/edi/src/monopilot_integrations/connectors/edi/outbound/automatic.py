"""Messages a partner gets without anyone calling ``POST /edi/send``.

A partner profile lists them in ``auto_send``: DESADV, built when MonoPilot publishes
``shipment.dispatched`` for the partner's customer, and INVOIC, built when it publishes
``invoice.created`` (an invoice or a correction) for that customer.

The event is planned into one "build" job per partner (plans only read); the job builds,
validates and stores the message and creates its delivery job in one transaction, exactly
as ``POST /edi/send`` does. A record gets one automatic message per partner however often
the event arrives or the job runs: the build first locks the partner row and looks for a
message of that type already stored for the record, and skips when there is one.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence

from sqlalchemy import select

from monopilot_integrations.connectors.edi import config_store
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.outbound.records import send_record
from monopilot_integrations.connectors.edi.tables import EdiMessage, EdiPartner
from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.errors import FatalError, NotFoundError, ValidationError
from monopilot_integrations.core.events import Event
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.jobs.queue import QueuedJob

#: The event that triggers each automatic message.
TRIGGERS: dict[str, str] = {"shipment.dispatched": "DESADV", "invoice.created": "INVOIC"}
#: Where each triggering event names its record.
RECORD_KEYS: dict[str, str] = {
    "shipment.dispatched": "shipment_id",
    "invoice.created": "invoice_id",
}
#: The payload key that marks a job as a build (delivery jobs carry ``message_id``).
BUILD = "build"


async def plan_automatic(edi: EdiContext, event: Event) -> Sequence[JobSpec]:
    """One build job per active partner of the record's customer that asks for it."""
    message_type = TRIGGERS.get(event.type)
    if message_type is None:
        return []
    try:
        record_id = uuid.UUID(str(event.data.get(RECORD_KEYS[event.type])))
    except ValueError:
        return []
    async with edi.runtime.database.session(event.org_id) as session:
        config = await config_store.effective(session, event.org_id)
        if not config.enabled or message_type not in config.message_types:
            return []
        domain = edi.runtime.domain
        record = (
            await domain.get_invoice(event.org_id, record_id, session=session)
            if message_type == "INVOIC"
            else await domain.get_shipment(event.org_id, record_id, session=session)
        )
        if record is None or record.customer_id is None:
            return []
        partners = (
            await session.execute(
                select(EdiPartner)
                .where(
                    EdiPartner.org_id == event.org_id,
                    EdiPartner.customer_id == record.customer_id,
                    EdiPartner.active.is_(True),
                )
                .order_by(EdiPartner.created_at)
            )
        ).scalars()
        return [
            JobSpec(
                payload={
                    BUILD: message_type,
                    "record_id": str(record_id),
                    "partner_profile_id": str(p.id),
                },
                subject_id=p.partner_id,
            )
            for p in partners
            if message_type in (p.auto_send or []) and message_type in p.message_types
        ]


async def build_automatic(edi: EdiContext, job: Job) -> EdiMessage | None:
    """Build, store and queue the message of a build job; ``None`` when already done."""
    message_type = str(job.payload[BUILD])
    if message_type not in TRIGGERS.values():
        raise FatalError(f"{message_type} is not sent automatically")
    record_id = uuid.UUID(str(job.payload["record_id"]))
    partner_profile_id = uuid.UUID(str(job.payload["partner_profile_id"]))
    async with edi.runtime.database.session(job.org_id) as session:
        # The lock makes a second build of the same shipment wait for the first to commit,
        # then see its message (SQLite serialises writers anyway).
        partner = await session.scalar(
            select(EdiPartner)
            .where(EdiPartner.org_id == job.org_id, EdiPartner.id == partner_profile_id)
            .with_for_update()
        )
        config = await config_store.effective(session, job.org_id)
        if not config.enabled or message_type not in config.message_types:
            job.record(warning=f"EDI or {message_type} was switched off since: nothing sent")
            return None
        if partner is None or not partner.active or message_type not in (partner.auto_send or []):
            job.record(warning="the partner no longer asks for this message: nothing sent")
            return None
        existing = await session.scalar(
            select(EdiMessage.id).where(
                EdiMessage.org_id == job.org_id,
                EdiMessage.direction == "outbound",
                EdiMessage.message_type == message_type,
                EdiMessage.record_id == record_id,
                EdiMessage.partner_profile_id == partner_profile_id,
            )
        )
        if existing is not None:
            job.record(
                response={"message_id": str(existing)},
                warning=f"a {message_type} for this record was already stored: not sent twice",
            )
            return None
        try:
            queued = await send_record(
                edi,
                session,
                job.org_id,
                message_type="INVOIC" if message_type == "INVOIC" else "DESADV",
                record_id=record_id,
                partner_profile_id=partner_profile_id,
            )
        except (ValidationError, NotFoundError) as exc:
            # The record or the profile is wrong; retrying will not change it.
            raise FatalError(
                f"the automatic {message_type} for {record_id} cannot be built: {exc}"
            ) from exc
        message = queued.message
    job.record(
        request={"build": message_type, "record_id": str(record_id)},
        response={"message_id": str(message.id), "delivery_job_id": str(queued.job_id)},
        external_system=partner.partner_id,
    )
    # The fast path; the sweeper hands the delivery job over anyway if the broker is away.
    with contextlib.suppress(Exception):
        await edi.runtime.kernel.queue.enqueue([QueuedJob(job.org_id, queued.job_id, "edi")])
    return message
