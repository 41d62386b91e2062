"""Code lists the validator enforces, per directory (EANCOM 1997 = D96A, EANCOM 2002 = D01B).

The same element carries different codes in the two EANCOM versions: a receiving advice is
``BGM+352`` in EANCOM 1997 and ``BGM+632`` in EANCOM 2002; a GTIN in LIN is ``EN`` (or
``UP`` for a UPC) in 1997 and ``SRV`` in 2002. So every coded element we read or write has
its list per directory, in :data:`CODE_LISTS`. Outbound messages must use the codes of the
partner's directory (a code of the other one is refused); inbound messages may carry a code
of the other directory (partners mix them up), which is a warning, not a refusal.

A partner's extra code is a one-line data change here (see ``docs/edi-syntax.md``, "Code
lists per directory").
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class CodeList:
    """The codes one directory allows, per coded element."""

    #: BGM 1001, per message type.
    document_codes: dict[str, frozenset[str]]
    #: LIN C212/7143: the item number type of the GTIN.
    item_number_types: frozenset[str]
    #: PIA C212/7143: additional product ids (supplier's and buyer's numbers, a GTIN).
    product_id_types: frozenset[str]
    #: DTM C507/2005.
    date_qualifiers: frozenset[str]
    #: RFF C506/1153.
    reference_qualifiers: frozenset[str]
    #: NAD 3035.
    party_qualifiers: frozenset[str]
    #: QTY C186/6063, per message type.
    quantity_qualifiers: dict[str, frozenset[str]]
    #: MOA C516/5025.
    amount_qualifiers: frozenset[str]
    #: PCI 4233 (marking instructions: 33E marked with an SSCC, 36E with batch data).
    marking_codes: frozenset[str]
    #: PAC C202/7065 (package type: 201 ISO 1 pallet 80x120, 09 returnable pallet, ...).
    package_types: frozenset[str]


_DATES = _codes(
    "2 3 4 10 11 12 13 17 35 36 50 63 64 69 76 94 97 131 132 133 137 140 157 167 168 171"
    " 178 191 200 206 209 263 282 324 325 326 343 351 358 359 361 364 366 380 454"
)
_REFERENCES = _codes(
    "AAB AAJ AAK AAN AAS ACD AHP ALO API AAU BO CR CT DL DQ FC GN IA IV LI ON PD PL PP SZ VA VN XA"
)
_PARTIES = _codes(
    "AF BY CA CN CO CZ DL DP FP FW II IV LC MF MR OB OY PE PK PR PW SE SF SN SR ST SU UC UD WH"
)
_AMOUNTS = _codes(
    "8 9 23 25 38 39 52 77 79 86 98 124 125 128 129 131 136 165 176 203 204 259 260 264 402"
)
_MARKINGS = _codes("10 14 17 30E 33E 36E")
_QUANTITIES = {
    "ORDERS": _codes("1 17 21 45 59 61 113 131 192 193"),
    "ORDRSP": _codes("1 12 21 59 83 113 131 163 182 185 192 193 194"),
    "INVOIC": _codes("1 12 21 46 47 59 61 124 192 193 194"),
    "DESADV": _codes("1 12 21 45 52 59 113 170 192 193 194"),
    "RECADV": _codes("1 12 21 46 48 59 61 124 192 194 195 196"),
}
_DOCUMENTS = {
    "ORDERS": _codes("105 220 221 224 225 226 227 228 258 402"),
    "ORDRSP": _codes("231"),
    "INVOIC": _codes("325 380 381 383 384 385 386 389 393"),
    "DESADV": _codes("351"),
}

CODE_LISTS: dict[str, CodeList] = {
    # EANCOM 1997 (D96A)
    "D96A": CodeList(
        document_codes={**_DOCUMENTS, "RECADV": _codes("352")},
        item_number_types=_codes("EN UP"),
        product_id_types=_codes("SA IN BP MF NB GU EN UP"),
        date_qualifiers=_DATES,
        reference_qualifiers=_REFERENCES,
        party_qualifiers=_PARTIES,
        quantity_qualifiers=_QUANTITIES,
        amount_qualifiers=_AMOUNTS,
        marking_codes=_MARKINGS,
        package_types=_codes("08 09 200 201 202 203 CT BX PK PX CS"),
    ),
    # EANCOM 2002 (D01B)
    "D01B": CodeList(
        document_codes={**_DOCUMENTS, "RECADV": _codes("632")},
        item_number_types=_codes("SRV"),
        product_id_types=_codes("SA IN BP MF NB GU SRV"),
        date_qualifiers=_DATES,
        reference_qualifiers=_REFERENCES,
        party_qualifiers=_PARTIES,
        quantity_qualifiers=_QUANTITIES,
        amount_qualifiers=_AMOUNTS,
        marking_codes=_MARKINGS,
        package_types=_codes("08 09 200 201 202 203 CT BX PK PX CS"),
    ),
}


def code_list(directory: str) -> CodeList | None:
    """The codes of ``directory`` (``"D96A"``, ``"D01B"``); None for one we have no list of."""
    return CODE_LISTS.get(directory)


def gtin_type(directory: str) -> str:
    """The item number type our writer puts beside a GTIN in LIN for ``directory``."""
    return "EN" if directory == "D96A" else "SRV"


#: Every item number type that says "this is a GTIN", in any directory (for reading).
GTIN_TYPES = frozenset({"SRV", "EN", "EAN", "UP"})

DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "102": ("%Y%m%d",),
    "203": ("%Y%m%d%H%M",),
    "204": ("%Y%m%d%H%M%S",),
    "101": ("%y%m%d",),
    "201": ("%y%m%d%H%M",),
    "602": ("%Y",),
    "610": ("%Y%m",),
    "718": ("%Y%m%d", "%Y%m%d"),
    "719": ("%Y%m%d%H%M", "%Y%m%d%H%M"),
}
OTHER_DATE_FORMATS = frozenset({"616", "802", "804", "805", "806", "807", "810", "717", "720"})
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Requirement:
    """A segment with one of ``qualifiers`` must occur in the message (or in each group)."""

    tag: str
    qualifiers: frozenset[str]
    per_group: str | None
    meaning: str


def _need(tag: str, codes: str, meaning: str, per_group: str | None = None) -> Requirement:
    return Requirement(tag, frozenset(codes.split()), per_group, meaning)


REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {
    "ORDERS": (
        _need("DTM", "137", "document date"),
        _need("NAD", "BY", "buyer"),
        _need("NAD", "SU", "supplier"),
        _need("QTY", "21", "ordered quantity", "LIN"),
    ),
    "ORDRSP": (
        _need("DTM", "137", "document date"),
        _need("NAD", "BY", "buyer"),
        _need("NAD", "SU", "supplier"),
    ),
    "INVOIC": (
        _need("DTM", "137", "document date"),
        _need("NAD", "BY", "buyer"),
        _need("NAD", "SU", "supplier"),
        _need("QTY", "47", "invoiced quantity", "LIN"),
    ),
    "DESADV": (
        _need("DTM", "137", "document date"),
        _need("NAD", "SU", "supplier"),
        _need("QTY", "12", "despatched quantity", "LIN"),
    ),
    "RECADV": (
        _need("DTM", "137", "document date"),
        _need("QTY", "12 194 195", "received quantity", "LIN"),
    ),
}
