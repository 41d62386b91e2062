"""The one exception of a file that cannot be imported at all, and the shape of an error.

A :class:`FileProblem` is about the whole file (too large, not UTF-8, empty, a header that
does not fit); the routes answer it with problem details, the CLI prints it. Errors about
single rows are :data:`RowError` entries in a report instead.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict

from monopilot_integrations.core.storable import printable

#: The longest cell value quoted back in an error.
VALUE_LIMIT = 100


class RowError(TypedDict):
    row: int | None
    column: str | None
    value: str | None
    message: str


def row_error(row: int | None, column: str | None, value: Any, message: str) -> RowError:
    """An error quoting at most :data:`VALUE_LIMIT` characters of the value; a NUL or an
    unpaired surrogate (from a JSON escape) is quoted as U+FFFD, so the answer and the log
    row can always be written."""
    text = None if value is None else str(value)
    if text is not None and len(text) > VALUE_LIMIT:
        text = text[:VALUE_LIMIT] + "..."
    return {
        "row": row,
        "column": None if column is None else printable(column),
        "value": None if text is None else printable(text),
        "message": message,
    }


class FileProblem(Exception):
    """The file cannot be imported: ``status`` (413, 415 or 422), a ``kind`` for the
    problem type, and the errors that say where."""

    def __init__(
        self, status: int, kind: str, message: str, errors: list[RowError] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.errors = errors or []
