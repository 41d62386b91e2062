"""CONTRL (syntax and service report, ISO 9735-4 / message CONTRL D:3:UN).

Tells the sender of an interchange that we accepted it (UCI action 7) or rejected it
(action 4), and for each message whether it was accepted (UCM action 7) or rejected
(action 4), with UCS pointing at the faulty segment (position inside the message, UNH = 1)
and UCD at the faulty data element (position inside the segment, the tag counting as 1).
"""

from __future__ import annotations

from .errors import EdifactError, Issue
from .model import Element, Interchange, Message, OutMessage

ACCEPTED = "7"
REJECTED = "4"
MAX_SEGMENT_ERRORS = 999
MAX_ELEMENT_ERRORS = 99

SYNTAX_ERROR_CODES: dict[str, str] = {
    "NOT_EDIFACT": "18",  # unspecified error
    "UNA": "20",  # character invalid as service character
    "CHARSET": "21",  # invalid character(s)
    "SYNTAX": "18",
    "ENVELOPE": "18",
    "UNZ_COUNT": "29",  # control count does not match number of instances received
    "UNT_COUNT": "29",
    "UNZ_REFERENCE": "28",  # references do not match
    "UNT_REFERENCE": "28",
    "STRUCTURE": "15",  # not supported in this position
    "UNKNOWN_SEGMENT": "15",
    "MANDATORY": "13",  # missing
    "REPEAT": "35",  # too many repetitions
    "QUALIFIER": "12",  # invalid value
    "VALUE": "12",
    "UNSUPPORTED": "17",  # no agreement
    "LIMIT": "18",
}
INTERCHANGE_SEGMENTS = frozenset({"UNA", "UNB", "UNZ"})


def syntax_error_code(code: str) -> str:
    """The CONTRL 0085 code for one of our error codes (18, unspecified, when unmapped)."""
    return SYNTAX_ERROR_CODES.get(code, "18")


def build_contrl(
    interchange: Interchange,
    *,
    reference: str,
    issues_by_message: dict[str, list[Issue]] | None = None,
    rejected: EdifactError | None = None,
) -> OutMessage:
    """The CONTRL answering ``interchange`` (for a rejected read: ``ReadResult.partial``).

    ``rejected`` rejects the whole interchange; otherwise each message is acknowledged,
    or rejected when ``issues_by_message[reference]`` holds errors (warnings do not reject).
    """
    segments: list[tuple[str, tuple[Element, ...]]] = [_uci(interchange, rejected)]
    if rejected is None:
        for message in interchange.messages:
            issues = (issues_by_message or {}).get(message.reference, [])
            segments.extend(_message_response(message, issues))
    association = (
        "EAN002"
        if any((message.association or "").startswith("EAN") for message in interchange.messages)
        else None
    )
    return OutMessage(
        type="CONTRL",
        reference=reference,
        version="D",
        release="3",
        agency="UN",
        association=association,
        segments=segments,
    )


def _uci(
    interchange: Interchange, rejected: EdifactError | None
) -> tuple[str, tuple[Element, ...]]:
    sender, recipient = interchange.sender, interchange.recipient
    elements: list[Element] = [
        interchange.control_reference,
        (sender.id, sender.qualifier or "", sender.routing or ""),
        (recipient.id, recipient.qualifier or "", recipient.routing or ""),
        REJECTED if rejected is not None else ACCEPTED,
    ]
    if rejected is not None:
        elements.append(syntax_error_code(rejected.code))
        if rejected.tag in INTERCHANGE_SEGMENTS:
            elements.append(rejected.tag)
            if rejected.element is not None:
                elements.append(str(rejected.element + 2))
    return ("UCI", tuple(elements))


def _message_response(
    message: Message, issues: list[Issue]
) -> list[tuple[str, tuple[Element, ...]]]:
    errors = [issue for issue in issues if issue.severity == "error"]
    identifier = (
        message.type,
        message.version,
        message.release,
        message.agency,
        message.association or "",
    )
    ucm: list[Element] = [message.reference, identifier, REJECTED if errors else ACCEPTED]
    located = [(issue, issue.segment_number) for issue in errors if issue.segment_number]
    unlocated = [issue for issue in errors if not issue.segment_number]
    if unlocated or (errors and not located):
        ucm.append(syntax_error_code((unlocated or errors)[0].code))
    segments: list[tuple[str, tuple[Element, ...]]] = [("UCM", tuple(ucm))]
    first = message.segments[0].number if message.segments else 1
    for issue, number in located[:MAX_SEGMENT_ERRORS]:
        position = str(max(1, number - first + 1))
        code = syntax_error_code(issue.code)
        if issue.element is None:
            segments.append(("UCS", (position, code)))
        else:
            segments.append(("UCS", (position,)))
            segments.append(("UCD", (code, str(issue.element + 2))))
    return segments
