"""Handlers of ``/api/integrations/comarch/...``: configuration, test, accounts, pushes."""

from __future__ import annotations

import uuid

from aiohttp import web
from sqlalchemy import func, select

from monopilot_integrations.connectors.comarch import accounts, config_store
from monopilot_integrations.connectors.comarch.api.models import (
    AccountList,
    AccountOut,
    AccountQuery,
    DocumentOut,
    InvoiceSync,
    PushAnswer,
    PushedJob,
    PushRequest,
    SyncAnswer,
)
from monopilot_integrations.connectors.comarch.checks import run_checks
from monopilot_integrations.connectors.comarch.connector import ComarchConnector
from monopilot_integrations.connectors.comarch.pushing import DONE
from monopilot_integrations.connectors.comarch.tables import ComarchAccount, ComarchDocument
from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.errors import FatalError, RetriableError, ValidationError
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response, parse_body, parse_query

MAX_FILE_BYTES = 5 * 1024 * 1024
FILE_TYPES = ("application/xml", "text/xml", "text/csv", "text/plain", "application/octet-stream")


def _connector(kernel: Kernel) -> ComarchConnector:
    connector = kernel.connector("comarch")
    assert isinstance(connector, ComarchConnector)
    return connector


async def get_config(request: web.Request) -> web.Response:
    org_id, kernel = request_org(request), request_kernel(request)
    async with kernel.session(org_id) as session:
        row = await config_store.load(session, org_id)
        return json_response(await config_store.to_out(session, org_id, row))


async def put_config(request: web.Request) -> web.Response:
    org_id, kernel = request_org(request), request_kernel(request)
    data = await parse_body(request, config_store.ConfigIn)
    connector = _connector(kernel)
    folder = kernel.settings.data_dir / "comarch" / str(org_id)
    async with kernel.session(org_id) as session:
        row = await config_store.put(
            session,
            org_id,
            data,
            keyring=kernel.keyring,
            guard=connector.guard(),
            registry=kernel.registry,
            default_folder=str(folder),
            now=kernel.clock.now(),
        )
        return json_response(await config_store.to_out(session, org_id, row))


async def test_connection(request: web.Request) -> web.Response:
    org_id, kernel = request_org(request), request_kernel(request)
    async with kernel.session(org_id) as session:
        row = await config_store.load(session, org_id)
    return json_response(await run_checks(_connector(kernel), org_id, row))


async def sync_accounts(request: web.Request) -> web.Response:
    """From the bridge (no body), or from Optima's exported plan of accounts (the file as
    the body: XML or CSV)."""
    org_id, kernel = request_org(request), request_kernel(request)
    connector = _connector(kernel)
    if request.can_read_body and request.content_type in FILE_TYPES:
        if request.content_length is not None and request.content_length > MAX_FILE_BYTES:
            raise Problem(413, f"the file is larger than {MAX_FILE_BYTES} bytes")
        body = await request.content.read(MAX_FILE_BYTES + 1)
        if len(body) > MAX_FILE_BYTES:
            raise Problem(413, f"the file is larger than {MAX_FILE_BYTES} bytes")
        found, source = accounts.from_file(body), "file"
    else:
        async with kernel.session(org_id) as session:
            row = await config_store.load(session, org_id)
        if row is None or not row.api_url:
            raise Problem(
                409,
                "configure the bridge first, or send Optima's exported plan of accounts "
                "as the body",
            )
        try:
            secret = config_store.api_secret(kernel.keyring, org_id, row)
            found, source = (
                accounts.from_bridge(await connector.client(row, secret).accounts()),
                "bridge",
            )
        except RetriableError as exc:
            raise Problem(502, f"the Optima bridge could not be read: {exc}") from exc
        except ValidationError:
            raise
        except FatalError as exc:
            raise Problem(502, f"the Optima bridge refused: {exc}") from exc
    now = kernel.clock.now()
    async with kernel.session(org_id) as session:
        counts = await accounts.replace(session, org_id, found, source, now)
        row = await config_store.load(session, org_id)
        if row is not None:
            row.accounts_synced_at = now
    return json_response(SyncAnswer(source=source, **counts))


async def list_accounts(request: web.Request) -> web.Response:
    org_id, kernel = request_org(request), request_kernel(request)
    query = parse_query(request, AccountQuery)
    stmt = select(ComarchAccount).where(ComarchAccount.org_id == org_id)
    if query.active is not None:
        stmt = stmt.where(ComarchAccount.active == query.active)
    async with kernel.session(org_id) as session:
        rows = (await session.scalars(stmt.order_by(ComarchAccount.number))).all()
        total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = [AccountOut.model_validate(r) for r in rows]
    return json_response(AccountList(items=items, total=total or 0))


async def push_invoices(request: web.Request) -> web.Response:
    """Queue a push per invoice (the kernel's engine runs and retries them)."""
    org_id, kernel = request_org(request), request_kernel(request)
    body = await parse_body(request, PushRequest)
    items: list[PushedJob] = []
    async with kernel.session(org_id) as session:
        if await config_store.load(session, org_id) is None:
            raise Problem(
                409, "Comarch Optima is not configured: PUT /api/integrations/comarch/config first"
            )
        problems = []
        found = []
        for i, invoice_id in enumerate(body.ids()):
            invoice = await kernel.domain.get_invoice(org_id, invoice_id, session=session)
            if invoice is None:
                problems.append(
                    {
                        "path": f"/invoice_ids/{i}" if body.invoice_ids else "/invoice_id",
                        "message": f"no invoice {invoice_id}",
                    }
                )
            else:
                found.append(invoice)
        if problems:
            raise Problem(404, "; ".join(p["message"] for p in problems), errors=problems)
        queue = []
        for invoice in found:
            document = await session.scalar(
                select(ComarchDocument).where(
                    ComarchDocument.org_id == org_id, ComarchDocument.invoice_id == invoice.id
                )
            )
            if document is not None and document.status in DONE:
                items.append(
                    PushedJob(invoice_id=invoice.id, number=invoice.number, state="already_synced")
                )
            else:
                queue.append(invoice)
        ids = await kernel.jobs.create(
            org_id,
            "comarch",
            [JobSpec(payload={"invoice_id": str(i.id)}, subject_id=i.number) for i in queue],
            session=session,
        )
        for invoice, job_id in zip(queue, ids, strict=True):
            items.append(
                PushedJob(
                    invoice_id=invoice.id, number=invoice.number, job_id=job_id, state="queued"
                )
            )
    return json_response(PushAnswer(items=items), status=202)


async def invoice_sync(request: web.Request) -> web.Response:
    org_id, kernel = request_org(request), request_kernel(request)
    try:
        invoice_id = uuid.UUID(request.match_info["id"])
    except ValueError:
        raise Problem(404, f"no invoice {request.match_info['id']!r}") from None
    async with kernel.session(org_id) as session:
        invoice = await kernel.domain.get_invoice(org_id, invoice_id, session=session)
        if invoice is None:
            raise Problem(404, f"no invoice {invoice_id}")
        document = await session.scalar(
            select(ComarchDocument).where(
                ComarchDocument.org_id == org_id, ComarchDocument.invoice_id == invoice_id
            )
        )
        return json_response(
            InvoiceSync(
                invoice_id=invoice.id,
                number=invoice.number,
                kind=invoice.kind,
                sync_status=invoice.sync_status,
                sync_error=invoice.sync_error,
                external_id=invoice.external_id,
                synced_at=invoice.synced_at,
                document=DocumentOut.model_validate(document) if document is not None else None,
            )
        )
