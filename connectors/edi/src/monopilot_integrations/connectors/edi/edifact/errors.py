"""The one exception type of the EDIFACT layer, and the validation finding.

Everything that can go wrong while reading, validating or writing EDIFACT surfaces as an
:class:`EdifactError` with a stable machine ``code`` (stored with the message, shown to
admins, mapped onto CONTRL syntax error codes) and the position of the fault, so a partner
can be told *where* their interchange is broken, not only that it is.

Codes (see ``docs/edi-syntax.md``):

``NOT_EDIFACT``     the bytes hold no UNA/UNB at all
``UNA``             a malformed service string advice (UNA)
``CHARSET``         bytes or characters outside the syntax identifier's repertoire, or an
                    unknown / unsupported syntax identifier
``SYNTAX``          tokenizer-level faults: unterminated segment, bad tag, dangling release
                    character, an element too long for the service segment
``ENVELOPE``        UNB/UNZ/UNH/UNT missing, out of place or malformed
``UNZ_COUNT``       UNZ 0036 differs from the number of messages
``UNZ_REFERENCE``   UNZ 0020 differs from UNB 0020
``UNT_COUNT``       UNT 0074 differs from the number of segments UNH..UNT
``UNT_REFERENCE``   UNT 0062 differs from UNH 0062
``STRUCTURE``       a segment out of order, or the message ends where more is required
``MANDATORY``       a mandatory segment or group is missing
``REPEAT``          a segment or group occurs more often than the directory allows
``UNKNOWN_SEGMENT`` a tag the message type does not define at all
``QUALIFIER``       a qualifier or code that matters has a value not allowed there
``VALUE``           a mandatory data element is empty, or a value has the wrong form
``UNSUPPORTED``     a message type or directory we have no structure for
``LIMIT``           more interchanges in one file than we read (the rest is one error)
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR_CODES: frozenset[str] = frozenset(
    {
        "NOT_EDIFACT",
        "UNA",
        "CHARSET",
        "SYNTAX",
        "ENVELOPE",
        "UNZ_COUNT",
        "UNZ_REFERENCE",
        "UNT_COUNT",
        "UNT_REFERENCE",
        "STRUCTURE",
        "MANDATORY",
        "REPEAT",
        "UNKNOWN_SEGMENT",
        "QUALIFIER",
        "VALUE",
        "UNSUPPORTED",
        "LIMIT",
    }
)


def _locate(segment_number: int | None, tag: str | None, detail: str) -> str:
    if segment_number is not None and tag:
        return f"segment {segment_number} ({tag}): {detail}"
    if segment_number is not None:
        return f"segment {segment_number}: {detail}"
    if tag:
        return f"{tag}: {detail}"
    return detail


class EdifactError(Exception):
    """The only exception type that leaves the EDIFACT package.

    ``str(err)`` is the precise human text, prefixed with the position, e.g.
    ``"segment 14 (QTY): expected LIN or UNS, found QTY"``. ``element`` (1-based data
    element position inside the segment) is set when the fault is inside one element, so
    a CONTRL UCD can point at it.
    """

    code: str
    detail: str
    segment_number: int | None
    tag: str | None
    expected: str | None
    element: int | None

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        segment_number: int | None = None,
        tag: str | None = None,
        expected: str | None = None,
        element: int | None = None,
    ) -> None:
        self.code = code
        self.detail = detail
        self.segment_number = segment_number
        self.tag = tag
        self.expected = expected
        self.element = element
        super().__init__(_locate(segment_number, tag, detail))

    def __repr__(self) -> str:
        return f"EdifactError({self.code!r}, {str(self)!r})"

    def to_issue(self) -> Issue:
        """The same fault as a validation finding (for lists of findings)."""
        return Issue(
            code=self.code,
            message=str(self),
            segment_number=self.segment_number,
            tag=self.tag,
            expected=self.expected,
            element=self.element,
        )


@dataclass(frozen=True)
class Issue:
    """One validation finding. ``message`` already carries the position prefix."""

    code: str
    message: str
    segment_number: int | None
    tag: str | None
    expected: str | None = None
    severity: str = "error"  # "error" | "warning"
    element: int | None = None

    def to_error(self) -> EdifactError:
        """The finding as an exception, for callers that want to raise it."""
        prefix = _locate(self.segment_number, self.tag, "")
        detail = self.message[len(prefix) :] if self.message.startswith(prefix) else self.message
        return EdifactError(
            self.code,
            detail,
            segment_number=self.segment_number,
            tag=self.tag,
            expected=self.expected,
            element=self.element,
        )
