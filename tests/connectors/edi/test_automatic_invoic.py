"""INVOIC sent automatically on ``invoice.created`` to partners whose profile asks for it,
once per invoice, and a correction as a credit note naming the invoice it corrects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from monopilot_integrations.connectors.edi.edifact import read_interchanges, validate_message
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.db.tables import JobRow
from monopilot_integrations.core.domain.invoices import Invoice, NewInvoice, NewInvoiceLine
from monopilot_integrations.core.domain.payloads import invoice_created
from monopilot_integrations.core.kernel import Kernel

from .support import ORZEL, Org, inbox, setup_org


async def _issue(kernel: Kernel, org: Org, number: str, **changes: object) -> Invoice:
    product = await kernel.domain.find_product_by_code(org.id, "CHL-ZYT-500")
    assert product is not None
    data = {
        "number": number,
        "customer_id": org.customers["ORZEL"],
        "issue_date": date(2026, 3, 12),
        "lines": [
            NewInvoiceLine(
                product_id=product.id,
                description=product.name,
                qty=Decimal(100),
                unit="szt",
                unit_price=Decimal("5.60"),
                vat_rate=Decimal(5),
            )
        ],
        **changes,
    }
    async with kernel.session(org.id) as session:
        invoice = await kernel.domain.create_invoice(org.id, NewInvoice(**data), session=session)
        await kernel.publish(org.id, "invoice.created", invoice_created(invoice), session=session)
    await kernel.dispatch_pending()
    return invoice


async def _builds(kernel: Kernel, org: Org) -> list[JobRow]:
    async with kernel.session(org.id) as session:
        rows = await session.scalars(
            select(JobRow).where(JobRow.org_id == org.id, JobRow.connector == "edi")
        )
        return [j for j in rows if "build" in j.payload]


async def _messages(kernel: Kernel, org: Org) -> list[EdiMessage]:
    async with kernel.session(org.id) as session:
        rows = await session.scalars(
            select(EdiMessage)
            .where(EdiMessage.org_id == org.id, EdiMessage.message_type == "INVOIC")
            .order_by(EdiMessage.created_at)
        )
        return list(rows)


async def test_an_invoice_created_sends_one_invoic_and_a_correction_a_credit_note(
    kernel: Kernel,
) -> None:
    org = await setup_org(kernel, auto_send=["INVOIC"])
    invoice = await _issue(kernel, org, "FV/2026/03/0300")
    (build,) = await _builds(kernel, org)
    assert build.payload["build"] == "INVOIC" and build.subject_id == ORZEL
    assert (await kernel.run_job(org.id, build.id)).status == "succeeded"
    (message,) = await _messages(kernel, org)
    assert str(message.record_id) == str(invoice.id) and message.record_type == "invoice"
    assert message.job_id is not None
    assert (await kernel.run_job(org.id, message.job_id)).status == "succeeded"

    # The same build again (a republished event) stores nothing new.
    assert (await kernel.run_job(org.id, build.id)).status in ("succeeded", "skipped")
    assert len(await _messages(kernel, org)) == 1

    await _issue(
        kernel,
        org,
        "FK/2026/03/0300",
        kind="correction",
        corrects_invoice_id=invoice.id,
        lines=[
            NewInvoiceLine(
                description="Chleb żytni 500 g",
                qty=Decimal(-10),
                unit="szt",
                unit_price=Decimal("5.60"),
                vat_rate=Decimal(5),
            )
        ],
    )
    second = [b for b in await _builds(kernel, org) if b.id != build.id]
    assert (await kernel.run_job(org.id, second[0].id)).status == "succeeded"
    (credit,) = [m for m in await _messages(kernel, org) if m.record_id != invoice.id]
    assert credit.job_id is not None
    assert (await kernel.run_job(org.id, credit.job_id)).status == "succeeded"
    files = sorted((inbox(kernel, org.id) / "out").glob("INVOIC_*.edi"))
    texts = [f.read_bytes() for f in files]
    credit_text = next(t for t in texts if b"FK/2026/03/0300" in t)
    assert b"BGM+381+FK/2026/03/0300" in credit_text
    assert b"RFF+IV:FV/2026/03/0300" in credit_text
    (result,) = read_interchanges(credit_text)
    assert result.interchange is not None
    assert validate_message(result.interchange.messages[0]) == []


async def test_a_partner_without_automatic_invoic_gets_nothing(kernel: Kernel) -> None:
    org = await setup_org(kernel, auto_send=["DESADV"])
    await _issue(kernel, org, "FV/2026/03/0301")
    assert await _builds(kernel, org) == []
