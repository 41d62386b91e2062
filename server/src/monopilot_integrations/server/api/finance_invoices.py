"""``/api/finance/invoices``: issue invoices and corrections, and read them.

``POST`` stores the invoice (its amounts computed by the store, VAT per rate) and
publishes ``invoice.created`` in the same transaction, so the accounting connector
(Comarch Optima) and EDI (INVOIC) see every invoice exactly when it exists. The reads are
the ones of ``/api/sales/invoices`` under the finance path.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from aiohttp import web

from monopilot_integrations.core.domain.invoices import NewInvoice
from monopilot_integrations.core.domain.payloads import invoice_created
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api import invoices
from monopilot_integrations.server.api._support import (
    caller,
    domain_errors,
    invalid,
)
from monopilot_integrations.server.api.invoice_lines import build_lines
from monopilot_integrations.server.api.models.common import errors
from monopilot_integrations.server.api.models.invoices import (
    InvoiceCreate,
    InvoiceList,
    InvoiceOut,
    InvoiceQuery,
)
from monopilot_integrations.server.problems import Problem
from monopilot_integrations.server.validation import json_response, parse_body

BASE = "/api/finance/invoices"


def _first(exc: ValueError) -> str:
    """The first message of a (pydantic) ValueError, without its URL noise."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            return str(found[0].get("msg", exc))
    return str(exc)


async def create_invoice(request: web.Request) -> web.Response:
    c = caller(request)
    body = await parse_body(request, InvoiceCreate)
    duplicate = f"invoice number {body.number!r} is already used"
    with domain_errors(conflict=duplicate):
        async with c.kernel.session(c.org) as s:
            problems: list[dict[str, str]] = []
            try:
                source_customer, lines, order_id, currency = await build_lines(c, s, body, problems)
            except ValueError as exc:  # a line the store would refuse (pydantic's message)
                raise invalid(
                    [{"path": "/lines", "message": _first(exc)}], "invalid invoice"
                ) from exc
            customer_id = source_customer
            if body.customer_code is not None:
                customer = await c.store.find_customer_by_code(c.org, body.customer_code, session=s)
                if customer is None:
                    problems.append(
                        {"path": "/customer_code", "message": f"no customer {body.customer_code!r}"}
                    )
                elif source_customer not in (None, customer.id):
                    problems.append(
                        {"path": "/customer_code", "message": "differs from the source's customer"}
                    )
                else:
                    customer_id = customer.id
            corrects_id = body.corrects_invoice_id
            if body.corrects_number is not None:
                original = await c.store.find_invoice_by_number(
                    c.org, body.corrects_number, session=s
                )
                if original is None:
                    problems.append(
                        {
                            "path": "/corrects_number",
                            "message": f"no invoice {body.corrects_number!r}",
                        }
                    )
                elif corrects_id not in (None, original.id):
                    problems.append(
                        {
                            "path": "/corrects_number",
                            "message": "names another invoice than corrects_invoice_id",
                        }
                    )
                else:
                    corrects_id = original.id
            if customer_id is None and not problems:
                problems.append(
                    {
                        "path": "/customer_code",
                        "message": "needed for an invoice with explicit lines",
                    }
                )
            if problems or customer_id is None:
                raise invalid(problems, "invalid invoice")
            issue_date = body.issue_date or c.kernel.clock.now().astimezone(UTC).date()
            due_date = body.due_date
            if body.payment_days is not None:
                due_date = issue_date + timedelta(days=body.payment_days)
            try:
                new = NewInvoice(
                    number=body.number,
                    customer_id=customer_id,
                    sales_order_id=order_id,
                    shipment_id=body.shipment_id,
                    issue_date=issue_date,
                    sale_date=body.sale_date,
                    due_date=due_date,
                    currency=body.currency or currency,
                    kind=body.kind,
                    corrects_invoice_id=corrects_id,
                    correction_reason=body.correction_reason,
                    lines=lines,
                )
            except ValueError as exc:
                raise invalid([{"path": "/", "message": _first(exc)}], "invalid invoice") from exc
            try:
                invoice = await c.store.create_invoice(c.org, new, session=s)
            except ValidationError as exc:
                if any(e.get("path") == "number" for e in exc.errors):
                    raise Problem(
                        409,
                        duplicate,
                        errors=[{"location": "body", "path": "/number", "message": "in use"}],
                    ) from exc
                raise
            await c.kernel.publish(c.org, "invoice.created", invoice_created(invoice), session=s)
    response = json_response(InvoiceOut.model_validate(invoice), status=201)
    response.headers["Location"] = f"{BASE}/{invoice.id}"
    return response


TAGS = ("invoices",)

ROUTES = [
    Route(
        "POST",
        BASE,
        create_invoice,
        name="finance.invoices.create",
        scope="write:orders",
        summary="Issue an invoice (from a sales order, a shipment or explicit lines) or a "
        "correction; publishes invoice.created",
        tags=TAGS,
        request_model=InvoiceCreate,
        response_model=InvoiceOut,
        status_code=201,
        responses=errors(404, 409, 422, body=True),
    ),
    Route(
        "GET",
        BASE,
        invoices.list_invoices,
        name="finance.invoices.list",
        scope="read:orders",
        summary="List invoices (by customer code or id, accounting sync status)",
        tags=TAGS,
        query_model=InvoiceQuery,
        response_model=InvoiceList,
        responses=errors(422),
    ),
    Route(
        "GET",
        BASE + "/{id}",
        invoices.get_invoice,
        name="finance.invoices.get",
        scope="read:orders",
        summary="One invoice or correction with lines, customer, totals and sync status",
        tags=TAGS,
        response_model=InvoiceOut,
        responses=errors(404),
    ),
]
