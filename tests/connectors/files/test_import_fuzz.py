"""Property: whatever the file, the import's parser and validator give only a FileProblem
of a documented kind, or a report in which every row is accounted for.

Accounted for: each product row of the file is either accepted (its fields, ready for
``NewProduct`` and storable as they are) or reported with its row number and a message;
accepted + rejected == the rows the file holds. In a planted file (see
:mod:`.import_fuzz_files`) each row's fate is known and checked too. The API-level fuzz
test (``test_import_api_fuzz.py``) takes the same files through a server and a database.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import event, example, given

from monopilot_integrations.connectors.files.imports.checks import MAX_NUMBER
from monopilot_integrations.connectors.files.imports.reader import column_key
from monopilot_integrations.core.domain.records import NewProduct
from monopilot_integrations.core.storable import printable
from tests.support.fuzz import fuzz_settings

from .import_fuzz_files import FILE_PROBLEMS, Outcome, Planted, read_import
from .import_fuzz_layouts import HOSTILE_XML, hostile_xml, import_files

HEADER = "code,name,unit,price,vat_rate,gtin,currency,reorder_level,active\r\n"
MAX_ERRORS = 50


def check_outcome(planted: Planted, outcome: Outcome) -> None:
    """The properties every import of ``planted`` must have (see the module's docstring)."""
    problem, report = outcome.problem, outcome.report
    if problem is not None:
        assert FILE_PROBLEMS.get(problem.kind) == problem.status, (problem.kind, problem.status)
        assert isinstance(problem.message, str) and problem.message.strip()
        assert printable(problem.message) == problem.message
        for error in problem.errors:
            assert error["message"] and (error["row"] is None or error["row"] >= 1)
        if planted.known:
            assert planted.refused is not None, f"refused as {problem.kind}: {problem.message}"
        if planted.refused is not None:
            assert problem.kind in planted.refused, (problem.kind, problem.message)
        return
    assert planted.refused is None, f"taken, but must be refused as {set(planted.refused)}"
    assert report.rows >= 1
    assert report.valid + report.invalid == report.rows
    assert len(outcome.accepted) == report.valid
    assert report.errors_total >= report.invalid
    rejected: dict[int, list[str | None]] = {}
    for error in report.errors:
        assert isinstance(error["row"], int) and error["row"] >= 1, error
        assert isinstance(error["message"], str) and error["message"].strip(), error
        for text in (error["column"], error["value"]):
            assert text is None or printable(text) == text, error
        assert error["value"] is None or len(error["value"]) <= 103
        column = error["column"]
        rejected.setdefault(error["row"], []).append(None if column is None else column_key(column))
    if report.errors_total == len(report.errors):  # all listed
        assert len(rejected) == report.invalid
    codes = [fields["code"] for fields in outcome.accepted]
    assert len(set(codes)) == len(codes), "a code accepted twice"
    for fields in outcome.accepted:
        check_storable(fields)
    if not planted.known:
        return
    assert report.rows == planted.rows, (report.rows, planted)
    assert report.errors_total == len(report.errors)  # MAX_ERRORS is above what is planted
    for number, code in planted.clean.items():
        assert number not in rejected, (number, rejected[number])
        assert code in codes, (code, codes)
    for number, column in planted.bad.items():
        assert number in rejected, (number, column, rejected, planted)
        assert column is None or column in rejected[number], (number, column, rejected[number])
    assert report.valid == len(planted.clean) + len([n for n in planted.wild if n not in rejected])


def check_storable(fields: dict[str, Any]) -> None:
    """An accepted row becomes a product as it is: the model takes it, every number fits
    Numeric(18, 4) exactly, every text is storable in both databases."""
    NewProduct(**fields)
    for name, value in fields.items():
        if isinstance(value, Decimal):
            assert value.is_finite() and Decimal(0) <= value <= MAX_NUMBER, (name, value)
            assert value.quantize(Decimal("0.0001")) == value, (name, value)
        elif isinstance(value, str):
            assert value == value.strip() and value and printable(value) == value, (name, value)
            assert not any(ord(c) < 32 or ord(c) == 127 for c in value), (name, value)


def run(planted: Planted) -> Outcome:
    outcome = read_import(
        planted.body,
        file_format=planted.format,
        delimiter=planted.delimiter,
        max_errors=MAX_ERRORS,
    )
    check_outcome(planted, outcome)
    if outcome.problem is not None:
        event(f"refused: {outcome.problem.kind}")
    else:
        event("rows with errors" if outcome.report.invalid else "every row accepted")
    return outcome


def csv_file(*rows: str, body: str = HEADER) -> Planted:
    return Planted((body + "".join(rows)).encode(), "csv", known=False)


def json_file(text: str) -> Planted:
    return Planted(text.encode(), "json", known=False)


def many_rows(count: int = 2_500) -> Planted:
    """More rows than one batch of code look-ups (1,000): a duplicate across batches and a
    bad row in the last batch are still found, every other row still accepted."""
    planted = Planted(b"", None)
    lines = [HEADER]
    for number in range(2, count + 2):
        code, price = f"M-{number}", "1.5"
        if number == 1_500:
            code = "M-3"
            planted.bad[number] = "code"
        elif number == count:
            price = "1.50001"
            planted.bad[number] = "price"
        else:
            planted.clean[number] = code
        lines.append(f"{code},Many,szt,{price},5,,,,\n")
    planted.body = "".join(lines).encode()
    return planted


@pytest.mark.fuzz
@fuzz_settings(400)
@given(planted=import_files())
# Found by this test (each a regression example; the plain tests below pin the answers):
# a JSON array nested past the recursion limit escaped as RecursionError,
@example(planted=json_file("[" * 5_000 + "]" * 5_000))
# an integer past Python's 4300-digit limit escaped as ValueError,
@example(planted=json_file('[{"code": "A", "price": ' + "9" * 5_000 + "}]"))
# a GTIN of superscript digits escaped as ValueError from the check digit,
@example(planted=csv_file("A,B,kg,1,5,²²²²²²²²,,,\r\n"))
# a price of 1e-999999999 or 1.00000000000000000000000000001 was taken (and stored rounded),
@example(
    planted=csv_file(
        "A,B,kg,1e-999999999,5,,,,\r\nC,D,kg,1.00000000000000000000000000001,5,,,,\r\n"
    )
)
# an unpaired surrogate escape reached the accepted fields (no database can store it),
@example(
    planted=json_file(
        '[{"code": "A\\ud800", "name": "B", "unit": "kg", "price": 1, "vat_rate": 5}]'
    )
)
# and blank lines before the header made the file "empty".
@example(planted=csv_file("A,B,kg,1,5,,,,\r\n", body="\r\n\r\n" + HEADER))
@example(planted=many_rows())
def test_every_import_file_gives_a_documented_problem_or_accounts_for_every_row(
    planted: Planted,
) -> None:
    run(planted)


@pytest.mark.fuzz
@fuzz_settings(20, cost=100)  # five samples, three formats: 1,000 cases nightly
@given(planted=hostile_xml())
def test_xml_is_refused_unread_whatever_format_is_asked(planted: Planted) -> None:
    outcome = run(planted)
    assert outcome.problem is not None and outcome.problem.kind == "unsupported-file"
    assert "lol" not in outcome.problem.message and "root:" not in outcome.problem.message


def test_every_hostile_xml_sample_is_refused_as_unsupported() -> None:
    for body in HOSTILE_XML:
        for asked in ("csv", "json", None):
            problem = read_import(body, file_format=asked, delimiter=None).problem
            assert problem is not None and (problem.status, problem.kind) == (
                415,
                "unsupported-file",
            ), body[:40]
            assert "is XML; products are imported from CSV or JSON" in problem.message
