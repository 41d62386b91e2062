"""Writing: OutMessages -> the bytes of one interchange, ready for a partner's mailbox.

We assemble the envelope (UNB, UNH/UNT with counts, UNZ), validate every message with the
same validator the reader uses (a message we would reject from a partner never leaves),
let pydifact serialize segments (its escaping of the separators with the release
character), and encode by the syntax identifier, refusing characters outside the
repertoire rather than transliterating them behind the user's back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from pydifact.control.characters import Characters
from pydifact.segments import Segment as PydifactSegment
from pydifact.serializer import Serializer

from .characters import DEFAULT_CHARACTERS, ServiceCharacters
from .charsets import Charset, get_charset
from .envelope import MAX_CONTROL_REFERENCE
from .errors import EdifactError
from .model import Element, Message, OutMessage, Party, Segment
from .tokenizer import TAG_PATTERN
from .validator import raise_for_issues, validate_message

RawSegment = tuple[str, tuple[Element, ...]]


class _Serializer(Serializer):
    """pydifact's serializer, also releasing the repetition separator of syntax 4."""

    def __init__(self, characters: ServiceCharacters) -> None:
        super().__init__(_pydifact_characters(characters))
        if characters.reserved != " ":
            self.replace_map[characters.reserved] = characters.release + characters.reserved
            # rebuild pydifact's alternation with the extra character, as its __init__ does
            keys = sorted(self.replace_map, key=len, reverse=True)
            self.regexp = re.compile("|".join(map(re.escape, keys)))


def _pydifact_characters(characters: ServiceCharacters) -> Characters:
    return Characters(  # type: ignore[no-untyped-call]  # pydifact leaves it untyped
        component_separator=characters.component,
        data_separator=characters.element,
        decimal_point=characters.decimal,
        escape_character=characters.release,
        reserved=characters.reserved,
        segment_terminator=characters.terminator,
    )


def default_characters(syntax_version: str) -> ServiceCharacters:
    """ISO 9735 defaults; syntax 4 uses ``*`` as the repetition separator."""
    return ServiceCharacters(reserved="*") if syntax_version == "4" else DEFAULT_CHARACTERS


def _party(party: Party) -> Element:
    return (party.id, party.qualifier or "", party.routing or "")


def _check_text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise EdifactError(
            "VALUE", f"{where}: element values must be str, got {type(value).__name__}"
        )
    return value


def _clean(tag: object, elements: object, number: int) -> list[str | list[str]]:
    where = f"segment {number}"
    if not isinstance(tag, str) or not TAG_PATTERN.fullmatch(tag):
        raise EdifactError(
            "SYNTAX",
            f"{where}: segment tag must be 3 upper case letters or digits, got {tag!r}",
            segment_number=number,
        )
    if not isinstance(elements, tuple | list):
        raise EdifactError(
            "VALUE", f"{where} ({tag}): elements must be a tuple", segment_number=number, tag=tag
        )
    cleaned: list[str | list[str]] = []
    for element in elements:
        if isinstance(element, tuple | list):
            components = [_check_text(component, f"{where} ({tag})") for component in element]
            while components and components[-1] == "":
                components.pop()
            cleaned.append(
                components if len(components) > 1 else (components[0] if components else "")
            )
        else:
            cleaned.append(_check_text(element, f"{where} ({tag})"))
    while cleaned and cleaned[-1] == "":
        cleaned.pop()
    if not cleaned:
        raise EdifactError(
            "VALUE",
            f"{where} ({tag}): a segment needs at least one value",
            segment_number=number,
            tag=tag,
        )
    return cleaned


def _as_model(tag: str, cleaned: list[str | list[str]], number: int) -> Segment:
    return Segment(tag, tuple(tuple(e) if isinstance(e, list) else e for e in cleaned), number)


def build_interchange(
    *,
    syntax_identifier: str,
    syntax_version: str,
    sender: Party,
    recipient: Party,
    control_reference: str,
    prepared_at: datetime,
    messages: list[OutMessage],
    test: bool,
    application_reference: str | None = None,
    characters: ServiceCharacters | None = None,
    with_una: bool | None = None,
    acknowledgement_request: bool = False,
    line_breaks: bool = False,
) -> bytes:
    """Serialize one interchange. ``with_una=None`` writes UNA when the separators are not
    the syntax level's defaults (always for UNOB, whose defaults are control characters)."""
    charset = get_charset(syntax_identifier)
    if syntax_version not in {"1", "2", "3", "4"}:
        raise EdifactError(
            "ENVELOPE",
            f"syntax version must be 1 to 4, got {syntax_version!r}",
            tag="UNB",
            element=0,
        )
    if not control_reference or len(control_reference) > MAX_CONTROL_REFERENCE:
        raise EdifactError(
            "ENVELOPE",
            "interchange control reference must have 1 to"
            f" {MAX_CONTROL_REFERENCE} characters, got {control_reference!r}",
            tag="UNB",
            element=4,
        )
    if not sender.id or not recipient.id:
        raise EdifactError(
            "ENVELOPE", "sender and recipient identifications are required", tag="UNB"
        )
    if not messages:
        raise EdifactError("ENVELOPE", "an interchange needs at least one message", tag="UNB")
    chars = characters or default_characters(syntax_version)
    chars.check()
    date_format = "%Y%m%d" if syntax_version == "4" else "%y%m%d"
    unb: RawSegment = (
        "UNB",
        (
            (syntax_identifier, syntax_version),
            _party(sender),
            _party(recipient),
            (prepared_at.strftime(date_format), prepared_at.strftime("%H%M")),
            control_reference,
            "",
            application_reference or "",
            "",
            "1" if acknowledgement_request else "",
            "",
            "1" if test else "",
        ),
    )
    raw_segments: list[RawSegment] = [unb]
    for out in messages:
        raw_segments.extend(_message_segments(out, first_number=len(raw_segments) + 1))
    raw_segments.append(("UNZ", (str(len(messages)), control_reference)))
    una = (
        with_una
        if with_una is not None
        else (
            not chars.is_default
            or syntax_identifier == "UNOB"
            or chars != default_characters(syntax_version)
        )
    )
    return _serialize(raw_segments, chars, charset, una=una, line_breaks=line_breaks)


def _message_segments(out: OutMessage, first_number: int) -> list[RawSegment]:
    if not out.reference or len(out.reference) > MAX_CONTROL_REFERENCE:
        raise EdifactError(
            "ENVELOPE",
            f"message reference must have 1 to"
            f" {MAX_CONTROL_REFERENCE} characters, got {out.reference!r}",
            tag="UNH",
            element=0,
        )
    identifier = (out.type, out.version, out.release, out.agency, out.association or "")
    body: Sequence[tuple[str, tuple[Element, ...]]] = out.segments
    count = len(body) + 2
    segments: list[RawSegment] = [
        ("UNH", (out.reference, identifier)),
        *body,
        ("UNT", (str(count), out.reference)),
    ]
    model = [
        _as_model(tag, _clean(tag, elements, first_number + offset), first_number + offset)
        for offset, (tag, elements) in enumerate(segments)
    ]
    message = Message(
        reference=out.reference,
        type=out.type,
        version=out.version,
        release=out.release,
        agency=out.agency,
        association=out.association,
        segments=model,
    )
    raise_for_issues(message, validate_message(message, outbound=True))
    return segments


def _serialize(
    segments: list[RawSegment],
    chars: ServiceCharacters,
    charset: Charset,
    *,
    una: bool,
    line_breaks: bool,
) -> bytes:
    serializer = _Serializer(chars)
    newline = "\n" if line_breaks else ""
    parts: list[bytes] = []
    if una:
        parts.append(charset.encode(chars.una_string() + newline, chars))
    for number, (tag, elements) in enumerate(segments, start=1):
        cleaned = _clean(tag, elements, number)
        text = serializer.serialize([PydifactSegment(tag, *cleaned)], with_una_header=False)
        try:
            parts.append(charset.encode(text + newline, chars))
        except EdifactError as error:
            raise EdifactError("CHARSET", error.detail, segment_number=number, tag=tag) from None
    return b"".join(parts)
