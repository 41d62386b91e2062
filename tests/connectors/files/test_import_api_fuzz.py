"""The fuzz files through the real API (validate, then execute) on a server on loopback,
against SQLite and PostgreSQL: never a 5xx, every refusal problem details with a useful
message, and nothing lost.

Nothing lost: validate answers what the parser and validator make of the file (the same
counts and errors); execute then writes exactly the rows validate accepted (each stored
product equal to its row, one ``product.created`` per new product) or, with any error,
nothing at all while the errors come back in its answer; and every call is an import log
row. Files meant to import (every row clean, some codes already stored) are drawn most
often, so that execute writes.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

import aiohttp
import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from monopilot_integrations.connectors.files.imports.validate import changes
from monopilot_integrations.core.db.tables import EventRow, LogRow
from tests.support.fuzz import fuzz_settings

from .conftest import FilesApi
from .import_fuzz_files import IMPORTABLE, Outcome, Planted, read_import
from .import_fuzz_layouts import HOSTILE_XML, import_files, planted_csv, planted_json
from .test_import_fuzz import check_outcome

IMPORT = "/api/integrations/import/products"
STORED = ("CHL-ZYT-500", "BUL-KAJ-60", "MAS-EXTRA")
COUNTER = itertools.count()


def api_files() -> st.SearchStrategy[Planted]:
    importable = planted_csv(IMPORTABLE, STORED) | planted_json(IMPORTABLE, STORED)
    return st.one_of(importable, importable, import_files())


async def post(api: FilesApi, action: str, planted: Planted, how: str) -> tuple[int, Any]:
    """The file to validate or execute, as a raw body or a form; its format is named
    (``?format=``) or detected from the content, as the local read does."""
    params = {k: v for k, v in (("format", planted.format), ("delimiter", planted.delimiter)) if v}
    path = f"{IMPORT}/{action}"
    if how == "form":
        form = aiohttp.FormData()
        form.add_field(
            "file",
            planted.body,
            filename=f"fuzz-{next(COUNTER)}.upload",
            content_type="application/octet-stream",
        )
        kwargs: dict[str, Any] = {"data": form}
    else:
        kwargs = {"data": planted.body, "headers": {"Content-Type": "application/octet-stream"}}
    headers = {**api.auth(), **kwargs.pop("headers", {})}
    response = await api.server.client.post(path, params=params, headers=headers, **kwargs)
    body = await response.read()
    assert response.status < 500, body[:2000]
    if response.status >= 400:
        assert response.content_type == "application/problem+json", body[:500]
    return response.status, json.loads(body)


#: Problems raised while the body is received: no file, so the log row names none.
WHILE_RECEIVING = {"wrong-encoding", "file-too-large", "unsupported-file"}

LogKey = tuple[str, str, int | None, str | None, str | None]


@dataclass
class State:
    """Products of ``a``, the data of ``a``'s product.created events, its import log rows
    (event type, status, HTTP status, the file's SHA-256, the errors logged)."""

    products: int
    events: list[dict[str, Any]]
    logs: Counter[LogKey]


async def state(api: FilesApi) -> State:
    await api.kernel.runtime().log_writer.flush()
    async with api.kernel.database.session(api.a) as session:
        events = list(
            (
                await session.scalars(
                    select(EventRow.data).where(
                        EventRow.org_id == api.a, EventRow.event_type == "product.created"
                    )
                )
            ).all()
        )
    async with api.kernel.database.system_session() as session:
        rows = (
            await session.execute(
                select(
                    LogRow.event_type,
                    LogRow.status,
                    LogRow.http_status,
                    LogRow.request_body,
                    LogRow.response_body,
                ).where(LogRow.org_id == api.a, LogRow.integration_type == "import")
            )
        ).all()
    logs = Counter(
        (kind, status, http, (file or {}).get("sha256"), errors_text(result))
        for kind, status, http, file, result in rows
    )
    page = await api.kernel.domain.list_products(api.a, limit=1)
    return State(page.total, events, logs)


def errors_text(result: dict[str, Any] | None) -> str | None:
    return None if result is None else json.dumps(result["errors"], sort_keys=True)


def expected_log(
    action: str, planted: Planted, outcome: Outcome, status: int, answer: dict[str, Any]
) -> LogKey:
    """The log row a call must leave: ``error`` for a refusal, ``warning`` for a validation
    with row errors, the first 20 errors of a report."""
    problem = outcome.problem
    sha = None if problem and problem.kind in WHILE_RECEIVING else sha256(planted.body).hexdigest()
    if problem is not None:
        return (f"import.products.{action}", "error", status, sha, None)
    errors = errors_text({"errors": answer["errors"][:20]})
    if status != 200:
        return (f"import.products.{action}", "error", status, sha, errors)
    quality = "warning" if action == "validate" and outcome.report.errors_total else "success"
    return (f"import.products.{action}", quality, status, sha, errors)


def assert_refused(status: int, problem: dict[str, Any], kind: str, expected_status: int) -> None:
    assert (status, problem["type"].rsplit("/", 1)[-1]) == (expected_status, kind), problem
    assert problem["detail"].strip() and problem["title"].strip(), problem
    assert problem["status"] == status


def assert_same_report(answer: dict[str, Any], outcome: Outcome) -> None:
    report = outcome.report
    counts = ("rows", "valid", "invalid", "errors_total")
    assert {k: answer[k] for k in counts} == {k: getattr(report, k) for k in counts}, answer
    assert answer["errors"] == report.errors
    assert answer["created"] + answer["updated"] + answer["unchanged"] == report.valid


@pytest.mark.fuzz
@fuzz_settings(12, cost=400)  # two requests and a database round per case
@given(planted=api_files(), how=st.sampled_from(["raw", "form"]))
@example(planted=Planted(HOSTILE_XML[0], None, refused=frozenset({"unsupported-file"})), how="raw")
@example(
    planted=Planted(
        b'[{"code": "FUZZ-\\ud800", "name": "B", "unit": "kg", "price": 1, "vat_rate": 5},'
        b' {"code": "FUZZ-X", "name": "B\\u0000", "unit": "kg", "price": 1, "vat_rate": 5}]',
        "json",
        bad={1: "code", 2: "name"},
    ),
    how="raw",
)
async def test_the_api_loses_nothing_and_never_answers_5xx(
    files_api: FilesApi, planted: Planted, how: str
) -> None:
    outcome = read_import(planted.body, file_format=planted.format, delimiter=planted.delimiter)
    check_outcome(planted, outcome)  # the same properties as the pure-function level
    before = await state(files_api)

    status, answer = await post(files_api, "validate", planted, how)
    logged = [expected_log("validate", planted, outcome, status, answer)]
    if outcome.problem is not None:
        assert_refused(status, answer, outcome.problem.kind, outcome.problem.status)
    else:
        assert status == 200, answer
        assert_same_report(answer, outcome)
        assert answer["written"] is False
    middle = await state(files_api)
    assert (middle.products, middle.events) == (before.products, before.events)

    status, result = await post(files_api, "execute", planted, how)
    logged.append(expected_log("execute", planted, outcome, status, result))
    after = await state(files_api)
    assert after.logs - before.logs == Counter(logged), "each call is its import log row"
    if outcome.problem is not None:
        event(f"refused: {outcome.problem.kind}")
        assert_refused(status, result, outcome.problem.kind, outcome.problem.status)
        assert (after.products, after.events) == (before.products, before.events)
        return
    if outcome.report.errors_total:
        event("rejected: rows with errors")
        assert_refused(status, result, "import-rejected", 422)
        assert_same_report(result, outcome)
        assert result["written"] is False
        assert (after.products, after.events) == (before.products, before.events)
        return
    assert status == 200, result
    assert_same_report(result, outcome)
    assert result["written"] is True
    assert (result["created"], result["updated"], result["unchanged"]) == (
        answer["created"],
        answer["updated"],
        answer["unchanged"],
    )
    event("written" if result["created"] + result["updated"] else "written: nothing changed")
    await assert_written(files_api, outcome, result, before, after)


async def assert_written(
    api: FilesApi,
    outcome: Outcome,
    result: dict[str, Any],
    before: State,
    after: State,
) -> None:
    """Every accepted row is its product now; the new ones, and only they, have events."""
    codes = [fields["code"] for fields in outcome.accepted]
    stored = await api.kernel.domain.find_products_by_codes(api.a, codes)
    assert sorted(stored) == sorted(codes)
    for fields in outcome.accepted:
        assert changes(stored[fields["code"]], fields) == {}, fields
    assert after.products == before.products + result["created"]
    known = {data["product_id"] for data in before.events}
    created = [data for data in after.events if data["product_id"] not in known]
    assert len(created) == result["created"]
    for data in created:
        assert str(stored[data["code"]].id) == data["product_id"], data
