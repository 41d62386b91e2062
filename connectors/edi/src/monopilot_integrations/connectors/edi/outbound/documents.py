"""MonoPilot records -> EANCOM messages (INVOIC, DESADV, ORDRSP): pure functions.

Each builder takes the record, our organisation and the customer and returns an
:class:`~..edifact.model.OutMessage` (body segments only; the writer adds UNH/UNT and the
envelope). The layouts follow the EANCOM subsets, like the samples in
``tests/connectors/edi/samples``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from monopilot_integrations.connectors.edi.edifact.model import OutMessage
from monopilot_integrations.connectors.edi.outbound.segments import (
    ASSOCIATIONS,
    Seg,
    amount,
    dtm,
    lin,
    nad,
    price,
    quantity,
    rff,
    vat_rate,
    version_of,
)
from monopilot_integrations.core.domain.records import (
    Customer,
    Invoice,
    Organization,
    SalesOrder,
    Shipment,
)
from monopilot_integrations.core.errors import ValidationError


class DocumentError(ValidationError):
    """The record cannot be expressed as the message (a party without GLN, ...)."""


def _out(kind: str, directory: str, reference: str, segments: list[Seg]) -> OutMessage:
    version, release = version_of(directory)
    return OutMessage(
        type=kind,
        reference=reference,
        version=version,
        release=release,
        agency="UN",
        association=ASSOCIATIONS.get((directory, kind)),
        segments=segments,
    )


def _gln(party: Organization | Customer, role: str) -> str:
    if not party.gln:
        raise DocumentError(
            f"{role} {getattr(party, 'code', party.name)} has no GLN; EDI needs one for NAD",
            [{"path": f"/{role}/gln", "message": "missing"}],
        )
    return party.gln


def _vat(tax_id: str | None, country: str | None = "PL") -> Seg | None:
    if not tax_id:
        return None
    digits = "".join(c for c in tax_id if c.isalnum())
    prefix = "" if digits[:2].isalpha() else (country or "PL")
    return rff("VA", f"{prefix}{digits}")


def build_invoic(
    invoice: Invoice,
    organization: Organization,
    *,
    directory: str = "D96A",
    reference: str = "1",
    order_reference: str | None = None,
    order_date: date | None = None,
    shipment_number: str | None = None,
) -> OutMessage:
    customer = invoice.customer
    segments: list[Seg] = [
        ("BGM", ("380", invoice.number[:35], "9")),
        dtm("137", invoice.issue_date),
    ]
    if order_reference:
        segments.append(rff("ON", order_reference))
        if order_date:
            segments.append(dtm("171", order_date))
    if shipment_number:
        segments.append(rff("AAK", shipment_number))
    segments.append(nad("BY", _gln(customer, "customer")))
    if vat := _vat(customer.tax_id, customer.country):
        segments.append(vat)
    segments.append(nad("SU", _gln(organization, "organization"), organization.name))
    if vat := _vat(organization.tax_id):
        segments.append(vat)
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
        segments.append(("TAX", ("7", "VAT", "", "", ("", "", "", vat_rate(line.vat_rate)), "S")))
        by_rate[line.vat_rate][0] += line.net_amount
        by_rate[line.vat_rate][1] += line.vat_amount
    segments.append(("UNS", ("S",)))
    segments.append(("CNT", (("2", str(len(invoice.lines))),)))
    segments += [
        ("MOA", (("79", amount(invoice.net_total)),)),
        ("MOA", (("125", amount(invoice.net_total)),)),
        ("MOA", (("176", amount(invoice.vat_total)),)),
        ("MOA", (("77", amount(invoice.gross_total)),)),
    ]
    for rate, (_net, vat_amount) in sorted(by_rate.items()):
        segments.append(("TAX", ("7", "VAT", "", "", ("", "", "", vat_rate(rate)), "S")))
        segments.append(("MOA", (("124", amount(vat_amount)),)))
    return _out("INVOIC", directory, reference, segments)


def build_desadv(
    shipment: Shipment,
    organization: Organization,
    *,
    directory: str = "D96A",
    reference: str = "1",
    issued: date,
    delivery_gln: str | None = None,
) -> OutMessage:
    customer = shipment.customer
    segments: list[Seg] = [
        ("BGM", ("351", shipment.number[:35], "9")),
        dtm("137", issued),
    ]
    if shipment.dispatched_at:
        segments.append(dtm("11", shipment.dispatched_at))
    if shipment.sales_order_reference:
        segments.append(rff("ON", shipment.sales_order_reference))
    segments.append(nad("BY", _gln(customer, "customer")))
    segments.append(nad("SU", _gln(organization, "organization")))
    if delivery_gln:
        segments.append(nad("DP", delivery_gln))
    if shipment.carrier:
        segments.append(("TDT", ("20", "", "30", "31", ("", "", "", shipment.carrier[:35]))))
    segments.append(("CPS", ("1",)))
    for position, line in enumerate(shipment.lines, start=2):
        segments.append(("CPS", (str(position), "1")))
        if line.sscc:
            segments += [
                ("PAC", ("1", "", "201")),
                ("PCI", ("33E",)),
                ("GIN", ("BJ", line.sscc)),
            ]
        segments.append(lin(line.line_no, line.gtin, directory))
        segments.append(("PIA", ("1", (line.product_code[:35], "SA"))))
        segments.append(("QTY", (("12", quantity(line.qty)),)))
        if line.best_before or line.batch:
            segments.append(("PCI", ("36E",)))
            if line.best_before:
                segments.append(dtm("361", line.best_before))
            if line.batch:
                segments.append(("GIN", ("BX", line.batch[:35])))
    segments.append(("CNT", (("2", str(len(shipment.lines))),)))
    return _out("DESADV", directory, reference, segments)


LineAction = Literal["accepted", "changed", "rejected"]
ACTION_CODES = {"accepted": "5", "changed": "3", "rejected": "7"}


@dataclass(frozen=True)
class LineAnswer:
    """Our answer to one ordered line: accepted, changed (to ``qty``) or rejected."""

    action: LineAction
    qty: Decimal | None = None


def build_ordrsp(
    order: SalesOrder,
    customer: Customer,
    organization: Organization,
    *,
    directory: str = "D96A",
    reference: str = "1",
    issued: date,
    answers: Mapping[int, LineAnswer] | None = None,
) -> OutMessage:
    """ORDRSP: BGM 1225 29 (accepted), 4 (changed) or 27 (rejected), and per line 1229."""
    answers = dict(answers or {})
    if order.status == "cancelled":
        answers = {line.line_no: LineAnswer("rejected") for line in order.lines}
    unknown = sorted(set(answers) - {line.line_no for line in order.lines})
    if unknown:
        raise DocumentError(
            f"sales order {order.number} has no lines {unknown}",
            [{"path": "/lines", "message": f"unknown line numbers {unknown}"}],
        )
    actions = {answers.get(line.line_no, LineAnswer("accepted")).action for line in order.lines}
    function = "29" if actions == {"accepted"} else ("27" if actions == {"rejected"} else "4")
    segments: list[Seg] = [
        ("BGM", ("231", order.number[:35], function)),
        dtm("137", issued),
    ]
    if order.requested_delivery_date:
        segments.append(dtm("2", order.requested_delivery_date))
    if order.external_reference:
        segments.append(rff("ON", order.external_reference))
        segments.append(dtm("171", order.order_date))
    segments.append(nad("BY", _gln(customer, "customer")))
    segments.append(nad("SU", _gln(organization, "organization")))
    if order.delivery_party_gln:
        segments.append(nad("DP", order.delivery_party_gln))
    segments.append(("CUX", (("2", order.currency, "9"),)))
    for line in order.lines:
        answer = answers.get(line.line_no, LineAnswer("accepted"))
        qty = line.qty
        if answer.action == "rejected":
            qty = Decimal(0)
        elif answer.action == "changed" and answer.qty is not None:
            qty = answer.qty
        segments.append(lin(line.line_no, line.gtin, directory, ACTION_CODES[answer.action]))
        segments.append(("QTY", (("21", quantity(qty)),)))
        if line.unit_price is not None:
            segments.append(("PRI", (("AAA", price(line.unit_price)),)))
    segments.append(("UNS", ("S",)))
    segments.append(("CNT", (("2", str(len(order.lines))),)))
    return _out("ORDRSP", directory, reference, segments)
