"""The six service characters of ISO 9735 (the UNA service string advice).

Defaults (level A/B/C syntax, no UNA needed): component ``:``, element ``+``, decimal
mark ``.``, release ``?``, reserved (syntax 3) / repetition (syntax 4) `` `` or ``*``,
segment terminator ``'``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import EdifactError


@dataclass(frozen=True)
class ServiceCharacters:
    """The separators in force for one interchange."""

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    reserved: str = " "
    terminator: str = "'"

    @classmethod
    def from_una(cls, una: str) -> ServiceCharacters:
        """Read the 9 characters ``UNA:+.? '``; refuse ambiguous separators."""
        if len(una) != 9 or not una.startswith("UNA"):
            raise EdifactError("UNA", f"UNA must be 'UNA' plus 6 characters, found {una!r}")
        chars = cls(*una[3:9])
        chars.check()
        return chars

    def check(self) -> None:
        """Separators must be distinct, printable and not letters or digits."""
        separators = (self.component, self.element, self.release, self.terminator)
        if len(set(separators)) != len(separators):
            raise EdifactError(
                "UNA", f"UNA separators must be distinct, found {self.una_string()!r}"
            )
        for char in separators:
            if char.isalnum() or (not char.isprintable() and char not in "\r\n\t\x1c\x1d\x1f"):
                raise EdifactError(
                    "UNA", f"UNA separator {char!r} is not usable in {self.una_string()!r}"
                )

    @property
    def is_default(self) -> bool:
        """True when no UNA is needed to announce these characters."""
        return (self.component, self.element, self.release, self.terminator) == (
            ":",
            "+",
            "?",
            "'",
        ) and self.decimal in ".,"

    def una_string(self) -> str:
        return (
            "UNA"
            + self.component
            + self.element
            + self.decimal
            + self.release
            + self.reserved
            + self.terminator
        )


DEFAULT_CHARACTERS = ServiceCharacters()
