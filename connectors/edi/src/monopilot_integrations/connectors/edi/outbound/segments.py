"""Small builders for the segments every outbound EANCOM message shares."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from monopilot_integrations.connectors.edi.edifact.codes import gtin_type
from monopilot_integrations.connectors.edi.edifact.model import Element

Seg = tuple[str, tuple[Element, ...]]

#: The EANCOM subset (UNH 0057) per message type and directory.
ASSOCIATIONS = {
    ("D96A", "INVOIC"): "EAN008",
    ("D96A", "DESADV"): "EAN005",
    ("D96A", "ORDRSP"): "EAN005",
    ("D01B", "INVOIC"): "EAN010",
    ("D01B", "DESADV"): "EAN007",
    ("D01B", "ORDRSP"): "EAN007",
}


def version_of(directory: str) -> tuple[str, str]:
    """``"D96A"`` -> ``("D", "96A")``."""
    return directory[0], directory[1:]


def dtm(qualifier: str, value: date | datetime) -> Seg:
    if isinstance(value, datetime):
        return ("DTM", ((qualifier, value.strftime("%Y%m%d%H%M"), "203"),))
    return ("DTM", ((qualifier, value.strftime("%Y%m%d"), "102"),))


def nad(qualifier: str, gln: str, name: str | None = None) -> Seg:
    elements: tuple[Element, ...] = (qualifier, (gln, "", "9"))
    if name:
        elements += ("", name[:35])
    return ("NAD", elements)


def rff(qualifier: str, reference: str) -> Seg:
    return ("RFF", ((qualifier, reference[:35]),))


def amount(value: Decimal, places: int = 2) -> str:
    quantum = Decimal(1).scaleb(-places)
    return str(value.quantize(quantum, rounding=ROUND_HALF_UP))


def quantity(value: Decimal) -> str:
    """A quantity without trailing zeros (``240``, ``12.5``)."""
    return format(value.normalize(), "f")


def price(value: Decimal) -> str:
    """Unit prices keep what they have, two to four decimals (``5.60``, ``0.5234``)."""
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return amount(value, min(max(places, 2), 4))


def vat_rate(value: Decimal) -> str:
    return quantity(value)


def lin(line_no: int, gtin: str | None, directory: str, action: str = "") -> Seg:
    """LIN 1082, 1229 (action: 5 accepted, 3 changed, 7 not accepted) and the GTIN, typed
    as the partner's directory codes it (``EN`` in EANCOM 1997, ``SRV`` in 2002)."""
    if gtin:
        return ("LIN", (str(line_no), action, (gtin, gtin_type(directory))))
    return ("LIN", (str(line_no), action) if action else (str(line_no),))
