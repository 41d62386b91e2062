"""The parsed shape of EDIFACT: segments, messages, interchanges, and what the writer takes.

Plain data, free of pydifact and of the database, so mappers can be tested on hand-made
values. Positions are 1-based interchange segment numbers (UNA not counted), the numbers a
partner sees in their own tools and in our CONTRL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .characters import DEFAULT_CHARACTERS, ServiceCharacters
from .errors import EdifactError

Element = str | tuple[str, ...]
"""A simple data element, or a composite's components."""


@dataclass(frozen=True)
class Segment:
    """One segment; ``elements`` excludes the tag."""

    tag: str
    elements: tuple[Element, ...]
    number: int

    def value(self, element: int, component: int = 0) -> str | None:
        """Element ``element``'s component ``component`` (both 0-based); absent or '' -> None.

        A simple element answers for component 0 only.
        """
        if element < 0 or component < 0 or element >= len(self.elements):
            return None
        item = self.elements[element]
        if isinstance(item, str):
            text = item if component == 0 else ""
        else:
            text = item[component] if component < len(item) else ""
        return text or None

    @property
    def qualifier(self) -> str | None:
        """The first component of the first element: the qualifier of DTM, NAD, QTY, ..."""
        return self.value(0, 0)

    def components(self, element: int) -> tuple[str, ...]:
        """Element ``element`` as a tuple of components, simple or not; () when absent."""
        if element < 0 or element >= len(self.elements):
            return ()
        item = self.elements[element]
        return (item,) if isinstance(item, str) else item


@dataclass(frozen=True)
class Party:
    """An interchange sender or recipient (UNB S002 / S003)."""

    id: str
    qualifier: str | None = None
    routing: str | None = None


def _matches(segment: Segment, tag: str, qualifier: str | None) -> bool:
    return segment.tag == tag and (qualifier is None or segment.qualifier == qualifier)


@dataclass
class Message:
    """One UNH..UNT message, ``segments`` inclusive of UNH and UNT."""

    reference: str
    type: str
    version: str
    release: str
    agency: str
    association: str | None
    segments: list[Segment]

    @property
    def directory(self) -> str:
        """The directory name, e.g. ``"D96A"`` for version D release 96A."""
        return f"{self.version}{self.release}".upper()

    def find(self, tag: str, qualifier: str | None = None) -> Segment | None:
        """The first segment with ``tag`` (and qualifier, the first component of element 0)."""
        for segment in self.segments:
            if _matches(segment, tag, qualifier):
                return segment
        return None

    def find_all(self, tag: str, qualifier: str | None = None) -> list[Segment]:
        return [segment for segment in self.segments if _matches(segment, tag, qualifier)]

    def groups(self, trigger: str) -> list[list[Segment]]:
        """Each occurrence of the group started by ``trigger`` with the segments it holds.

        The extent of a group comes from the message directory when the type is known
        (so a LIN group in DESADV stops at the next CPS); otherwise a group runs until the
        next trigger or the section control (UNS, CNT, UNT).
        """
        from .structure import group_member_tags  # local: structure imports this module

        members = group_member_tags(self.directory, self.type, trigger)
        stoppers = {"UNS", "UNT", "CNT"}
        result: list[list[Segment]] = []
        current: list[Segment] | None = None
        for segment in self.segments:
            if segment.tag == trigger:
                current = [segment]
                result.append(current)
            elif current is not None:
                inside = segment.tag in members if members is not None else True
                if inside and not (members is None and segment.tag in stoppers):
                    current.append(segment)
                else:
                    current = None
        return result


@dataclass
class Interchange:
    """One UNB..UNZ interchange with its messages, as received."""

    syntax_identifier: str
    syntax_version: str
    sender: Party
    recipient: Party
    prepared_at: datetime
    control_reference: str
    application_reference: str | None
    test: bool
    messages: list[Message]
    raw: bytes
    text: str
    acknowledgement_requested: bool = False
    characters: ServiceCharacters = DEFAULT_CHARACTERS


@dataclass
class ReadResult:
    """One interchange found in a file.

    Exactly one of ``interchange`` (read and envelope-checked) and ``error`` is set.
    When ``error`` is set, ``partial`` holds what could be read (at least the UNB header,
    when it was readable) so a rejecting CONTRL can be addressed; never process it.
    """

    raw: bytes
    interchange: Interchange | None
    error: EdifactError | None
    partial: Interchange | None = None


@dataclass
class OutMessage:
    """What the writer turns into UNH..UNT: the body segments only."""

    type: str
    reference: str
    version: str = "D"
    release: str = "96A"
    agency: str = "UN"
    association: str | None = "EAN008"
    segments: list[tuple[str, tuple[Element, ...]]] = field(default_factory=list)

    @property
    def directory(self) -> str:
        return f"{self.version}{self.release}".upper()


__all__ = [
    "EdifactError",
    "Element",
    "Interchange",
    "Message",
    "OutMessage",
    "Party",
    "ReadResult",
    "Segment",
]
