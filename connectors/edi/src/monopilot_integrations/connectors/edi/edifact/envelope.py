"""Interchange and message envelopes: UNB/UNZ, UNG/UNE and UNH/UNT, with their controls.

Takes tokenized segments and builds the :class:`Interchange`, checking what ISO 9735
makes the receiver's job: every message closed by a UNT whose count and reference match
its UNH, a UNZ whose count and reference match, nothing outside a message, and a UNB
whose header fields are present and well formed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .characters import ServiceCharacters
from .errors import EdifactError
from .model import Interchange, Message, Party, Segment

MAX_CONTROL_REFERENCE = 14


def _required(segment: Segment, element: int, component: int, name: str) -> str:
    value = segment.value(element, component)
    if value is None:
        raise EdifactError(
            "ENVELOPE",
            f"{name} is missing",
            segment_number=segment.number,
            tag=segment.tag,
            expected=name,
            element=element,
        )
    return value


def _party(segment: Segment, element: int, name: str) -> Party:
    return Party(
        id=_required(segment, element, 0, f"{name} identification"),
        qualifier=segment.value(element, 1),
        routing=segment.value(element, 2),
    )


def parse_unb_datetime(segment: Segment) -> datetime:
    """UNB S004: date YYMMDD (syntax 1-3) or CCYYMMDD (syntax 4), time HHMM."""
    date = _required(segment, 3, 0, "interchange date (0017)")
    time = _required(segment, 3, 1, "interchange time (0019)")
    if not (date.isdigit() and time.isdigit() and len(date) in (6, 8) and len(time) == 4):
        raise EdifactError(
            "ENVELOPE",
            f"interchange date/time {date}:{time} must be YYMMDD or CCYYMMDD and HHMM",
            segment_number=segment.number,
            tag="UNB",
            element=3,
        )
    if len(date) == 6:
        year = int(date[:2])
        date = f"{2000 + year if year < 70 else 1900 + year}{date[2:]}"
    try:
        return datetime.strptime(date + time, "%Y%m%d%H%M")
    except ValueError:
        raise EdifactError(
            "ENVELOPE",
            f"interchange date/time {date}:{time} is not a real date and time",
            segment_number=segment.number,
            tag="UNB",
            element=3,
        ) from None


def read_header(unb: Segment, raw: bytes, text: str, characters: ServiceCharacters) -> Interchange:
    """The interchange from its UNB alone (messages are added as they are read)."""
    if unb.tag != "UNB":
        raise EdifactError(
            "ENVELOPE",
            "an interchange must start with UNB",
            segment_number=unb.number,
            tag=unb.tag,
            expected="UNB",
        )
    syntax_identifier = _required(unb, 0, 0, "syntax identifier (0001)")
    syntax_version = _required(unb, 0, 1, "syntax version (0002)")
    if syntax_version not in {"1", "2", "3", "4"}:
        raise EdifactError(
            "ENVELOPE",
            f"syntax version must be 1 to 4, found {syntax_version!r}",
            segment_number=unb.number,
            tag="UNB",
            element=0,
        )
    control_reference = _required(unb, 4, 0, "interchange control reference (0020)")
    if len(control_reference) > MAX_CONTROL_REFERENCE:
        raise EdifactError(
            "ENVELOPE",
            f"interchange control reference {control_reference[:20]!r} is longer than"
            f" {MAX_CONTROL_REFERENCE} characters",
            segment_number=unb.number,
            tag="UNB",
            element=4,
        )
    return Interchange(
        syntax_identifier=syntax_identifier,
        syntax_version=syntax_version,
        sender=_party(unb, 1, "sender"),
        recipient=_party(unb, 2, "recipient"),
        prepared_at=parse_unb_datetime(unb),
        control_reference=control_reference,
        application_reference=unb.value(6),
        test=unb.value(10) == "1",
        messages=[],
        raw=raw,
        text=text,
        acknowledgement_requested=unb.value(8) == "1",
        characters=characters,
    )


def _open_message(unh: Segment) -> Message:
    return Message(
        reference=_required(unh, 0, 0, "message reference number (0062)"),
        type=_required(unh, 1, 0, "message type (0065)"),
        version=_required(unh, 1, 1, "message version (0052)"),
        release=_required(unh, 1, 2, "message release (0054)"),
        agency=_required(unh, 1, 3, "controlling agency (0051)"),
        association=unh.value(1, 4),
        segments=[unh],
    )


def _count(segment: Segment, element: int, name: str) -> int:
    value = _required(segment, element, 0, name)
    if not value.isdigit() or len(value) > 10:
        raise EdifactError(
            "ENVELOPE",
            f"{name} must be a number, found {value[:20]!r}",
            segment_number=segment.number,
            tag=segment.tag,
            element=element,
        )
    return int(value)


def _close_message(message: Message, unt: Segment) -> None:
    message.segments.append(unt)
    declared = _count(unt, 0, "number of segments in the message (0074)")
    reference = _required(unt, 1, 0, "message reference number (0062)")
    if declared != len(message.segments):
        raise EdifactError(
            "UNT_COUNT",
            f"UNT declares {declared} segments but message {message.reference} has"
            f" {len(message.segments)} (UNH to UNT inclusive)",
            segment_number=unt.number,
            tag="UNT",
            expected=str(len(message.segments)),
            element=0,
        )
    if reference != message.reference:
        raise EdifactError(
            "UNT_REFERENCE",
            f"UNT reference {reference!r} does not match UNH reference {message.reference!r}",
            segment_number=unt.number,
            tag="UNT",
            expected=message.reference,
            element=1,
        )


@dataclass
class _GroupState:
    ung: Segment
    reference: str
    messages: int = 0


@dataclass
class EnvelopeReader:
    """Feeds segments 2..n of an interchange into ``interchange``, checking as it goes."""

    interchange: Interchange
    open_message: Message | None = None
    group: _GroupState | None = None
    groups: int = 0
    finished: bool = False

    def feed(self, segment: Segment) -> None:
        tag = segment.tag
        if self.finished:
            raise EdifactError(
                "ENVELOPE", "segment after UNZ", segment_number=segment.number, tag=tag
            )
        message = self.open_message
        if message is not None:
            if tag == "UNT":
                _close_message(message, segment)
                self.interchange.messages.append(message)
                self.open_message = None
                if self.group is not None:
                    self.group.messages += 1
            elif tag in {"UNH", "UNZ", "UNG", "UNE", "UNB"}:
                raise EdifactError(
                    "ENVELOPE",
                    f"message {message.reference} ({message.type}) has no UNT before {tag}",
                    segment_number=segment.number,
                    tag=tag,
                    expected="UNT",
                )
            else:
                message.segments.append(segment)
            return
        if tag == "UNH":
            self.open_message = _open_message(segment)
        elif tag == "UNG":
            self._open_group(segment)
        elif tag == "UNE":
            self._close_group(segment)
        elif tag == "UNZ":
            self._close_interchange(segment)
        else:
            expected = "UNH, UNE or UNZ" if self.group else "UNH or UNZ"
            raise EdifactError(
                "ENVELOPE",
                f"segment outside a message: expected {expected}, found {tag}",
                segment_number=segment.number,
                tag=tag,
                expected=expected,
            )

    def _open_group(self, ung: Segment) -> None:
        if self.group is not None or (self.interchange.messages and not self.groups):
            raise EdifactError(
                "ENVELOPE",
                "functional group (UNG) not allowed here",
                segment_number=ung.number,
                tag="UNG",
            )
        self.group = _GroupState(ung, _required(ung, 4, 0, "group reference number (0048)"))

    def _close_group(self, une: Segment) -> None:
        group = self.group
        if group is None:
            raise EdifactError("ENVELOPE", "UNE without UNG", segment_number=une.number, tag="UNE")
        declared = _count(une, 0, "number of messages in the group (0060)")
        if declared != group.messages:
            raise EdifactError(
                "ENVELOPE",
                f"UNE declares {declared} messages but the group has {group.messages}",
                segment_number=une.number,
                tag="UNE",
                expected=str(group.messages),
                element=0,
            )
        reference = _required(une, 1, 0, "group reference number (0048)")
        if reference != group.reference:
            raise EdifactError(
                "ENVELOPE",
                f"UNE reference {reference!r} does not match UNG reference {group.reference!r}",
                segment_number=une.number,
                tag="UNE",
                expected=group.reference,
                element=1,
            )
        self.group = None
        self.groups += 1

    def _close_interchange(self, unz: Segment) -> None:
        if self.group is not None:
            raise EdifactError(
                "ENVELOPE",
                "functional group not closed by UNE before UNZ",
                segment_number=unz.number,
                tag="UNZ",
                expected="UNE",
            )
        declared = _count(unz, 0, "interchange control count (0036)")
        actual = self.groups if self.groups else len(self.interchange.messages)
        what = "functional groups" if self.groups else "messages"
        if declared != actual:
            raise EdifactError(
                "UNZ_COUNT",
                f"UNZ declares {declared} {what} but the interchange has {actual}",
                segment_number=unz.number,
                tag="UNZ",
                expected=str(actual),
                element=0,
            )
        reference = _required(unz, 1, 0, "interchange control reference (0020)")
        if reference != self.interchange.control_reference:
            raise EdifactError(
                "UNZ_REFERENCE",
                f"UNZ reference {reference!r} does not match UNB reference"
                f" {self.interchange.control_reference!r}",
                segment_number=unz.number,
                tag="UNZ",
                expected=self.interchange.control_reference,
                element=1,
            )
        self.finished = True

    def finish(self, next_number: int) -> None:
        """The input ended: everything opened must have been closed."""
        if self.open_message is not None:
            raise EdifactError(
                "ENVELOPE",
                f"message {self.open_message.reference} has no UNT",
                segment_number=next_number,
                expected="UNT",
            )
        if not self.finished:
            raise EdifactError(
                "ENVELOPE",
                "interchange has no UNZ",
                segment_number=next_number,
                expected="UNZ",
            )
