"""Import files for the fuzz tests, each with what it must give.

A *planted* file is built from rows whose fate is known: a clean row (every cell valid)
must be accepted, a row with a planted bad cell must be reported with its row number and
that column, a row with wild cells (arbitrary text) must be one or the other. The file is
then written as CSV (any delimiter, line end, quoting, BOM, column order, blank lines) or
JSON (numbers or strings, repeated fields, nesting), and sometimes mutated byte by byte,
after which only the accounting is known. :func:`read_import` is the import's parser and
validator as the API and the CLI run them, without a database.
"""

from __future__ import annotations

import functools
import json
import string
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from monopilot_integrations.connectors.files.imports.checks import gtin_check_digit_ok
from monopilot_integrations.connectors.files.imports.columns import COLUMNS, REQUIRED, UNITS
from monopilot_integrations.connectors.files.imports.problems import FileProblem
from monopilot_integrations.connectors.files.imports.upload import from_path
from monopilot_integrations.connectors.files.imports.validate import ImportReport, valid_batches

NAMES = [c.name for c in COLUMNS]
OPTIONAL = [n for n in NAMES if n not in REQUIRED]
#: The kinds of FileProblem the import documents (docs/files.md, "Bad files").
FILE_PROBLEMS = {
    "wrong-encoding": 422,
    "empty-file": 422,
    "no-rows": 422,
    "bad-columns": 422,
    "unreadable-csv": 422,
    "unreadable-json": 422,
    "file-too-large": 413,
    "unsupported-file": 415,
    "unknown-format": 422,
}
FORMULAS = ("=", "+", "-", "@")

#: Cells every row check must refuse, by column: (CSV text, JSON value).
BAD_CELLS: dict[str, list[Any]] = {
    "code": [
        "=cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "+48 600 000 000",
        "-2+3",
        '=HYPERLINK("http://x","y")',
        "A" * 65,
        "A\x00B",
        "tab\tinside",
        "line\nbreak",
        "",
        5,
        ["A"],
        None,
    ],
    "name": ["x" * 256, "=1+1", "bell\x07", "\x7f", "", {"pl": "Chleb"}, True],
    "unit": ["barrels", "k g", "", "KG\x00", 3],
    "price": [
        "abc",
        "-1",
        "1.23456",
        "12,50",
        "NaN",
        "Infinity",
        "-Infinity",
        "1e309",
        "1e-999999999",
        "1.00000000000000000000000000001",
        "100000000000000",
        "0x10",
        "\u0661\u0662\u066b\u0665",  # Arabic-Indic 12.5
        "",
        True,
        [1],
        {"amount": 1},
    ],
    "vat_rate": ["101", "-0.5", "5%", "1e3", "", "sNaN"],
    "gtin": [
        "5901234123450",
        "590123412345",
        "²²²²²²²²",
        "".join(chr(0x660 + int(d)) for d in "5901234123457"),
        "5901234 12345",
        59012,
    ],
    "currency": ["euro", "ZŁ1", "E", "PLNN", "€€€", 978],
    "reorder_level": ["-1", "lots", "1.00001", "nan"],
    "active": ["maybe", "2", "prawda", 1.5, [True]],
}
#: Whole values a JSON file can hold that CSV cannot (the JSON text, verbatim).
JSON_ONLY_BAD = {
    "code": ['"\\ud800"', '"A\\u0000"'],
    "price": ["NaN", "Infinity", "-Infinity", "1e309", "-0.5", "1.00001", "1E+15"],
    "vat_rate": ["1e400", "100.00001"],
}
#: Inserted into files by the byte mutations.
INTERESTING = [
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",
    b'"',
    b",",
    b";",
    b"\t",
    b"|",
    b"\r",
    b"\n",
    b"\r\n",
    b"=cmd|' /C calc'!A0",
    b"[",
    b"{",
    b"]",
    b"}",
    b'"\\ud800"',
    b"\\u0000",
    b"NaN",
    b"1e309",
    b"9" * 40,
    b'<!ENTITY lol "lol">',
    b"code",
    b"PK\x03\x04",
]


@dataclass
class Planted:
    """A file, its format, and the fates of its rows (row number -> fate)."""

    body: bytes
    #: The format the request names (``?format=``); ``None``: detected from the content.
    format: str | None
    delimiter: str | None = None
    #: Rows that must be accepted: row number -> code.
    clean: dict[int, str] = field(default_factory=dict)
    #: Rows that must be rejected: row number -> a column that must carry an error
    #: (``None``: the row as a whole, e.g. a wrong number of fields).
    bad: dict[int, str | None] = field(default_factory=dict)
    #: Rows that may go either way.
    wild: set[int] = field(default_factory=set)
    #: Set when the file as a whole must be refused: the FileProblem kinds allowed.
    refused: frozenset[str] | None = None
    #: False once the bytes were mutated: only the accounting is known.
    known: bool = True

    @property
    def rows(self) -> int:
        return len(self.clean) + len(self.bad) + len(self.wild)


@dataclass
class Outcome:
    """What the import's parser and validator made of a file."""

    problem: FileProblem | None
    report: ImportReport
    accepted: list[dict[str, Any]]


def read_import(
    body: bytes, *, file_format: str | None, delimiter: str | None, max_errors: int = 10_000
) -> Outcome:
    """The file through ``from_path`` (size, UTF-8, format) and ``valid_batches`` (rows,
    checks, duplicates), as validate and execute run them."""
    report = ImportReport()
    with tempfile.TemporaryDirectory(prefix="import-fuzz-") as folder:
        path = Path(folder) / "products.upload"
        path.write_bytes(body)
        try:
            upload = from_path(path, 64 * 1024 * 1024, file_format)
            accepted = [
                fields
                for batch in valid_batches(
                    upload, report, max_errors=max_errors, delimiter=delimiter
                )
                for fields in batch
            ]
        except FileProblem as problem:
            return Outcome(problem, report, [])
    return Outcome(None, report, accepted)


# --- cells ------------------------------------------------------------------------------
# Strategies are built once, here: building them inside every draw costs more than the
# import itself and would make the nightly budget take hours.


@functools.lru_cache(maxsize=4096)
def pick(*values: Any) -> st.SearchStrategy[Any]:
    """``sampled_from(values)``, made once per set of values."""
    return st.sampled_from(values)


@functools.lru_cache(maxsize=4096)
def between(low: int, high: int) -> st.SearchStrategy[int]:
    """``integers(low, high)``, made once per range."""
    return st.integers(low, high)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
BOOLEANS = st.booleans()


def clean_text(draw: st.DrawFn, limit: int) -> str:
    """Text a check takes as is: no control character, no formula start."""
    text = draw(_TEXT).strip()[: limit - 1]
    if not text or text.startswith(FORMULAS):
        text = "P" + text[: limit - 2]
    return text


def _complete_gtin(body: str) -> str:
    return next(body + d for d in string.digits if gtin_check_digit_ok(body + d))


GTINS = st.one_of(*(st.text("0123456789", min_size=n, max_size=n) for n in (7, 11, 12, 13))).map(
    _complete_gtin
)
_DECIMALS = {
    limit: st.decimals(min_value=0, max_value=limit, places=4, allow_nan=False)
    for limit in (100, 10**6, 10**12)
}
_NUMBER_TEXT = st.sampled_from(["{:f}", "{:.4f}", "0{:f}", " {:f} "])
_UNIT = st.sampled_from(UNITS)
_UNIT_SPELLING = st.sampled_from(["{}", "{}", "upper", " {}"])
_CURRENCY = st.text(string.ascii_letters, min_size=3, max_size=3)
_BOOLEAN_TEXT = ["true", "false", "Yes", "n", "1", "0", "TAK", "nie"]
_ACTIVE = {
    False: st.sampled_from(_BOOLEAN_TEXT),
    True: st.sampled_from([*_BOOLEAN_TEXT, True, False]),
}


def number_cell(draw: st.DrawFn, limit: int, as_json: bool) -> Any:
    value = draw(_DECIMALS[limit])
    if as_json and draw(BOOLEANS) and value < 10**9:
        return int(value) if value == int(value) else float(value)
    return draw(_NUMBER_TEXT).format(value)


def clean_row(draw: st.DrawFn, code: str, as_json: bool) -> dict[str, Any]:
    unit = draw(_UNIT)
    spelling = draw(_UNIT_SPELLING)
    row: dict[str, Any] = {
        "code": code,
        "name": clean_text(draw, 255),
        "unit": unit.upper() if spelling == "upper" else spelling.format(unit),
        "price": number_cell(draw, 10**12, as_json),
        "vat_rate": number_cell(draw, 100, as_json),
    }
    for name in OPTIONAL:
        if draw(BOOLEANS):
            continue
        if name == "gtin":
            row[name] = draw(GTINS)
        elif name == "currency":
            row[name] = draw(_CURRENCY)
        elif name == "reorder_level":
            row[name] = number_cell(draw, 10**6, as_json)
        else:
            row[name] = draw(_ACTIVE[as_json])
    return row


def csv_cell(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else json.dumps(value))


# --- rows ---------------------------------------------------------------------------------


@dataclass
class PlannedRow:
    """One row's cells (column -> value; absent: not written) and its fate."""

    cells: dict[str, Any]
    fate: str  # "clean", "bad", "wild"
    column: str | None = None  # for "bad": a column that must carry an error
    raw: dict[str, str] = field(default_factory=dict)  # JSON only: column -> JSON text


_ROW_COUNT = st.integers(0, 8)
ROW_KINDS = st.sampled_from(["clean", "clean", "bad", "wild", "duplicate", "gap"])
_PADDING = st.sampled_from(["", " "])
_BAD = {
    as_json: {
        column: st.sampled_from([v for v in values if as_json or isinstance(v, str)])
        for column, values in BAD_CELLS.items()
    }
    for as_json in (False, True)
}
_RAW_BAD = {column: st.sampled_from(texts) for column, texts in JSON_ONLY_BAD.items()}
_WILD_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_WILD = {
    False: _WILD_TEXT,
    True: st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | _WILD_TEXT,
        lambda inner: st.lists(inner, max_size=3),
        max_leaves=5,
    ),
}
_WILD_COLUMNS = st.lists(st.sampled_from([c for c in NAMES if c != "code"]), max_size=4)


#: Row kinds of files meant to import (all clean, some codes already stored).
IMPORTABLE = pick("clean", "clean", "clean", "existing", "gap")


@st.composite
def planned_rows(
    draw: st.DrawFn,
    columns: list[str],
    as_json: bool,
    kinds: st.SearchStrategy[str] = ROW_KINDS,
    existing: tuple[str, ...] = (),
) -> list[PlannedRow | None]:
    """Rows for a file with these columns; ``None`` is a blank line (CSV) or a value that
    is not an object (JSON). ``existing``: codes of stored products, for updates."""
    rows: list[PlannedRow | None] = []
    codes: list[str] = []
    for index in range(draw(_ROW_COUNT)):
        kind = draw(kinds)
        if kind == "gap":
            rows.append(None)
            continue
        code = f"{clean_text(draw, 50)}-{index}"
        if kind == "existing" and existing:
            stored = draw(pick(*existing))
            code = stored if stored not in codes else code
        cells = {k: v for k, v in clean_row(draw, code, as_json).items() if k in columns}
        row = PlannedRow(cells, "clean")
        if kind == "duplicate" and codes:
            row.cells["code"] = draw(pick(*codes)) + draw(_PADDING)
            row.fate, row.column = "bad", "code"
        elif kind == "bad":
            column = draw(pick(*columns))
            if as_json and column in _RAW_BAD and draw(BOOLEANS):
                row.cells.pop(column, None)
                row.raw[column] = draw(_RAW_BAD[column])
            else:
                row.cells[column] = draw(_BAD[as_json][column])
            row.fate, row.column = "bad", column
        elif kind == "wild":
            for column in draw(_WILD_COLUMNS):
                if column in columns:
                    row.cells[column] = draw(_WILD[as_json])
            row.fate = "wild"
        else:
            codes.append(code)
        rows.append(row)
    return rows
