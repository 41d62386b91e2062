"""Import files laid out for the fuzz tests: planted CSV and JSON files, files broken as a
whole (a header that does not fit, JSON that is not an array or nests too deep, XML with
entities), byte-mutated files and arbitrary bytes. See :mod:`.import_fuzz_files` for the
rows and what each file must give."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import strategies as st

from monopilot_integrations.connectors.files.imports.columns import REQUIRED
from monopilot_integrations.core.storable import printable

from .import_fuzz_files import (
    BOOLEANS,
    INTERESTING,
    NAMES,
    OPTIONAL,
    ROW_KINDS,
    PlannedRow,
    Planted,
    between,
    csv_cell,
    pick,
    planned_rows,
)


@st.composite
def header_names(draw: st.DrawFn, broken: bool) -> tuple[list[str], frozenset[str] | None]:
    """The columns of a file, in order (optional ones dropped, all shuffled), and the
    FileProblem kinds when the header is ``broken`` on purpose (sometimes)."""
    kept = REQUIRED + tuple(n for n in OPTIONAL if draw(BOOLEANS))
    columns = draw(st.permutations(list(kept)))
    breaks = draw(pick(*[None] * 6, "drop", "twice", "unknown", "unnamed")) if broken else None
    if breaks == "drop":
        columns.remove(draw(pick(*REQUIRED)))
    elif breaks == "twice":
        columns.insert(draw(between(0, len(columns))), draw(pick(*columns)))
    elif breaks in ("unknown", "unnamed"):
        name = "colour" if breaks == "unknown" else " "
        columns.insert(draw(between(0, len(columns))), name)
    return columns, None if breaks is None else frozenset({"bad-columns"})


_SPELLING = pick("{}", "{}", "upper", " {} ", "title")


def _spelled(draw: st.DrawFn, name: str) -> str:
    spelling = draw(_SPELLING)
    if spelling in ("upper", "title"):
        return str(getattr(name, spelling)())
    return spelling.format(name)


@st.composite
def planted_csv(
    draw: st.DrawFn, kinds: st.SearchStrategy[str] | None = None, existing: tuple[str, ...] = ()
) -> Planted:
    """A CSV file; ``kinds``: the row kinds to draw from (and then the header fits)."""
    columns, refused = draw(header_names(broken=kinds is None))
    names = sorted({c for c in columns if c in NAMES}, key=NAMES.index)
    rows = draw(planned_rows(names, False, kinds if kinds is not None else ROW_KINDS, existing))
    delimiter = draw(pick(",", ";", "\t", "|"))
    end = draw(pick("\r\n", "\n", "\r"))
    quoting = draw(pick(csv.QUOTE_MINIMAL, csv.QUOTE_ALL))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=end, quoting=quoting)
    # csv.writer leaves a lone "\r" unquoted when the line end is "\n": quote such rows.
    quoted = csv.writer(buffer, delimiter=delimiter, lineterminator=end, quoting=csv.QUOTE_ALL)
    number = draw(between(0, 2))  # blank lines before the header
    buffer.write(end * number)
    writer.writerow([_spelled(draw, c) for c in columns])
    number += 1
    asked = draw(pick(None, "csv"))
    planted = Planted(b"", asked, draw(pick(None, delimiter)), refused=refused)
    for row in rows:
        number += 1
        if row is None:
            buffer.write(draw(pick("", " ", delimiter * 3)) + end)
            continue
        cells = [csv_cell(row.cells.get(c, "")) for c in columns]
        if row.fate == "wild" and draw(BOOLEANS):  # a field too many or too few
            last_is_code = columns[-1] == "code"  # dropped, the row could be blank
            cells = cells[:-1] if draw(BOOLEANS) and not last_is_code else [*cells, "x"]
            row.fate, row.column = "bad", None
        if any("\r" in cell or "\n" in cell for cell in cells):
            quoted.writerow(cells)
        else:
            writer.writerow(cells)
        if refused is None:  # a broken header: the file is refused, its rows unread
            _record(planted, number, row)
    if kinds is None and draw(between(0, 19)) == 0:  # a field past the 1 MiB limit
        writer.writerow(["x" * (1024 * 1024 + 1)] + [""] * (len(columns) - 1))
        planted.refused = planted.refused or frozenset({"unreadable-csv"})
    text = buffer.getvalue()
    if draw(BOOLEANS):
        text = text.removesuffix(end)  # no line end after the last row
    bom = draw(pick("", "\ufeff"))
    planted.body = (bom + text).encode()
    if planted.refused is None and not planted.rows:
        planted.refused = frozenset({"no-rows"})
    return planted


def _record(planted: Planted, number: int, row: PlannedRow) -> None:
    if row.fate == "clean":
        planted.clean[number] = row.cells["code"]
    elif row.fate == "bad":
        planted.bad[number] = row.column
    else:
        planted.wild.add(number)


@st.composite
def planted_json(
    draw: st.DrawFn, kinds: st.SearchStrategy[str] | None = None, existing: tuple[str, ...] = ()
) -> Planted:
    """A JSON file; ``kinds`` as for :func:`planted_csv` (and then no field is amiss)."""
    rows = draw(planned_rows(NAMES, True, kinds if kinds is not None else ROW_KINDS, existing))
    if kinds is not None:  # a file meant to import: no item that is not an object
        rows = [row for row in rows if row is not None]
    ascii_only = draw(BOOLEANS)
    planted = Planted(b"", draw(pick(None, "json")), None)
    items: list[str] = []
    for number, row in enumerate(rows, start=1):
        if row is None:
            items.append(draw(pick("5", '"x"', "[]", "null", "true", "[{}]")))
            planted.bad[number] = None
            continue
        fields = [
            (_spelled(draw, k), json.dumps(v, ensure_ascii=ascii_only))
            for k, v in row.cells.items()
        ]
        fields += [(k, text) for k, text in row.raw.items()]
        extra = draw(pick(*[None] * 8, "missing", "unknown", "repeated")) if kinds is None else None
        if row.fate == "clean" and extra == "missing":
            # Not the code: a later row repeating it would then be no duplicate.
            missing = draw(pick(*(n for n in REQUIRED if n != "code")))
            fields = [f for f in fields if f[0].strip().lower() != missing]
            row.fate, row.column = "bad", missing
        elif row.fate == "clean" and extra == "unknown":
            # An unknown name, sometimes one no database stores (an unpaired surrogate).
            unknown = draw(pick("colour", "\ud800", "co\x00de"))
            fields.append((unknown, '"red"'))
            row.fate, row.column = "bad", printable(unknown)
        elif row.fate == "clean" and extra == "repeated":
            name, text = draw(st.sampled_from(fields))
            fields.append((draw(pick(name, name.upper())), text))
            row.fate, row.column = "bad", name.strip().lower()
        fields = draw(st.permutations(fields))
        items.append("{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in fields) + "}")
        _record(planted, number, row)
    space = draw(pick("", " ", "\n", "\r\n  "))
    text = "[" + space + ("," + space).join(items) + space + "]"
    planted.body = (draw(pick("", "\ufeff")) + text).encode()
    if not rows:
        planted.refused = frozenset({"no-rows"})
    return planted


#: JSON files refused as a whole.
BAD_JSON = [
    (b"{}", "unreadable-json"),
    (b'{"products": []}', "unreadable-json"),
    (b"[]", "no-rows"),
    (b" \r\n", "empty-file"),
    (b"[" * 100_000, "unreadable-json"),
    (b"[" * 5_000 + b"]" * 5_000, "unreadable-json"),
    (b'[{"code": "A", "price": ' + b"9" * 5_000 + b"}]", "unreadable-json"),
    (b'[{"code": "A"', "unreadable-json"),
    (b'[{"code": "A", }]', "unreadable-json"),
]

#: XML is not an import format: refused before anything parses it.
HOSTILE_XML = [
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + str(i - 1 or "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n<products>&lol9;</products>\n",
    b'<?xml version="1.0"?>\n<!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<products><product><code>&xxe;</code></product></products>",
    b'<!DOCTYPE p SYSTEM "http://127.0.0.1:9/evil.dtd"><products/>',
    b"\xef\xbb\xbf  <products><product><code>A</code><price>NaN</price></product></products>",
    b"<!-- a comment first --><products/>",
]


@st.composite
def hostile_xml(draw: st.DrawFn) -> Planted:
    body = draw(pick(*HOSTILE_XML))
    asked = draw(pick("csv", "json", None))
    return Planted(body, asked, refused=frozenset({"unsupported-file"}))


@st.composite
def bad_json(draw: st.DrawFn) -> Planted:
    body, kind = draw(pick(*BAD_JSON))
    return Planted(body, "json", refused=frozenset({kind}))


_PIECES = st.one_of(st.sampled_from(INTERESTING), st.binary(max_size=8))


@st.composite
def mutated(draw: st.DrawFn, planted: st.SearchStrategy[Planted]) -> Planted:
    """A planted file damaged byte by byte: only the accounting is known after."""
    base = draw(planted)
    data = bytearray(base.body)
    for _ in range(draw(between(1, 4))):
        at = draw(between(0, len(data)))
        kind = draw(pick("truncate", "flip", "insert", "delete", "duplicate"))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip" and at < len(data):
            data[at] = draw(between(0, 255))
        elif kind == "insert":
            piece = draw(_PIECES)
            data[at:at] = piece * draw(pick(1, 1, 2, 1000))
        elif kind == "delete":
            del data[at : at + draw(between(1, 40))]
        else:
            data[at:at] = data[at : at + draw(between(1, 200))]
    return Planted(bytes(data), base.format, base.delimiter, known=False)


def arbitrary() -> st.SearchStrategy[Planted]:
    return st.builds(
        lambda body, fmt: Planted(body, fmt, known=False),
        st.binary(max_size=400) | st.text(max_size=200).map(str.encode),
        pick("csv", "json", None),
    )


def import_files() -> st.SearchStrategy[Planted]:
    """Every kind of file, planted ones most often."""
    return st.one_of(
        planted_csv(),
        planted_json(),
        mutated(planted_csv() | planted_json()),
        arbitrary(),
        bad_json(),
        hostile_xml(),
    )
