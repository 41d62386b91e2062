"""One attempt to hand an invoice to Optima: build, check, send, record.

The same invoice never becomes two documents in Optima:

* the document carries the invoice's id (``IdZrodla`` on the bridge, ``ID_ZRODLA`` in the
  XML), and the bridge answers a repeated id with the document it already has;
* before sending again after an attempt that may have reached Optima (the row says
  ``sending``: a lost answer, a worker killed mid-call) the connector first asks the bridge
  for a document with that id;
* a ``409`` duplicate number that carries this invoice's id is that same document;
  one with another id is a different document under this number: fatal, named;
* an XML file is named after the invoice and replaced on a retry, and Optima's import
  skips an ``ID_ZRODLA`` it has imported before;
* ``comarch_documents`` holds one row per invoice: once ``synced``/``exported``, a push of
  the same invoice is a no-op that says so.

Outcomes land on the invoice through the domain store (``sync_status``, Optima's id, the
error) with an ``invoice.updated`` event, in one transaction.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from monopilot_integrations.connectors.comarch import config_store
from monopilot_integrations.connectors.comarch.bridge_json import to_bridge
from monopilot_integrations.connectors.comarch.document import (
    OptimaDocument,
    build_document,
    check_document,
)
from monopilot_integrations.connectors.comarch.errors import DocumentRejected, optima_message
from monopilot_integrations.connectors.comarch.offline_xml import to_offline_xml
from monopilot_integrations.connectors.comarch.tables import ComarchConfig, ComarchDocument
from monopilot_integrations.core.domain.invoices import Invoice, InvoiceSyncStatus
from monopilot_integrations.core.domain.payloads import invoice_updated
from monopilot_integrations.core.errors import (
    ConfigError,
    DeferredError,
    FatalError,
    RetriableError,
)
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.transport import OutboundMessage

if TYPE_CHECKING:
    from monopilot_integrations.connectors.comarch.connector import ComarchConnector

DONE = ("synced", "exported")


def file_name(doc: OptimaDocument) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", doc.number).strip("_") or "faktura"
    return f"optima-{safe}-{doc.source_id.hex[:8]}.xml"


async def push(connector: ComarchConnector, job: Job) -> None:
    ctx = connector.context
    org_id = job.org_id
    try:
        invoice_id = uuid.UUID(str(job.payload["invoice_id"]))
    except (KeyError, ValueError) as exc:
        raise FatalError(f"the job names no invoice id: {job.payload!r}") from exc
    async with ctx.database.session(org_id) as session:
        config = await config_store.load(session, org_id)
        invoice = await ctx.domain.get_invoice(org_id, invoice_id, session=session)
        postings = await config_store.postings(session, org_id)
        row = await _document_row(session, org_id, invoice_id)
    if config is None:
        raise ConfigError("Comarch Optima is not configured for this organisation")
    if invoice is None:
        raise FatalError(f"invoice {invoice_id} does not exist (any more)")
    if row is not None and row.status in DONE:
        job.record(
            response={"already": row.status, "external_id": row.external_id},
            warning=f"invoice {invoice.number} is already in Optima ({row.external_id}): "
            "not sent again",
        )
        return
    await _wait_for_the_original(connector, org_id, invoice)
    doc = build_document(
        invoice, postings, company_code=config.company_code, test_mode=config.test_mode
    )
    resumed = row is not None and row.status == "sending"
    await _mark(connector, org_id, invoice, config, status="sending", sync="pending")
    try:
        check_document(doc)
        if config.route == "xml":
            external_id, reference = await _write_xml(connector, job, config, doc)
            status = "exported"
        else:
            external_id, reference = await _send_rest(connector, job, config, doc, resumed)
            status = "synced"
    except RetriableError as exc:
        await _mark(
            connector, org_id, invoice, config, status="sending", sync="pending", error=str(exc)
        )
        raise
    except FatalError as exc:
        await _mark(
            connector, org_id, invoice, config, status="rejected", sync="error", error=str(exc)
        )
        raise
    await _mark(
        connector,
        org_id,
        invoice,
        config,
        status=status,
        sync="synced",
        external_id=external_id,
        reference=reference,
    )


async def _wait_for_the_original(
    connector: ComarchConnector, org_id: uuid.UUID, invoice: Invoice
) -> None:
    """A correction goes to Optima after the invoice it corrects (Optima refuses a
    correction of a document it does not have): while the original is still on its way
    (``not_synced``/``pending``), the correction's attempt is deferred without spending a
    retry. After the engine's deferral limit it is sent anyway, and Optima's answer
    decides."""
    if invoice.kind != "correction" or invoice.corrects_invoice_id is None:
        return
    original = await connector.context.domain.get_invoice(org_id, invoice.corrects_invoice_id)
    if original is not None and original.sync_status in ("not_synced", "pending"):
        raise DeferredError(
            f"correction {invoice.number} waits for {original.number} to reach Optima",
            retry_after=5.0,
        )


async def _send_rest(
    connector: ComarchConnector, job: Job, config: ComarchConfig, doc: OptimaDocument, resumed: bool
) -> tuple[str, str | None]:
    secret = config_store.api_secret(connector.context.keyring, job.org_id, config)
    client = connector.client(config, secret)
    # Serialised once: the same text is sent and logged (masking text costs a third of
    # walking the structure, see bench/comarch_push.py).
    body = json.dumps(to_bridge(doc), ensure_ascii=False)
    job.record(request=body, secrets=[secret], external_system="comarch-optima")
    if resumed:
        # The previous attempt may have reached Optima before its answer was lost.
        for found in await client.find(doc.source_guid):
            job.record(response=found, http_status=200)
            return str(found["Id"]), None
    answer = await client.push(body)
    job.record(response=answer.body, http_status=answer.status)
    if answer.status in (200, 201) and isinstance(answer.body, dict) and answer.body.get("Id"):
        return str(answer.body["Id"]), None
    if answer.status == 409 and isinstance(answer.body, dict):
        if answer.body.get("IdZrodla") == doc.source_guid and answer.body.get("Id"):
            return str(answer.body["Id"]), None  # this very invoice, pushed before
        raise DocumentRejected(
            f"Optima already has another document numbered {doc.number} "
            f"({answer.body.get('Id')}): {optima_message(answer.body)}",
            http_status=409,
            body=answer.body,
        )
    raise DocumentRejected(
        f"Optima rejected invoice {doc.number}: {optima_message(answer.body)}",
        http_status=answer.status,
        body=answer.body,
    )


async def _write_xml(
    connector: ComarchConnector, job: Job, config: ComarchConfig, doc: OptimaDocument
) -> tuple[str, str | None]:
    ctx = connector.context
    body = to_offline_xml([doc], source_db=config.source_db_id, target_db=config.target_db_id)
    name = file_name(doc)
    settings = config_store.transport_config(ctx.keyring, job.org_id, config)
    job.record(
        request=body.decode(),
        secrets=[str(v) for v in settings.values()],
        external_system="comarch-optima",
    )
    transport = connector.transport(
        config.xml_transport or config_store.DEFAULT_TRANSPORT, settings
    )
    try:
        receipt = await transport.send(
            OutboundMessage(name=name, body=body, content_type="application/xml")
        )
    finally:
        await transport.close()
    job.record(response={"file": name, "reference": receipt.reference})
    return doc.source_guid, receipt.reference


async def _document_row(
    session: Any, org_id: uuid.UUID, invoice_id: uuid.UUID
) -> ComarchDocument | None:
    row: ComarchDocument | None = await session.scalar(
        select(ComarchDocument).where(
            ComarchDocument.org_id == org_id, ComarchDocument.invoice_id == invoice_id
        )
    )
    return row


async def _mark(
    connector: ComarchConnector,
    org_id: uuid.UUID,
    invoice: Invoice,
    config: ComarchConfig,
    *,
    status: str,
    sync: InvoiceSyncStatus,
    error: str | None = None,
    external_id: str | None = None,
    reference: str | None = None,
) -> None:
    """The document row, the invoice's sync status and ``invoice.updated``, together."""
    ctx = connector.context
    now = ctx.clock.now()
    async with ctx.database.session(org_id) as session:
        row = await _document_row(session, org_id, invoice.id)
        if row is None:
            row = ComarchDocument(
                org_id=org_id,
                invoice_id=invoice.id,
                number=invoice.number,
                kind=invoice.kind,
                route=config.route,
                attempts=0,
                test_mode=config.test_mode,
                created_at=now,
            )
            session.add(row)
        if status == "sending" and error is None:
            row.attempts = (row.attempts or 0) + 1
        row.status = status
        row.route = config.route
        row.last_error = error
        if external_id is not None:
            row.external_id = external_id
        if reference is not None:
            row.reference = reference
        row.updated_at = now
        before = await ctx.domain.get_invoice(org_id, invoice.id, session=session)
        after = await ctx.domain.set_invoice_sync_status(
            org_id,
            invoice.id,
            sync,
            error=error if sync == "error" else None,
            external_id=external_id,
            session=session,
        )
        if sync in ("synced", "error"):
            stored = await session.get(ComarchConfig, config.id)
            if stored is not None and sync == "synced":
                stored.last_sync_at = now
            if before is not None and (before.sync_status, before.external_id) != (
                after.sync_status,
                after.external_id,
            ):
                await ctx.publish(
                    org_id, "invoice.updated", invoice_updated(before, after), session=session
                )
