"""The qualifiers and values that matter, per message type (EANCOM usage).

Structure says *where* a segment may stand; these rules say whether it says something we
can act on: the BGM document code fits the message type, the document date and the
buyer / supplier parties are present, every order line has an ordered quantity, dates are
real dates in their declared format, quantities and amounts are numbers, GLN/GTIN/SSCC
carry valid GS1 check digits, and every coded element holds a code of the message's
directory (:mod:`.codes`, one list per EANCOM version).

Inbound, an unknown DTM, RFF, NAD, MOA, PCI, PAC qualifier or item number type is a
warning (the code lists are long and partners use more of them than we map), and so is a
code of the other directory (a D01B ``SRV`` in a D96A order); an unknown document code or
quantity qualifier is an error. Outbound (``outbound=True``) every code must be in the
list of the message's directory: what we send is what the partner's guide expects.
"""

from __future__ import annotations

from datetime import datetime

from . import gs1
from .code_checks import check_codes
from .codes import (
    DATE_FORMATS,
    GTIN_TYPES,
    NUMBER,
    OTHER_DATE_FORMATS,
    REQUIREMENTS,
)
from .errors import Issue
from .model import Message, Segment


def _issue(
    segment: Segment,
    code: str,
    text: str,
    *,
    element: int | None = None,
    expected: str | None = None,
    severity: str = "error",
) -> Issue:
    return Issue(
        code=code,
        message=f"segment {segment.number} ({segment.tag}): {text}",
        segment_number=segment.number,
        tag=segment.tag,
        expected=expected,
        severity=severity,
        element=element,
    )


def check_content(message: Message, *, outbound: bool = False) -> list[Issue]:
    """Qualifier and value findings for the five EANCOM message types we exchange."""
    issues: list[Issue] = []
    for segment in message.segments:
        issues.extend(check_codes(segment, message, outbound=outbound))
        checker = _CHECKERS.get(segment.tag)
        if checker is not None:
            issues.extend(checker(segment, message))
    issues.extend(_check_requirements(message))
    return issues


def _check_bgm(segment: Segment, message: Message) -> list[Issue]:
    found: list[Issue] = []
    if message.type in REQUIREMENTS and segment.value(1) is None:
        found.append(
            _issue(
                segment,
                "VALUE",
                "document number (1004) is missing",
                element=1,
                expected="document number",
            )
        )
    return found


def _check_dtm(segment: Segment, message: Message) -> list[Issue]:
    value, form = segment.value(0, 1), segment.value(0, 2)
    found: list[Issue] = []
    if value is None:
        return [*found, _issue(segment, "VALUE", "date/time value is missing", element=0)]
    if form is None:
        return found
    patterns = DATE_FORMATS.get(form)
    if patterns is None:
        if form not in OTHER_DATE_FORMATS:
            found.append(
                _issue(
                    segment,
                    "QUALIFIER",
                    f"date format code {form!r} is not supported",
                    element=0,
                    expected="102, 203, 204, 718",
                )
            )
        return found
    parts = value.split("-") if len(patterns) == 2 else [value]
    try:
        if len(parts) != len(patterns):
            raise ValueError(value)
        for part, pattern in zip(parts, patterns, strict=True):
            if not part.isdigit():
                raise ValueError(part)
            datetime.strptime(part, pattern)
    except ValueError:
        found.append(
            _issue(
                segment,
                "VALUE",
                f"{value!r} is not a valid date for format {form}",
                element=0,
                expected=f"format {form}",
            )
        )
    return found


def _check_nad(segment: Segment, message: Message) -> list[Issue]:
    found: list[Issue] = []
    party, agency = segment.value(1, 0), segment.value(1, 2)
    if agency == "9" and party is not None and not gs1.is_valid_gln(party):
        found.append(
            _issue(
                segment,
                "VALUE",
                f"{party!r} is not a valid GLN (13 digits, GS1 check digit)",
                element=1,
                expected="GLN",
            )
        )
    return found


def _check_qty(segment: Segment, message: Message) -> list[Issue]:
    return _check_number(segment, 0, 1, "quantity")


def _check_number(segment: Segment, element: int, component: int, what: str) -> list[Issue]:
    value = segment.value(element, component)
    if value is None:
        return [_issue(segment, "VALUE", f"{what} is missing", element=element)]
    if not NUMBER.fullmatch(value):
        return [
            _issue(
                segment,
                "VALUE",
                f"{what} {value!r} is not a number",
                element=element,
                expected="number",
            )
        ]
    return []


def _check_lin(segment: Segment, message: Message) -> list[Issue]:
    number, kind = segment.value(2, 0), segment.value(2, 1)
    if number is not None and kind in GTIN_TYPES and not gs1.is_valid_gtin(number):
        return [
            _issue(
                segment,
                "VALUE",
                f"{number!r} is not a valid GTIN (8, 12, 13 or 14 digits, GS1 check digit)",
                element=2,
                expected="GTIN",
            )
        ]
    return []


def _check_gin(segment: Segment, message: Message) -> list[Issue]:
    if segment.value(0) != "BJ":
        return []
    found: list[Issue] = []
    for element in range(1, len(segment.elements)):
        for component in (0, 1):
            sscc = segment.value(element, component)
            if sscc is not None and not gs1.is_valid_sscc(sscc):
                found.append(
                    _issue(
                        segment,
                        "VALUE",
                        f"{sscc!r} is not a valid SSCC (18 digits, GS1 check digit)",
                        element=element,
                        expected="SSCC",
                    )
                )
    return found


def _check_amount(segment: Segment, message: Message) -> list[Issue]:
    what = {"MOA": "amount", "PRI": "price", "CNT": "control value"}[segment.tag]
    return _check_number(segment, 0, 1, what)


_CHECKERS = {
    "BGM": _check_bgm,
    "DTM": _check_dtm,
    "NAD": _check_nad,
    "QTY": _check_qty,
    "LIN": _check_lin,
    "GIN": _check_gin,
    "MOA": _check_amount,
    "PRI": _check_amount,
    "CNT": _check_amount,
}


def _check_requirements(message: Message) -> list[Issue]:
    found: list[Issue] = []
    for need in REQUIREMENTS.get(message.type, ()):
        expected = " or ".join(f"{need.tag}+{code}" for code in sorted(need.qualifiers))
        scopes = message.groups(need.per_group) if need.per_group else [message.segments]
        for scope in scopes:
            if any(s.tag == need.tag and s.qualifier in need.qualifiers for s in scope):
                continue
            anchor = scope[0] if need.per_group else message.segments[0]
            where = f" in the {need.per_group} group" if need.per_group else ""
            found.append(
                Issue(
                    code="MANDATORY",
                    message=f"segment {anchor.number} ({anchor.tag}): {expected} ({need.meaning})"
                    f" is missing{where}",
                    segment_number=anchor.number,
                    tag=need.tag,
                    expected=expected,
                )
            )
    return found
