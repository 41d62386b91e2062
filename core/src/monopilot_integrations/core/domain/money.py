"""Invoice arithmetic the way Polish invoices do it, shared by every store and connector.

A line's net value is its quantity times its unit price rounded to the grosz (half up).
The VAT of an invoice is computed per rate, from the sum of the net values at that rate,
and rounded once per rate (the method of art. 106e of the Polish VAT act that accounting
systems such as Comarch Optima use by default); each line also carries its own rounded VAT
for display. Totals are then sums of rounded values, so they add up to the grosz on paper
and in the accounting system alike.

VAT "rates" on Polish invoices are not all numbers: ``zw`` (exempt), ``np`` (not subject
to Polish VAT) and ``oo`` (reverse charge) carry no tax. A line stores ``vat_rate = 0``
and the code in ``vat_exemption``; :func:`vat_label` gives the label either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

VatExemption = Literal["zw", "np", "oo"]

#: Every rate a Polish sales invoice may carry, as printed.
VAT_LABELS: tuple[str, ...] = ("23", "8", "5", "0", "zw", "np", "oo")
#: The numeric rates among them.
NUMERIC_RATES: frozenset[Decimal] = frozenset(Decimal(r) for r in ("23", "8", "5", "0"))

GROSZ = Decimal("0.01")
HUNDRED = Decimal(100)


def round_money(value: Decimal) -> Decimal:
    """To the grosz, half up (0.005 -> 0.01), as Polish invoices round."""
    return value.quantize(GROSZ, rounding=ROUND_HALF_UP)


def line_net(qty: Decimal, unit_price: Decimal) -> Decimal:
    return round_money(qty * unit_price)


def vat_of(net: Decimal, rate: Decimal) -> Decimal:
    return round_money(net * rate / HUNDRED)


def vat_label(rate: Decimal, exemption: str | None = None) -> str:
    """``Decimal("23.0000")`` -> ``"23"``; an exemption code wins over the (zero) rate."""
    if exemption:
        return exemption
    return f"{rate.normalize():f}"


@dataclass(frozen=True)
class RateTotal:
    """What an invoice carries at one VAT rate (a row of its VAT summary)."""

    label: str
    rate: Decimal
    net: Decimal
    vat: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def totals_by_rate(lines: Iterable[tuple[str, Decimal, Decimal]]) -> list[RateTotal]:
    """``(label, rate, rounded line net)`` per line -> one total per label, in the order
    of :data:`VAT_LABELS` (the order of an invoice's VAT summary)."""
    nets: dict[str, tuple[Decimal, Decimal]] = {}
    for label, rate, net in lines:
        _, total = nets.get(label, (rate, Decimal(0)))
        nets[label] = (rate, total + net)
    order = {label: i for i, label in enumerate(VAT_LABELS)}
    return [
        RateTotal(label, rate, total, vat_of(total, rate))
        for label, (rate, total) in sorted(nets.items(), key=lambda kv: order.get(kv[0], 99))
    ]


@dataclass(frozen=True)
class InvoiceTotals:
    net: Decimal
    vat: Decimal
    by_rate: tuple[RateTotal, ...]

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def invoice_totals(lines: Iterable[tuple[str, Decimal, Decimal]]) -> InvoiceTotals:
    """Net, VAT (per rate) and gross of an invoice's ``(label, rate, line net)`` lines."""
    by_rate = totals_by_rate(lines)
    return InvoiceTotals(
        net=sum((r.net for r in by_rate), Decimal(0)),
        vat=sum((r.vat for r in by_rate), Decimal(0)),
        by_rate=tuple(by_rate),
    )
