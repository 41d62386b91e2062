"""Rows of an import file (CSV or JSON) as ``(row number, {column: value})``.

Row numbers are what a person sees: in a CSV the header is row 1 and the first product
row 2 (a spreadsheet's numbering, also for fields spanning lines and for blank lines
before the header, which are skipped); in JSON the first object is row 1. Column names
are matched without case and surrounding spaces. What makes the whole file unreadable
(empty, no rows, a header with unknown, missing or repeated columns, broken CSV quoting,
JSON that does not parse, nests too deeply or is not an array) is a
:class:`FileProblem`; what concerns one row is reported with that row, a JSON object's
repeated field too (``json.loads`` alone would keep only its last value).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from monopilot_integrations.connectors.files.imports.columns import BY_NAME, REQUIRED
from monopilot_integrations.connectors.files.imports.problems import (
    FileProblem,
    RowError,
    row_error,
)

DELIMITERS = (",", ";", "\t", "|")
#: A cell longer than this is refused (the csv module's limit, raised from 128 KiB).
FIELD_LIMIT = 1024 * 1024

csv.field_size_limit(min(FIELD_LIMIT, sys.maxsize))

Row = tuple[int, dict[str, Any], list[RowError]]


def column_key(name: str) -> str:
    return name.strip().lower()


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of the usual delimiters in the header line (``,`` on a tie)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def check_header(names: list[str], row: int = 1) -> list[str]:
    """The header's column keys; a FileProblem listing every problem with them (``row``:
    the header's row number)."""
    keys = [column_key(n) for n in names]
    errors: list[RowError] = []
    seen: set[str] = set()
    for index, (name, key) in enumerate(zip(names, keys, strict=True), start=1):
        if not key:
            errors.append(row_error(row, None, name, f"column {index} has no name"))
        elif key not in BY_NAME:
            known = ", ".join(BY_NAME)
            errors.append(row_error(row, name, name, f"unknown column; known: {known}"))
        elif key in seen:
            errors.append(row_error(row, name, name, "the column appears twice"))
        seen.add(key)
    for required in REQUIRED:
        if required not in seen:
            errors.append(row_error(row, required, None, "required column is missing"))
    if errors:
        summary = "; ".join(
            f"{e['column'] or e['value']}: {e['message'].split(';')[0]}" for e in errors[:5]
        )
        raise FileProblem(422, "bad-columns", f"the header does not fit: {summary}", errors)
    return keys


def _first_line(text: TextIO) -> str | None:
    """The first line that is not blank (the header), ``None`` when there is none."""
    for line in text:
        if line.strip():
            return line
    return None


def read_csv(path: Path, delimiter: str | None = None) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig", newline="") as text:
        first = _first_line(text)
        if first is None:
            raise FileProblem(422, "empty-file", "the file is empty")
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter or sniff_delimiter(first), strict=True)
        number = 0
        try:
            # Blank lines before the header are skipped; rows keep their spreadsheet numbers.
            header: list[str] = []
            for header in reader:
                number += 1
                if any(f.strip() for f in header):
                    break
            else:  # only delimiters and blanks: no column named (check_header says which)
                header = []
            keys = check_header(header, number)
            width = len(keys)
            any_row = False
            for fields in reader:
                number += 1
                if not any(f.strip() for f in fields):
                    continue  # blank line
                any_row = True
                if len(fields) != width:
                    message = f"has {len(fields)} fields, the header has {width}"
                    yield number, {}, [row_error(number, None, None, message)]
                    continue
                yield number, dict(zip(keys, fields, strict=True)), []
        except csv.Error as exc:
            raise FileProblem(
                422,
                "unreadable-csv",
                f"the CSV cannot be read at row {number + 1}: {exc} (check the quotes)",
                [row_error(number + 1, None, None, str(exc))],
            ) from None
    if not any_row:
        raise FileProblem(422, "no-rows", "the file has a header but no product rows")


class JsonFields(dict[str, Any]):
    """A JSON object's fields, and the names it repeats (``json.loads`` keeps only the last
    value of a repeated name; the import reports it instead of dropping the others)."""

    repeated: tuple[str, ...] = ()


def _fields(pairs: list[tuple[str, Any]]) -> JsonFields:
    fields = JsonFields(pairs)
    if len(fields) < len(pairs):
        seen: set[str] = set()
        repeated = []
        for name, _ in pairs:
            if name in seen:
                repeated.append(name)
            seen.add(name)
        fields.repeated = tuple(repeated)
    return fields


def _load_json(content: bytes) -> Any:
    text = content.decode("utf-8-sig")  # checked as UTF-8 when it was received
    try:
        return json.loads(text, object_pairs_hook=_fields)
    except json.JSONDecodeError as exc:
        raise FileProblem(
            422,
            "unreadable-json",
            f"the JSON cannot be read: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            [row_error(exc.lineno, None, None, exc.msg)],
        ) from None
    except RecursionError:
        raise FileProblem(
            422,
            "unreadable-json",
            "the JSON cannot be read: its arrays or objects are nested too deeply "
            "(an import file is an array of flat objects)",
        ) from None
    except ValueError:  # an integer past Python's conversion limit (4300 digits)
        raise FileProblem(
            422,
            "unreadable-json",
            f"the JSON cannot be read: a number has more than {sys.get_int_max_str_digits()} "
            "digits",
        ) from None


def read_json(path: Path) -> Iterator[Row]:
    with path.open("rb") as raw:
        content = raw.read()
    if not content.strip(b"\xef\xbb\xbf \t\r\n"):
        raise FileProblem(422, "empty-file", "the file is empty")
    data = _load_json(content)
    del content
    if not isinstance(data, list):
        raise FileProblem(422, "unreadable-json", "the JSON must be an array of product objects")
    if not data:
        raise FileProblem(422, "no-rows", "the array holds no products")
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            yield number, {}, [row_error(number, None, None, "is not an object")]
            continue
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        for name in getattr(item, "repeated", ()):
            errors.append(row_error(number, name, None, "the field appears twice"))
        for name, value in item.items():
            key = column_key(str(name))
            if key not in BY_NAME:
                errors.append(row_error(number, str(name), None, "unknown field"))
            elif key in values:  # the same column spelled twice ("code" and "Code")
                errors.append(row_error(number, str(name), value, "the field appears twice"))
            else:
                values[key] = value
        yield number, values, errors


def read_rows(path: Path, file_format: str, delimiter: str | None = None) -> Iterator[Row]:
    return read_json(path) if file_format == "json" else read_csv(path, delimiter)


def count_rows(path: Path, file_format: str) -> int | None:
    """About how many rows the file has (for a progress bar): lines minus the header."""
    if file_format != "csv":
        return None
    lines = 0
    with path.open("rb") as raw:
        while chunk := raw.read(1024 * 1024):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)
