"""Code lists the validator enforces, per message type (EANCOM usage of D96A / D01B).

Kept apart from the checks so a partner's extra code is a one-line data change here (see
``docs/edi-syntax.md``, "Adding a message type").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOCUMENT_CODES: dict[str, frozenset[str]] = {
    "ORDERS": frozenset({"105", "220", "221", "224", "225", "226", "227", "228", "258", "402"}),
    "ORDRSP": frozenset({"231"}),
    "INVOIC": frozenset({"325", "380", "381", "383", "384", "385", "386", "389", "393"}),
    "DESADV": frozenset({"351"}),
    "RECADV": frozenset({"632"}),
}

QUANTITY_QUALIFIERS: dict[str, frozenset[str]] = {
    "ORDERS": frozenset({"1", "17", "21", "45", "59", "61", "113", "131", "192", "193"}),
    "ORDRSP": frozenset(
        {"1", "12", "21", "59", "83", "113", "131", "163", "182", "185", "192", "193", "194"}
    ),
    "INVOIC": frozenset({"1", "12", "21", "46", "47", "59", "61", "124", "192", "193", "194"}),
    "DESADV": frozenset({"1", "12", "21", "45", "52", "59", "113", "170", "192", "193", "194"}),
    "RECADV": frozenset(
        {"1", "12", "21", "46", "48", "59", "61", "124", "192", "194", "195", "196"}
    ),
}

PARTY_QUALIFIERS = frozenset(
    {
        "AF",
        "BY",
        "CA",
        "CN",
        "CO",
        "CZ",
        "DL",
        "DP",
        "FP",
        "FW",
        "II",
        "IV",
        "LC",
        "MF",
        "MR",
        "OB",
        "OY",
        "PE",
        "PK",
        "PR",
        "PW",
        "SE",
        "SF",
        "SN",
        "SR",
        "ST",
        "SU",
        "UC",
        "UD",
        "WH",
    }
)

DATE_QUALIFIERS = frozenset(
    {
        "2",
        "3",
        "4",
        "10",
        "11",
        "12",
        "13",
        "17",
        "35",
        "36",
        "50",
        "63",
        "64",
        "69",
        "76",
        "94",
        "97",
        "131",
        "132",
        "133",
        "137",
        "140",
        "157",
        "167",
        "168",
        "171",
        "178",
        "191",
        "200",
        "206",
        "209",
        "263",
        "282",
        "324",
        "325",
        "326",
        "343",
        "351",
        "358",
        "359",
        "361",
        "364",
        "366",
        "380",
        "454",
    }
)

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
GTIN_TYPES = frozenset({"SRV", "EN", "EAN", "UP"})


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
