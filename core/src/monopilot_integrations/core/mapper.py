"""Mappers: pure conversions between MonoPilot records and an external format."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

Internal = TypeVar("Internal")
External = TypeVar("External")


class Mapper(Generic[Internal, External]):
    """Convert one kind of record to and from one external format.

    Set ``format`` and ``record_kind``; override ``to_external`` and/or ``to_internal``.
    Mappers do no I/O: everything they need arrives as arguments, so they are tested with
    plain values. A direction that makes no sense for a format stays unimplemented and says
    so when called.
    """

    format: ClassVar[str]
    record_kind: ClassVar[str]

    @property
    def key(self) -> tuple[str, str]:
        return (self.format, self.record_kind)

    def to_external(self, record: Internal) -> External:
        raise NotImplementedError(
            f"mapper {self.key} does not convert MonoPilot records to {self.format}"
        )

    def to_internal(self, external: External) -> Internal:
        raise NotImplementedError(
            f"mapper {self.key} does not convert {self.format} to MonoPilot records"
        )
