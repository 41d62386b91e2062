"""Is each coded element's code in the list of the message's directory?

One table says where each coded element stands (segment, element, component) and which
list of :class:`~.codes.CodeList` holds its codes; one function checks them all, so a new
coded element is a row here and a list in :mod:`.codes`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .codes import CODE_LISTS, CodeList, code_list
from .errors import Issue
from .model import Message, Segment

Lookup = Callable[[CodeList, str], frozenset[str] | None]


@dataclass(frozen=True)
class CodedElement:
    """Where a code stands and which list it must be in."""

    what: str
    element: int
    component: int
    lookup: Lookup
    #: Inbound, an unknown code of this element refuses the message (else: a warning).
    inbound_error: bool = False
    #: Look in every element from ``element`` on (PIA repeats C212).
    repeated: bool = False


CODED: dict[str, CodedElement] = {
    "BGM": CodedElement(
        "document code", 0, 0, lambda c, t: c.document_codes.get(t), inbound_error=True
    ),
    "QTY": CodedElement(
        "quantity qualifier", 0, 0, lambda c, t: c.quantity_qualifiers.get(t), inbound_error=True
    ),
    "LIN": CodedElement("item number type", 2, 1, lambda c, t: c.item_number_types),
    "PIA": CodedElement("product id type", 1, 1, lambda c, t: c.product_id_types, repeated=True),
    "DTM": CodedElement("date qualifier", 0, 0, lambda c, t: c.date_qualifiers),
    "RFF": CodedElement("reference qualifier", 0, 0, lambda c, t: c.reference_qualifiers),
    "NAD": CodedElement("party qualifier", 0, 0, lambda c, t: c.party_qualifiers),
    "MOA": CodedElement("amount qualifier", 0, 0, lambda c, t: c.amount_qualifiers),
    "PCI": CodedElement("marking code", 0, 0, lambda c, t: c.marking_codes),
    "PAC": CodedElement("package type", 2, 0, lambda c, t: c.package_types),
}


def _allowed(directory: str, coded: CodedElement, message_type: str) -> frozenset[str] | None:
    """The directory's codes; for a directory without lists, every list's codes together."""
    own = code_list(directory)
    if own is not None:
        return coded.lookup(own, message_type)
    found = [coded.lookup(codes, message_type) for codes in CODE_LISTS.values()]
    known = [codes for codes in found if codes is not None]
    return frozenset().union(*known) if known else None


def _order(code: str) -> tuple[bool, int, str]:
    return (not code.isdigit(), int(code) if code.isdigit() else 0, code)


def _sorted(codes: frozenset[str]) -> str:
    return ", ".join(sorted(codes, key=_order))


def check_codes(segment: Segment, message: Message, *, outbound: bool) -> list[Issue]:
    """Findings for the codes in ``segment`` (none when the tag is not coded)."""
    coded = CODED.get(segment.tag)
    if coded is None:
        return []
    directory = message.directory
    allowed = _allowed(directory, coded, message.type)
    if allowed is None:
        return []
    last = len(segment.elements) if coded.repeated else coded.element + 1
    found: list[Issue] = []
    for element in range(coded.element, max(last, coded.element + 1)):
        code = segment.value(element, coded.component)
        if code is None or code in allowed:
            continue
        found.append(_finding(segment, message, coded, element, code, allowed, outbound))
    return found


def _finding(
    segment: Segment,
    message: Message,
    coded: CodedElement,
    element: int,
    code: str,
    allowed: frozenset[str],
    outbound: bool,
) -> Issue:
    directory = message.directory
    elsewhere = sorted(
        name
        for name, codes in CODE_LISTS.items()
        if name != directory and code in (coded.lookup(codes, message.type) or ())
    )
    if elsewhere:
        text = (
            f"{coded.what} {code!r} is a {'/'.join(elsewhere)} code, not one of"
            f" {message.type} {directory} (allowed: {_sorted(allowed)})"
        )
        severity = "error" if outbound else "warning"
    else:
        text = (
            f"{coded.what} {code!r} is not allowed in {message.type} {directory}"
            f" (allowed: {_sorted(allowed)})"
        )
        severity = "error" if outbound or coded.inbound_error else "warning"
    return Issue(
        code="QUALIFIER",
        message=f"segment {segment.number} ({segment.tag}): {text}",
        segment_number=segment.number,
        tag=segment.tag,
        expected=_sorted(allowed),
        severity=severity,
        element=element,
    )
