"""The REST bridge's invoice document (``POST {api_url}/api/faktury``), from an
:class:`~.document.OptimaDocument`.

Field names are the architecture document's bridge contract (``NumerDokumentu``,
``Kontrahent.NIP``, ``Pozycje``), completed with what Optima needs to book a document
(dates, currency, payment, register, VAT summary). Money travels as decimal strings with
two places (``"1234.50"``), quantities with up to four: a JSON float would lose grosze.
``IdZrodla`` is the invoice's id: the bridge keeps it with the document and answers a
repeated push with the document it already has (see docs/comarch.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from monopilot_integrations.connectors.comarch.document import OptimaDocument


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def to_bridge(doc: OptimaDocument) -> dict[str, Any]:
    party = doc.counterparty
    return {
        "IdZrodla": doc.source_guid,
        "NumerDokumentu": doc.number,
        "Rodzaj": "KOR" if doc.correction else "FS",
        "Korekta": (
            {"NumerKorygowanego": doc.corrects_number, "Przyczyna": doc.correction_reason}
            if doc.correction
            else None
        ),
        "Firma": doc.company_code,
        "TrybTestowy": doc.test_mode,
        "DataWystawienia": doc.issue_date.isoformat(),
        "DataSprzedazy": doc.sale_date.isoformat(),
        "TerminPlatnosci": doc.due_date.isoformat(),
        "Waluta": doc.currency,
        "FormaPlatnosci": doc.payment_form,
        "Rejestr": doc.register,
        "Kontrahent": {
            "Kod": party.code,
            "Nazwa": party.name,
            "NIP": party.nip,
            "Kraj": party.country,
            "Ulica": party.street,
            "KodPocztowy": party.postal_code,
            "Miasto": party.city,
        },
        "Pozycje": [
            {
                "Lp": line.line_no,
                "KodTowaru": line.product_code,
                "Nazwa": line.name,
                "Ilosc": quantity(line.qty),
                "JednostkaMiary": line.unit,
                "CenaNetto": quantity(line.net_price),
                "StawkaVAT": line.vat_label,
                "WartoscNetto": money(line.net),
                "WartoscVAT": money(line.vat),
                "WartoscBrutto": money(line.gross),
                "KontoPrzychodu": line.revenue_account,
            }
            for line in doc.lines
        ],
        "PodsumowanieVAT": [
            {
                "StawkaVAT": rate.label,
                "Netto": money(rate.net),
                "VAT": money(rate.vat),
                "Brutto": money(rate.gross),
            }
            for rate in doc.by_rate
        ],
        "RazemNetto": money(doc.net_total),
        "RazemVAT": money(doc.vat_total),
        "RazemBrutto": money(doc.gross_total),
    }
