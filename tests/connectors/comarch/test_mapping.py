"""The document mapping and the Polish checks, on realistic invoices, without I/O:
several VAT rates, exempt and reverse-charge lines, discounted prices, a foreign currency,
corrections; the same document rendered for the bridge and as Optima's offline XML."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from monopilot_integrations.connectors.comarch.bridge_json import to_bridge
from monopilot_integrations.connectors.comarch.document import (
    DocumentInvalid,
    Postings,
    build_document,
    check_document,
)
from monopilot_integrations.connectors.comarch.offline_xml import NAMESPACE, to_offline_xml
from monopilot_integrations.connectors.comarch.polish import nip_problem, normalise_nip
from monopilot_integrations.core.domain.invoices import Invoice
from monopilot_integrations.core.domain.money import invoice_totals, line_net, vat_label, vat_of

NOW = datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
NS = {"o": NAMESPACE}


def _customer(**changes: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "org_id": uuid.uuid4(),
        "code": "ORZEL",
        "name": "Supermarkety Orzeł S.A.",
        "tax_id": "522-000-00-74",
        "address_line": "al. Jerozolimskie 180",
        "postal_code": "02-486",
        "city": "Warszawa",
        "country": "PL",
        "active": True,
        "created_at": NOW,
        "updated_at": NOW,
        **changes,
    }


def invoice(lines: list[tuple[str, str, str, str | None]], **changes: Any) -> Invoice:
    """``lines``: (qty, unit price, VAT rate, exemption); amounts computed as the store
    computes them."""
    built = []
    priced = []
    for n, (qty, price, rate, exemption) in enumerate(lines, start=1):
        net = line_net(Decimal(qty), Decimal(price))
        priced.append((vat_label(Decimal(rate), exemption), Decimal(rate), net))
        built.append(
            {
                "id": uuid.uuid4(),
                "line_no": n,
                "product_code": f"CHL-ZYT-{n}",
                "description": f"Chleb {n}",
                "qty": Decimal(qty),
                "unit": "szt",
                "unit_price": Decimal(price),
                "vat_rate": Decimal(rate),
                "vat_exemption": exemption,
                "net_amount": net,
                "vat_amount": vat_of(net, Decimal(rate)),
            }
        )
    totals = invoice_totals(priced)
    data: dict[str, Any] = {
        "id": uuid.UUID("2b4d6f80-1a3c-4e5f-9a7b-c9d1e3f5a7b9"),
        "org_id": uuid.uuid4(),
        "number": "FV/2026/03/0012",
        "customer_id": uuid.uuid4(),
        "customer": _customer(),
        "issue_date": date(2026, 3, 12),
        "due_date": date(2026, 3, 26),
        "currency": "PLN",
        "net_total": totals.net,
        "vat_total": totals.vat,
        "gross_total": totals.gross,
        "sync_status": "not_synced",
        "created_at": NOW,
        "updated_at": NOW,
        "lines": built,
    }
    data.update(changes)
    return Invoice.model_validate(data)


POSTINGS = Postings(
    vat_register={"23": "SPRZEDAŻ", "*": "SPRZEDAŻ"},
    revenue_account={"CHL": "701-1", "*": "731"},
    payment_form={"*": "przelew"},
)


def test_nip_checksum() -> None:
    assert nip_problem("5220000074") is None
    assert (
        nip_problem("PL 522-000-00-74") is None and normalise_nip("PL522-000-00-74") == "5220000074"
    )
    assert "checksum" in (nip_problem("5220000075") or "")
    assert "10 digits" in (nip_problem("52200000") or "")
    assert nip_problem(None) == "missing"
    # Weights 6,5,7,2,3,4,5,6,7 summing to a remainder of 10 are never a NIP.
    assert "checksum" in (nip_problem("1000000000") or "")


def test_several_rates_exempt_lines_and_discounted_prices() -> None:
    inv = invoice(
        [
            ("240", "5.6000", "5", None),  # bread 5 %
            ("3", "0.3333", "23", None),  # bags at a discounted price, rounded per line
            ("3", "0.3333", "23", None),
            ("1", "150", "8", None),  # a service at 8 %
            ("1", "40", "0", "zw"),  # exempt transport
            ("2", "12.5", "0", "np"),
        ]
    )
    doc = build_document(inv, POSTINGS, company_code="DEMO", test_mode=False)
    check_document(doc)
    assert [(r.label, r.net, r.vat) for r in doc.by_rate] == [
        ("23", Decimal("2.00"), Decimal("0.46")),  # 1.00 + 1.00, VAT once per rate
        ("8", Decimal("150.00"), Decimal("12.00")),
        ("5", Decimal("1344.00"), Decimal("67.20")),
        ("zw", Decimal("40.00"), Decimal("0.00")),
        ("np", Decimal("25.00"), Decimal("0.00")),
    ]
    # Per line the two 23 % lines carry 0.23 each (0.46 together): the per-rate sum wins.
    assert (doc.net_total, doc.vat_total, doc.gross_total) == (
        Decimal("1561.00"),
        Decimal("79.66"),
        Decimal("1640.66"),
    )
    body = to_bridge(doc)
    assert body["NumerDokumentu"] == "FV/2026/03/0012"
    assert body["Kontrahent"]["NIP"] == "5220000074"
    assert body["Rodzaj"] == "FS" and body["Korekta"] is None and body["Firma"] == "DEMO"
    assert body["Pozycje"][1] == {
        "Lp": 2,
        "KodTowaru": "CHL-ZYT-2",
        "Nazwa": "Chleb 2",
        "Ilosc": "3",
        "JednostkaMiary": "szt",
        "CenaNetto": "0.3333",
        "StawkaVAT": "23",
        "WartoscNetto": "1.00",
        "WartoscVAT": "0.23",
        "WartoscBrutto": "1.23",
        "KontoPrzychodu": "701-1",
    }
    assert body["Pozycje"][4]["StawkaVAT"] == "zw"
    assert (body["RazemNetto"], body["RazemVAT"], body["RazemBrutto"]) == (
        "1561.00",
        "79.66",
        "1640.66",
    )
    assert sum(Decimal(r["VAT"]) for r in body["PodsumowanieVAT"]) == Decimal(body["RazemVAT"])
    assert body["TerminPlatnosci"] == "2026-03-26"


def test_the_offline_xml_carries_the_same_document() -> None:
    inv = invoice([("240", "5.60", "5", None), ("100", "0.18", "23", None), ("1", "40", "0", "zw")])
    doc = build_document(inv, POSTINGS, company_code="DEMO", test_mode=False)
    root = ET.fromstring(to_offline_xml([doc], source_db="MONOPILOT", target_db="KSIEG"))
    assert root.tag == f"{{{NAMESPACE}}}ROOT"
    section = root.find("o:REJESTRY_SPRZEDAZY_VAT", NS)
    assert section is not None
    assert [
        section.findtext(f"o:{t}", namespaces=NS) for t in ("WERSJA", "BAZA_ZRD_ID", "BAZA_DOC_ID")
    ] == [
        "2.00",
        "MONOPILOT",
        "KSIEG",
    ]
    (register,) = section.findall("o:REJESTR_SPRZEDAZY_VAT", NS)
    text = {child.tag.split("}")[1]: child.text for child in register}
    assert text["ID_ZRODLA"] == "{2B4D6F80-1A3C-4E5F-9A7B-C9D1E3F5A7B9}"
    assert (text["NUMER"], text["KOREKTA"], text["NIP"]) == ("FV/2026/03/0012", "Nie", "5220000074")
    assert (text["DATA_WYSTAWIENIA"], text["TERMIN"], text["REJESTR"]) == (
        "2026-03-12",
        "2026-03-26",
        "SPRZEDAŻ",
    )
    positions = [
        {c.tag.split("}")[1]: c.text for c in p}
        for p in register.findall("o:POZYCJE/o:POZYCJA", NS)
    ]
    assert [(p["STAWKA_VAT"], p["STATUS_VAT"], p["NETTO"], p["VAT"]) for p in positions] == [
        ("23", "opodatkowana", "18.00", "4.14"),
        ("5", "opodatkowana", "1344.00", "67.20"),
        ("zw", "zwolniona", "40.00", "0.00"),
    ]
    payment = register.find("o:PLATNOSCI/o:PLATNOSC", NS)
    assert payment is not None and payment.findtext("o:KWOTA_PLAT", namespaces=NS) == "1473.34"
    party = root.find("o:KONTRAHENCI/o:KONTRAHENT", NS)
    assert (
        party is not None
        and party.findtext("o:ADRESY/o:ADRES/o:NIP", namespaces=NS) == "5220000074"
    )


def test_a_foreign_currency_invoice_leaves_the_conversion_to_optima() -> None:
    customer = _customer(tax_id="DE811128135", country="DE", city="Berlin", postal_code="10115")
    inv = invoice([("10", "12.50", "0", "np")], currency="EUR", customer=customer)
    doc = build_document(inv, POSTINGS, company_code="DEMO", test_mode=False)
    check_document(doc)  # a foreign buyer needs a VAT id, not a Polish NIP checksum
    assert to_bridge(doc)["Waluta"] == "EUR"
    root = ET.fromstring(to_offline_xml([doc]))
    register = root.find("o:REJESTRY_SPRZEDAZY_VAT/o:REJESTR_SPRZEDAZY_VAT", NS)
    assert register is not None
    assert register.findtext("o:WALUTA", namespaces=NS) == "EUR"
    assert register.findtext("o:DATA_KURSU", namespaces=NS) == "2026-03-11"  # the day before
    assert register.find("o:POZYCJE/o:POZYCJA/o:NETTO_SYS", NS) is None  # Optima converts


def test_a_correction_names_its_original() -> None:
    inv = invoice(
        [("-2", "5.60", "5", None)],
        number="FK/2026/03/0001",
        kind="correction",
        corrects_invoice_id=uuid.uuid4(),
        corrects_number="FV/2026/03/0012",
        correction_reason="2 loaves returned",
    )
    doc = build_document(inv, POSTINGS, company_code="DEMO", test_mode=True)
    check_document(doc)
    body = to_bridge(doc)
    assert body["Rodzaj"] == "KOR" and body["TrybTestowy"] is True
    assert body["Korekta"] == {
        "NumerKorygowanego": "FV/2026/03/0012",
        "Przyczyna": "2 loaves returned",
    }
    assert body["RazemBrutto"] == "-11.76"
    register = ET.fromstring(to_offline_xml([doc])).find(
        "o:REJESTRY_SPRZEDAZY_VAT/o:REJESTR_SPRZEDAZY_VAT", NS
    )
    assert register is not None
    assert register.findtext("o:KOREKTA", namespaces=NS) == "Tak"
    assert register.findtext("o:KOREKTA_NUMER", namespaces=NS) == "FV/2026/03/0012"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"customer": _customer(tax_id=None)}, "NIP missing"),
        ({"customer": _customer(tax_id="5220000075")}, "fails the NIP checksum"),
        ({"customer": _customer(tax_id="DE1", country="DE"), "currency": "EUR"}, None),
        ({"customer": _customer(tax_id=None, country="DE")}, "a foreign customer needs its VAT id"),
        ({"net_total": Decimal("999.00")}, "totals do not add up"),
        ({"due_date": date(2026, 3, 1)}, "is before the issue date"),
        ({"kind": "correction", "corrects_number": None}, "must name the invoice it corrects"),
    ],
)
def test_every_check_says_what_is_wrong(change: dict[str, Any], message: str | None) -> None:
    inv = invoice([("10", "5.60", "5", None)], **change)
    doc = build_document(inv, POSTINGS, company_code="DEMO", test_mode=False)
    if message is None:
        check_document(doc)
        return
    with pytest.raises(DocumentInvalid) as caught:
        check_document(doc)
    assert message in str(caught.value)


def test_rates_poland_does_not_have_are_refused_per_line() -> None:
    inv = invoice([("10", "5.60", "5", None), ("1", "10", "7", None), ("1", "10", "22", None)])
    with pytest.raises(DocumentInvalid) as caught:
        check_document(build_document(inv, POSTINGS, company_code="DEMO", test_mode=False))
    assert caught.value.problems == [
        "line 2: VAT rate '7' is not a Polish rate (23, 8, 5, 0, zw, np, oo)",
        "line 3: VAT rate '22' is not a Polish rate (23, 8, 5, 0, zw, np, oo)",
    ]


def test_an_exempt_line_with_tax_is_refused() -> None:
    inv = invoice([("10", "5.60", "5", None)])
    lines = [inv.lines[0].model_copy(update={"vat_exemption": "zw"})]
    broken = inv.model_copy(update={"lines": lines})
    with pytest.raises(DocumentInvalid) as caught:
        check_document(build_document(broken, POSTINGS, company_code="DEMO", test_mode=False))
    assert "a zw line carries VAT 2.80" in str(caught.value)


def test_revenue_accounts_follow_product_groups() -> None:
    postings = Postings(revenue_account={"CHL-ZYT": "701-1", "CHL": "701-9", "*": "731"})
    assert postings.account_for("CHL-ZYT-500") == "701-1"
    assert postings.account_for("CHL-PSZ-600") == "701-9"
    assert postings.account_for("OPK-TORBA") == "731"
    assert postings.account_for(None) == "731"
