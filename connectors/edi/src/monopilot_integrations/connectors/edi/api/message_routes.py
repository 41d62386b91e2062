"""``/edi/inbox``, ``/edi/outbox``, ``/edi/messages/{id}``, ``/edi/process/{id}``, ``/edi/send``."""

from __future__ import annotations

import contextlib
import hashlib
import uuid

from aiohttp import web
from sqlalchemy import func, select

from monopilot_integrations.connectors.edi import config_store
from monopilot_integrations.connectors.edi.api.common import edi_of, path_uuid
from monopilot_integrations.connectors.edi.api.models import (
    InboxReceipt,
    MessageDetail,
    MessageItem,
    MessagePage,
    MessageQuery,
    SendRequest,
)
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.inbound.processing import (
    NotProcessable,
    process_message,
)
from monopilot_integrations.connectors.edi.inbound.storage import store_file
from monopilot_integrations.connectors.edi.outbound.documents import LineAnswer
from monopilot_integrations.connectors.edi.outbound.records import send_record
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.jobs.queue import QueuedJob
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_org
from monopilot_integrations.core.web.validation import json_response, parse_body, parse_query


async def list_inbox(request: web.Request) -> web.Response:
    return await _list(request, "inbound")


async def list_outbox(request: web.Request) -> web.Response:
    return await _list(request, "outbound")


async def _list(request: web.Request, direction: str) -> web.Response:
    org_id = request_org(request)
    query = parse_query(request, MessageQuery)
    if query.since and query.until and query.until <= query.since:
        raise Problem(422, "'until' must be after 'since'")
    conditions = [EdiMessage.org_id == org_id, EdiMessage.direction == direction]
    for name in ("status", "message_type", "partner_id", "outcome"):
        value = getattr(query, name)
        if value is not None:
            conditions.append(getattr(EdiMessage, name) == value)
    if query.since:
        conditions.append(EdiMessage.created_at >= query.since)
    if query.until:
        conditions.append(EdiMessage.created_at < query.until)
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        total = await session.scalar(
            select(func.count()).select_from(EdiMessage).where(*conditions)
        )
        rows = (
            await session.execute(
                select(EdiMessage)
                .where(*conditions)
                .order_by(EdiMessage.created_at.desc(), EdiMessage.id.desc())
                .limit(query.limit)
                .offset(query.offset)
            )
        ).scalars()
        items = [MessageItem.of(r) for r in rows]
    return json_response(
        MessagePage(items=items, total=int(total or 0), limit=query.limit, offset=query.offset)
    )


async def get_message(request: web.Request) -> web.Response:
    org_id = request_org(request)
    message_id = path_uuid(request)
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        row = await _message(edi, session, org_id, message_id)
        item = MessageItem.of(row)
        return json_response(
            MessageDetail(**item.model_dump(), message_content=row.message_content)
        )


async def _message(
    edi: EdiContext, session: object, org_id: uuid.UUID, message_id: uuid.UUID
) -> EdiMessage:
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    row = await session.scalar(
        select(EdiMessage).where(EdiMessage.id == message_id, EdiMessage.org_id == org_id)
    )
    if row is None:
        raise Problem(404, f"no EDI message {message_id} in this organisation")
    return row


async def receive_interchange(request: web.Request) -> web.Response:
    """The raw interchange as the body: stored, processed, answered with the outcome."""
    org_id = request_org(request)
    edi = edi_of(request)
    limit = edi.settings.max_file_bytes
    if request.content_length is not None and request.content_length > limit:
        raise Problem(413, f"the interchange is larger than {limit} bytes")
    body = await request.content.read(limit + 1)
    if len(body) > limit:
        raise Problem(413, f"the interchange is larger than {limit} bytes")
    if not body:
        raise Problem(422, "the body is empty: send the interchange as the request body")
    async with edi.runtime.database.session(org_id) as session:
        config = await config_store.effective(session, org_id)
    if not config.enabled:
        raise Problem(
            409,
            "EDI is not enabled for this organisation (PUT /api/integrations/edi/config)",
            kind="edi-disabled",
        )
    name = request.headers.get("X-File-Name") or f"api-{hashlib.sha256(body).hexdigest()[:16]}"
    stored = await store_file(edi, org_id, name=name[:255], body=body, source="api")
    ids = [m.id for m in stored.messages]
    async with edi.runtime.database.session(org_id) as session:
        rows = {
            r.id: r
            for r in (
                await session.execute(
                    select(EdiMessage).where(EdiMessage.org_id == org_id, EdiMessage.id.in_(ids))
                )
            ).scalars()
        }
    receipt = InboxReceipt(
        file_id=stored.file_id,
        already_received=stored.already_stored,
        messages=[MessageItem.of(rows[i]) for i in ids if i in rows],
    )
    return json_response(receipt, status=200 if stored.already_stored else 201)


async def reprocess(request: web.Request) -> web.Response:
    org_id = request_org(request)
    message_id = path_uuid(request)
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        row = await _message(edi, session, org_id, message_id)
        if row.direction != "inbound":
            raise Problem(409, "only inbound messages are processed", kind="not-inbound")
        if row.status == "processed":
            raise Problem(
                409,
                f"message {message_id} was already processed ({row.outcome}); "
                "it is not processed twice",
                kind="already-processed",
            )
    try:
        await process_message(edi, org_id, message_id, again=True)
    except NotProcessable as exc:
        raise Problem(409, str(exc), kind="already-processed") from None
    async with edi.runtime.database.session(org_id) as session:
        row = await _message(edi, session, org_id, message_id)
        return json_response(MessageItem.of(row))


async def send(request: web.Request) -> web.Response:
    org_id = request_org(request)
    data = await parse_body(request, SendRequest)
    if data.lines and data.message_type != "ORDRSP":
        raise Problem(422, "lines are answers to an order: only for ORDRSP")
    answers = {line.line_no: LineAnswer(line.action, line.qty) for line in data.lines}
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        config = await config_store.effective(session, org_id)
        if not config.enabled:
            raise Problem(409, "EDI is not enabled for this organisation", kind="edi-disabled")
        if data.message_type not in config.message_types:
            raise Problem(422, f"{data.message_type} is switched off in the EDI configuration")
        queued = await send_record(
            edi,
            session,
            org_id,
            message_type=data.message_type,
            record_id=data.record_id,
            partner_profile_id=data.partner_id,
            answers=answers,
        )
        item = MessageItem.of(queued.message)
    # The fast path; the sweeper hands the job over anyway if the broker is away.
    with contextlib.suppress(Exception):
        await edi.runtime.kernel.queue.enqueue([QueuedJob(org_id, queued.job_id, "edi")])
    return json_response(item, status=202)
