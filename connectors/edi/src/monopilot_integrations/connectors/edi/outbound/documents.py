"""MonoPilot records -> EANCOM messages: ORDRSP here, and what every builder shares.

Each builder takes the record, our organisation and the customer and returns an
:class:`~..edifact.model.OutMessage` (body segments only; the writer adds UNH/UNT and the
envelope). The layouts follow the EANCOM subsets, like the samples in
``tests/connectors/edi/samples``. INVOIC is in :mod:`.invoic`, DESADV in :mod:`.desadv`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from monopilot_integrations.connectors.edi.edifact.model import OutMessage
from monopilot_integrations.connectors.edi.outbound.segments import (
    ASSOCIATIONS,
    Seg,
    dtm,
    lin,
    nad,
    price,
    quantity,
    rff,
    version_of,
)
from monopilot_integrations.core.domain.orders import SalesOrder
from monopilot_integrations.core.domain.parties import Customer, Organization
from monopilot_integrations.core.errors import ValidationError


class DocumentError(ValidationError):
    """The record cannot be expressed as the message (a party without GLN, ...)."""


def out_message(kind: str, directory: str, reference: str, segments: list[Seg]) -> OutMessage:
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


def gln_of(party: Organization | Customer, role: str) -> str:
    if not party.gln:
        raise DocumentError(
            f"{role} {getattr(party, 'code', party.name)} has no GLN; EDI needs one for NAD",
            [{"path": f"/{role}/gln", "message": "missing"}],
        )
    return party.gln


def vat_reference(tax_id: str | None, country: str | None = "PL") -> Seg | None:
    if not tax_id:
        return None
    digits = "".join(c for c in tax_id if c.isalnum())
    prefix = "" if digits[:2].isalpha() else (country or "PL")
    return rff("VA", f"{prefix}{digits}")


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
    segments.append(nad("BY", gln_of(customer, "customer")))
    segments.append(nad("SU", gln_of(organization, "organization")))
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
    return out_message("ORDRSP", directory, reference, segments)
