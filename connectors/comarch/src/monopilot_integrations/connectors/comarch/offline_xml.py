"""Optima's offline XML import (``REJESTRY_SPRZEDAZY_VAT``), from an
:class:`~.document.OptimaDocument`.

The layout follows the files Optima imports ("Import z pliku XML" in the VAT register) as
public accounting exports write them: a ``ROOT`` in the namespace
``http://www.comarch.pl/cdn/optima/offline`` holding a ``KONTRAHENCI`` section (the
counterparty, so the import can create it) and a ``REJESTRY_SPRZEDAZY_VAT`` section with
its header (``WERSJA`` 2.00, ``BAZA_ZRD_ID``, ``BAZA_DOC_ID``) and one
``REJESTR_SPRZEDAZY_VAT`` per document: ``ID_ZRODLA`` (the invoice id, which Optima keeps
and uses to skip a document imported before), dates, number, correction flags, the
counterparty's data, ``POZYCJE`` with one ``POZYCJA`` per VAT rate (net and VAT as summed
per rate, the way the register books them) and ``PLATNOSCI``. Flags are ``Tak``/``Nie``,
dates ``YYYY-MM-DD``, amounts with two decimal places.

Optima's status of a rate: ``opodatkowana`` for 23/8/5/0, ``zwolniona`` for ``zw``,
``nie podlega`` for ``np`` and ``oo`` (reverse charge: the buyer accounts for the tax; the
register's reverse-charge category comes from the posting mappings).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from monopilot_integrations.connectors.comarch.bridge_json import money
from monopilot_integrations.connectors.comarch.document import OptimaDocument

NAMESPACE = "http://www.comarch.pl/cdn/optima/offline"
VERSION = "2.00"

_STATUS = {"zw": "zwolniona", "np": "nie podlega", "oo": "nie podlega"}
_RATE_TEXT = {"zw": "zw", "np": "0", "oo": "0"}


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _add(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, _tag(name))
    if text is not None:
        element.text = text
    return element


def _flag(value: bool) -> str:
    return "Tak" if value else "Nie"


def _header(section: ET.Element, source_db: str, target_db: str) -> None:
    _add(section, "WERSJA", VERSION)
    _add(section, "BAZA_ZRD_ID", source_db)
    _add(section, "BAZA_DOC_ID", target_db)


def to_offline_xml(
    documents: list[OptimaDocument], *, source_db: str = "MONOPILOT", target_db: str = "KSIEG"
) -> bytes:
    """One import file for ``documents`` (UTF-8, with its XML declaration)."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(_tag("ROOT"))
    parties = _add(root, "KONTRAHENCI")
    _header(parties, source_db, target_db)
    for party in {doc.counterparty.code: doc.counterparty for doc in documents}.values():
        item = _add(parties, "KONTRAHENT")
        _add(item, "ID_ZRODLA", party.code)
        _add(item, "AKRONIM", party.code)
        _add(item, "RODZAJ", "odbiorca")
        _add(item, "EKSPORT", "krajowy" if party.country == "PL" else "wewnątrzunijny")
        _add(item, "PLATNIK_VAT", "Tak")
        _add(item, "KRAJ_ISO", party.country)
        address = _add(_add(item, "ADRESY"), "ADRES")
        _add(address, "STATUS", "aktualny")
        _add(address, "NAZWA1", party.name)
        _add(address, "KRAJ", party.country)
        _add(address, "ULICA", party.street or "")
        _add(address, "KOD_POCZTOWY", party.postal_code or "")
        _add(address, "MIASTO", party.city or "")
        _add(address, "NIP_KRAJ", party.country)
        _add(address, "NIP", party.nip or "")
    registers = _add(root, "REJESTRY_SPRZEDAZY_VAT")
    _header(registers, source_db, target_db)
    for doc in documents:
        _document(registers, doc)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text


def _document(registers: ET.Element, doc: OptimaDocument) -> None:
    party = doc.counterparty
    item = _add(registers, "REJESTR_SPRZEDAZY_VAT")
    _add(item, "ID_ZRODLA", doc.source_guid)
    _add(item, "MODUL", "Rejestr Vat")
    _add(item, "TYP", "Rejestr sprzedazy")
    _add(item, "REJESTR", doc.register)
    _add(item, "DATA_WYSTAWIENIA", doc.issue_date.isoformat())
    _add(item, "DATA_SPRZEDAZY", doc.sale_date.isoformat())
    _add(item, "TERMIN", doc.due_date.isoformat())
    _add(item, "NUMER", doc.number)
    _add(item, "KOREKTA", _flag(doc.correction))
    _add(item, "KOREKTA_NUMER", doc.corrects_number or "")
    _add(item, "WEWNETRZNA", "Nie")
    _add(item, "METODA_KASOWA", "Nie")
    _add(item, "FISKALNA", "Nie")
    _add(item, "DETALICZNA", "Nie")
    _add(item, "EKSPORT", "nie" if party.country == "PL" else "wewnątrzunijny")
    _add(item, "FINALNY", "Nie")
    _add(item, "PODATNIK_CZYNNY", "Tak")
    _add(item, "IDENTYFIKATOR_KSIEGOWY", doc.number)
    _add(item, "TYP_PODMIOTU", "kontrahent")
    _add(item, "PODMIOT", party.code)
    _add(item, "PODMIOT_NIP", party.nip or "")
    _add(item, "NAZWA1", party.name)
    _add(item, "NIP_KRAJ", party.country)
    _add(item, "NIP", party.nip or "")
    _add(item, "KRAJ", party.country)
    _add(item, "ULICA", party.street or "")
    _add(item, "KOD_POCZTOWY", party.postal_code or "")
    _add(item, "MIASTO", party.city or "")
    _add(item, "FORMA_PLATNOSCI", doc.payment_form)
    _add(item, "DEKLARACJA_VAT7", doc.issue_date.strftime("%Y-%m"))
    _add(item, "DEKLARACJA_VATUE", _flag(party.country != "PL"))
    domestic = doc.currency == "PLN"
    _add(item, "WALUTA", "" if domestic else doc.currency)
    _add(item, "KURS_WALUTY", "NBP")
    _add(item, "NOTOWANIE_WALUTY_ILE", "1")
    _add(item, "NOTOWANIE_WALUTY_ZA_ILE", "1")
    # A foreign-currency invoice is converted at the NBP rate of the last working day
    # before the sale (art. 31a of the VAT act); Optima looks that rate up on import.
    _add(item, "DATA_KURSU", (doc.sale_date - timedelta(days=1)).isoformat())
    _add(item, "KURS_DO_KSIEGOWANIA", "Nie")
    if doc.correction_reason:
        _add(item, "OPIS", doc.correction_reason[:255])
    positions = _add(item, "POZYCJE")
    for rate in doc.by_rate:
        position = _add(positions, "POZYCJA")
        _add(position, "KATEGORIA_POS", "")
        _add(position, "STAWKA_VAT", _RATE_TEXT.get(rate.label, rate.label))
        _add(position, "STATUS_VAT", _STATUS.get(rate.label, "opodatkowana"))
        _add(position, "NETTO", money(rate.net))
        _add(position, "VAT", money(rate.vat))
        if domestic:  # in another currency Optima converts at the rate above
            _add(position, "NETTO_SYS", money(rate.net))
            _add(position, "VAT_SYS", money(rate.vat))
            _add(position, "NETTO_SYS2", money(rate.net))
            _add(position, "VAT_SYS2", money(rate.vat))
        _add(position, "RODZAJ_SPRZEDAZY", "towary")
        _add(position, "UWZ_W_PROPORCJI", "Tak")
    payments = _add(item, "PLATNOSCI")
    payment = _add(payments, "PLATNOSC")
    _add(payment, "ID_ZRODLA_PLAT", doc.source_guid)
    _add(payment, "TERMIN_PLAT", doc.due_date.isoformat())
    _add(payment, "FORMA_PLATNOSCI_PLAT", doc.payment_form)
    _add(payment, "KWOTA_PLAT", money(doc.gross_total))
    _add(payment, "WALUTA_PLAT", "" if doc.currency == "PLN" else doc.currency)
    _add(payment, "KURS_WALUTY_PLAT", "NBP")
    _add(payment, "NOTOWANIE_WALUTY_ILE_PLAT", "1")
    _add(payment, "NOTOWANIE_WALUTY_ZA_ILE_PLAT", "1")
    if domestic:
        _add(payment, "KWOTA_PLN_PLAT", money(doc.gross_total))
    _add(payment, "KIERUNEK", "przychód")
    _add(payment, "PODLEGA_ROZLICZENIU", "tak")
    _add(payment, "DATA_KURSU_PLAT", (doc.sale_date - timedelta(days=1)).isoformat())
    _add(payment, "WALUTA_DOK", "" if doc.currency == "PLN" else doc.currency)
    _add(item, "KODY_JPK")
