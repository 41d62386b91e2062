"""One Optima sales document, built once from a MonoPilot invoice and checked once.

Both routes (the REST bridge's JSON, :mod:`.bridge_json`; Optima's offline XML,
:mod:`.offline_xml`) render this same :class:`OptimaDocument`, so they cannot disagree on
what an invoice means. :func:`build_document` applies the organisation's posting mappings
(register per VAT rate, revenue account per product group, payment form) and recomputes
every amount from the lines with :mod:`monopilot_integrations.core.domain.money`:
rounded per line, VAT per rate. :func:`check_document` then refuses, with every problem
listed, what Optima would refuse or book wrongly: a bad or missing NIP, a rate Poland does
not have, totals that do not add up to the grosz, a correction without its original.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from monopilot_integrations.connectors.comarch.polish import nip_problem, normalise_nip, vat_problem
from monopilot_integrations.core.domain.invoices import Invoice
from monopilot_integrations.core.domain.money import RateTotal, invoice_totals, vat_label
from monopilot_integrations.core.errors import FatalError

#: Default register per VAT label (Optima's "Rejestr"), overridable by posting mappings.
DEFAULT_REGISTER = "SPRZEDAŻ"


@dataclass(frozen=True)
class Counterparty:
    code: str
    name: str
    nip: str | None
    country: str
    street: str | None
    postal_code: str | None
    city: str | None


@dataclass(slots=True)  # not frozen: a frozen init costs a setattr per field, per line
class DocumentLine:
    line_no: int
    product_code: str | None
    name: str
    qty: Decimal
    unit: str
    net_price: Decimal
    vat_label: str
    vat_rate: Decimal
    net: Decimal
    vat: Decimal
    revenue_account: str | None

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True)
class OptimaDocument:
    """What Optima books: header, counterparty, lines, the VAT summary and the payment."""

    source_id: uuid.UUID
    number: str
    correction: bool
    corrects_number: str | None
    correction_reason: str | None
    issue_date: date
    sale_date: date
    due_date: date
    currency: str
    payment_form: str
    register: str
    company_code: str | None
    test_mode: bool
    counterparty: Counterparty
    lines: tuple[DocumentLine, ...]
    by_rate: tuple[RateTotal, ...]
    net_total: Decimal
    vat_total: Decimal
    stated_totals: tuple[Decimal, Decimal, Decimal] = field(default=(Decimal(0),) * 3)

    @property
    def gross_total(self) -> Decimal:
        return self.net_total + self.vat_total

    @property
    def source_guid(self) -> str:
        """The id Optima keeps with an imported document (``ID_ZRODLA``): the invoice id."""
        return "{" + str(self.source_id).upper() + "}"


class DocumentInvalid(FatalError):
    """The invoice cannot go to Optima as it is: fatal, with every problem listed."""

    def __init__(self, number: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"invoice {number} cannot be sent to Optima: " + "; ".join(problems))


@dataclass(frozen=True)
class Postings:
    """The organisation's posting mappings (``comarch_posting_mappings``) by kind."""

    vat_register: Mapping[str, str] = field(default_factory=dict)
    revenue_account: Mapping[str, str] = field(default_factory=dict)
    payment_form: Mapping[str, str] = field(default_factory=dict)

    def register_for(self, labels: list[str]) -> str:
        for label in labels:
            if label in self.vat_register:
                return self.vat_register[label]
        return self.vat_register.get("*", DEFAULT_REGISTER)

    def account_for(self, product_code: str | None) -> str | None:
        if product_code is None:
            return self.revenue_account.get("*")
        # A product group is a code prefix: "CHL-ZYT-500" falls under "CHL-ZYT", then "CHL".
        parts = product_code.split("-")
        for n in range(len(parts), 0, -1):
            account = self.revenue_account.get("-".join(parts[:n]))
            if account is not None:
                return account
        return self.revenue_account.get("*")


def build_document(
    invoice: Invoice, postings: Postings, *, company_code: str | None, test_mode: bool
) -> OptimaDocument:
    lines = []
    accounts: dict[str | None, str | None] = {}
    for line in invoice.lines:
        label = vat_label(line.vat_rate, line.vat_exemption)
        code = line.product_code
        if code not in accounts:
            accounts[code] = postings.account_for(code)
        lines.append(
            DocumentLine(
                line_no=line.line_no,
                product_code=line.product_code,
                name=line.description,
                qty=line.qty,
                unit=line.unit,
                net_price=line.unit_price,
                vat_label=label,
                vat_rate=line.vat_rate,
                net=line.net_amount,
                vat=line.vat_amount,
                revenue_account=accounts[code],
            )
        )
    totals = invoice_totals((ln.vat_label, ln.vat_rate, ln.net) for ln in lines)
    customer = invoice.customer
    return OptimaDocument(
        source_id=invoice.id,
        number=invoice.number,
        correction=invoice.kind == "correction",
        corrects_number=invoice.corrects_number,
        correction_reason=invoice.correction_reason,
        issue_date=invoice.issue_date,
        sale_date=invoice.sale_date or invoice.issue_date,
        due_date=invoice.due_date or invoice.issue_date,
        currency=invoice.currency,
        payment_form=postings.payment_form.get(
            customer.code, postings.payment_form.get("*", "przelew")
        ),
        register=postings.register_for([r.label for r in totals.by_rate]),
        company_code=company_code,
        test_mode=test_mode,
        counterparty=Counterparty(
            code=customer.code,
            name=customer.name,
            nip=normalise_nip(customer.tax_id) if customer.tax_id else None,
            country=(customer.country or "PL").upper(),
            street=customer.address_line,
            postal_code=customer.postal_code,
            city=customer.city,
        ),
        lines=tuple(lines),
        by_rate=totals.by_rate,
        net_total=totals.net,
        vat_total=totals.vat,
        stated_totals=(invoice.net_total, invoice.vat_total, invoice.gross_total),
    )


def check_document(doc: OptimaDocument) -> None:
    """Raise :class:`DocumentInvalid` listing every problem, or return."""
    problems: list[str] = []
    party = doc.counterparty
    if party.country == "PL":
        reason = nip_problem(party.nip)
        if reason is not None:
            problems.append(f"customer {party.code}: NIP {reason}")
    elif not party.nip:
        problems.append(f"customer {party.code}: a foreign customer needs its VAT id")
    if not doc.lines:
        problems.append("the invoice has no lines")
    for line in doc.lines:
        reason = vat_problem(line.vat_label)
        if reason is not None:
            problems.append(f"line {line.line_no}: {reason}")
        if line.vat_label in ("zw", "np", "oo") and line.vat != 0:
            problems.append(f"line {line.line_no}: a {line.vat_label} line carries VAT {line.vat}")
    net, vat, gross = doc.stated_totals
    if (net, vat, gross) != (doc.net_total, doc.vat_total, doc.gross_total):
        problems.append(
            f"totals do not add up: the invoice states net {net} / VAT {vat} / gross {gross}, "
            f"its lines give {doc.net_total} / {doc.vat_total} / {doc.gross_total} "
            "(net rounded per line, VAT per rate)"
        )
    if doc.correction and not doc.corrects_number:
        problems.append("a correction must name the invoice it corrects")
    if not doc.correction and doc.gross_total < 0:
        problems.append("an invoice (not a correction) with a negative total")
    if doc.due_date < doc.issue_date:
        problems.append(f"due date {doc.due_date} is before the issue date {doc.issue_date}")
    if problems:
        raise DocumentInvalid(doc.number, problems)
