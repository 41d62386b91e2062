"""An invoice -> INVOIC, with what a retailer checks on it.

NAD+BY/SU with VAT ids, NAD+DP (the order's delivery point) and NAD+IV (the invoicee the
ORDERS named), DTM+35 (actual delivery), RFF+ON with its DTM+171, RFF+AAK (our despatch
advice) and RFF+DQ where the partner's guide asks for it, line amounts, and a VAT summary
per rate (TAX with MOA+125 taxable and MOA+124 tax) whose sums are the totals: an invoice
whose totals do not add up to its lines is refused rather than sent.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from monopilot_integrations.connectors.edi.edifact.model import OutMessage
from monopilot_integrations.connectors.edi.outbound.documents import (
    DocumentError,
    gln_of,
    out_message,
    vat_reference,
)
from monopilot_integrations.connectors.edi.outbound.segments import (
    Seg,
    amount,
    dtm,
    lin,
    nad,
    price,
    quantity,
    rff,
    vat_rate,
)
from monopilot_integrations.core.domain.invoices import Invoice
from monopilot_integrations.core.domain.orders import SalesOrder
from monopilot_integrations.core.domain.parties import Organization
from monopilot_integrations.core.domain.shipments import Shipment


def _tax(rate: Decimal) -> Seg:
    return ("TAX", ("7", "VAT", "", "", ("", "", "", vat_rate(rate)), "S"))


def _check_totals(invoice: Invoice, net: Decimal, vat: Decimal) -> None:
    problems = []
    if net != invoice.net_total:
        problems.append(f"net total {invoice.net_total} but the lines add up to {net}")
    if vat != invoice.vat_total:
        problems.append(f"VAT total {invoice.vat_total} but the lines add up to {vat}")
    if invoice.net_total + invoice.vat_total != invoice.gross_total:
        problems.append(
            f"gross total {invoice.gross_total} is not net {invoice.net_total}"
            f" + VAT {invoice.vat_total}"
        )
    if problems:
        raise DocumentError(
            f"invoice {invoice.number}: its totals do not add up: {'; '.join(problems)}",
            [{"path": "/totals", "message": p} for p in problems],
        )


def build_invoic(
    invoice: Invoice,
    organization: Organization,
    *,
    directory: str = "D96A",
    reference: str = "1",
    order: SalesOrder | None = None,
    shipment: Shipment | None = None,
    requested: frozenset[str] = frozenset(),
) -> OutMessage:
    """``requested``: the optional segments the partner's guide asks for (``RFF+DQ``)."""
    customer = invoice.customer
    # A correction (faktura korygująca) is a credit note (381) or, when it raises the
    # amount, a corrected invoice (384), and names the invoice it corrects (RFF+IV).
    correction = invoice.kind == "correction"
    document = ("381" if invoice.gross_total < 0 else "384") if correction else "380"
    segments: list[Seg] = [
        ("BGM", (document, invoice.number[:35], "9")),
        dtm("137", invoice.issue_date),
    ]
    if correction and invoice.corrects_number:
        segments.append(rff("IV", invoice.corrects_number))
    delivered = shipment and (shipment.delivered_at or shipment.dispatched_at)
    if delivered:
        segments.append(dtm("35", delivered.date()))
    if order is not None and order.external_reference:
        segments.append(rff("ON", order.external_reference))
        segments.append(dtm("171", order.order_date))
    if shipment is not None:
        segments.append(rff("AAK", shipment.number))
        if "RFF+DQ" in requested:
            segments.append(rff("DQ", shipment.number))
    segments.append(nad("BY", gln_of(customer, "customer")))
    if vat := vat_reference(customer.tax_id, customer.country):
        segments.append(vat)
    segments.append(nad("SU", gln_of(organization, "organization"), organization.name))
    if vat := vat_reference(organization.tax_id):
        segments.append(vat)
    if order is not None and order.delivery_party_gln:
        segments.append(nad("DP", order.delivery_party_gln))
    if order is not None and order.invoicee_gln:
        segments.append(nad("IV", order.invoicee_gln))
    segments.append(("CUX", (("2", invoice.currency, "4"),)))
    if invoice.due_date:
        days = (invoice.due_date - invoice.issue_date).days
        segments.append(("PAT", ("1", "", ("5", "3", "D", str(days)))))
        segments.append(dtm("13", invoice.due_date))
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in invoice.lines:
        segments.append(lin(line.line_no, line.gtin, directory))
        if line.product_code:
            segments.append(("PIA", ("1", (line.product_code[:35], "SA"))))
        segments.append(("QTY", (("47", quantity(line.qty)),)))
        segments.append(("MOA", (("203", amount(line.net_amount)),)))
        segments.append(("PRI", (("AAA", price(line.unit_price)),)))
        segments.append(_tax(line.vat_rate))
        by_rate[line.vat_rate][0] += line.net_amount
        by_rate[line.vat_rate][1] += line.vat_amount
    lines_net = sum((rate_net for rate_net, _ in by_rate.values()), Decimal(0))
    lines_vat = sum((rate_vat for _, rate_vat in by_rate.values()), Decimal(0))
    _check_totals(invoice, lines_net, lines_vat)
    segments.append(("UNS", ("S",)))
    segments.append(("CNT", (("2", str(len(invoice.lines))),)))
    segments += [
        ("MOA", (("79", amount(invoice.net_total)),)),
        ("MOA", (("125", amount(invoice.net_total)),)),
        ("MOA", (("176", amount(invoice.vat_total)),)),
        ("MOA", (("77", amount(invoice.gross_total)),)),
    ]
    for rate, (rate_net, rate_vat) in sorted(by_rate.items()):
        segments.append(_tax(rate))
        segments.append(("MOA", (("125", amount(rate_net)),)))
        segments.append(("MOA", (("124", amount(rate_vat)),)))
    return out_message("INVOIC", directory, reference, segments)
