"""Rows stored before unencodable text was refused are still readable.

A lone surrogate escape (``"\\ud800"``) in a JSON column was accepted once (an event's
data, a request body in the log). ``json.loads`` reads it back as a string UTF-8 cannot
encode, and every reader of such a row answered 500. They answer 200 now, with U+FFFD in
place of the surrogate. PostgreSQL's ``jsonb`` never took such text, so these rows exist
on SQLite only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from monopilot_integrations.core.db.tables import JobRow
from monopilot_integrations.core.db.types import JSONText
from monopilot_integrations.core.logs.writer import LogEntry

from .conftest import ORG_A, Server
from .log_support import LOGS, insert_rows, row
from .test_management_jobs import create_job

pytestmark = pytest.mark.usefixtures("flush_logs_before_teardown")

UNENCODABLE = JSONText('{"note": "a\\ud800b", "\\udfff": ["\\udbff"]}')


@pytest.fixture
async def sqlite_server(server: Server) -> Server:
    if server.kernel.database.is_postgres:
        pytest.skip("PostgreSQL's jsonb refuses unpaired surrogates: no such row can exist")
    return server


async def test_a_log_row_with_a_lone_surrogate_reads_back(sqlite_server: Server) -> None:
    server = sqlite_server
    stored = row(
        ORG_A,
        datetime(2026, 2, 10, tzinfo=UTC),
        request_body=UNENCODABLE,
        response_body=UNENCODABLE,
    )
    await insert_rows(server, [stored])
    response = await server.client.get(f"{LOGS}/{stored['id']}", headers=server.auth())
    detail = await response.json()
    assert response.status == 200, detail
    assert detail["request_body"] == {"note": "a\ufffdb", "\ufffd": ["\ufffd"]}
    assert detail["response_body"] == detail["request_body"]
    listed = await server.client.get(LOGS, headers=server.auth())
    assert listed.status == 200


async def test_a_job_whose_payload_holds_a_lone_surrogate_reads_back(
    sqlite_server: Server,
) -> None:
    server = sqlite_server
    job_id = await create_job(server, ORG_A, kind="ping", payload={"note": "ok"})
    async with server.kernel.database.system_session() as session:
        await session.execute(update(JobRow).where(JobRow.id == job_id).values(payload=UNENCODABLE))
    # Its attempt log too, written by the writer as the worker would.
    server.kernel.runtime().log_writer.add(
        LogEntry(
            org_id=ORG_A,
            integration_type="flaky",
            event_type="ping",
            direction="outbound",
            status="error",
            job_id=job_id,
            request_body={"note": "a\ud800b"},
        )
    )
    await server.kernel.runtime().log_writer.flush()
    response = await server.client.get(f"/api/integrations/jobs/{job_id}", headers=server.auth())
    detail = await response.json()
    assert response.status == 200, detail
    assert detail["payload"]["note"] == "a\ufffdb"
    assert uuid.UUID(detail["id"]) == job_id
