"""The retry queue, the dead-letter queue and one job, through the management API.

Jobs are real: published events dispatched to the test plugin's ``flaky`` connector (its
payload decides how attempts fail), or created directly for the ``manual`` connector. No
worker runs: the tests run attempts with ``kernel.run_job`` and move the manual clock.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.core.db.tables import JobRow, jobs_table
from tests.support import plugin

from .conftest import ORG_A, ORG_B, Server

API = "/api/integrations"


@pytest.fixture(autouse=True)
async def _flush_logs_before_teardown(server: Server) -> AsyncIterator[None]:
    """Leave nothing in the log buffer for shutdown.

    Works around a race in ``LogWriter.close`` (core): it cancels the background task,
    and a cancellation landing after a batch's commit but before the batch leaves the
    buffer makes the final flush insert the same rows again (duplicate key).
    """
    yield
    await server.kernel.runtime().log_writer.flush()


async def publish_job(server: Server, org: uuid.UUID, data: dict[str, Any]) -> uuid.UUID:
    """Publish ``test.ping`` and dispatch it: one ``flaky`` job; returns its id."""
    event_id = await server.kernel.publish(org, "test.ping", data)
    assert await server.kernel.dispatch_pending() == 1
    async with server.kernel.database.system_session() as session:
        job_id = await session.scalar(
            select(jobs_table.c.id).where(jobs_table.c.event_id == event_id)
        )
    assert job_id is not None
    return job_id


async def create_job(
    server: Server, org: uuid.UUID, connector: Any = plugin.FlakyConnector, **spec: Any
) -> uuid.UUID:
    (job_id,) = await server.kernel.jobs.create(org, connector, [JobSpec(**spec)])
    return job_id


async def run(server: Server, org: uuid.UUID, job_id: uuid.UUID) -> str:
    return (await server.kernel.run_job(org, job_id)).status


async def call(
    server: Server, method: str, path: str, *, key: str = "a", expect: int = 200, **kw: Any
) -> Any:
    response = await server.client.request(method, API + path, headers=server.auth(key), **kw)
    body = await response.json(content_type=None)
    assert response.status == expect, body
    return body


async def job_row(server: Server, job_id: uuid.UUID) -> Any:
    async with server.kernel.database.system_session() as session:
        return (await session.execute(select(JobRow).where(JobRow.id == job_id))).scalar_one()


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


# --- the retry queue --------------------------------------------------------------------


async def test_retry_queue_lists_waiting_jobs_with_filters(
    server: Server, clock: ManualClock
) -> None:
    retrying = await publish_job(server, ORG_A, {"fail_times": 3})
    assert await run(server, ORG_A, retrying) == "retrying"
    clock.advance(1)
    queued = await create_job(server, ORG_A, subject_id="partner-7", payload={"n": 1})
    dead = await publish_job(server, ORG_A, {"fatal": True})
    assert await run(server, ORG_A, dead) == "dead"
    done = await publish_job(server, ORG_A, {"n": 2})
    assert await run(server, ORG_A, done) == "succeeded"
    clock.advance(1)
    manual = await create_job(server, ORG_A, plugin.ManualConnector, payload={"n": 3})

    body = await call(server, "GET", "/retries")
    # Soonest first: the queued jobs were due at 08:00:01 and 08:00:02, the retry at 08:00:05.
    assert ids(body) == [str(queued), str(manual), str(retrying)]
    assert (body["total"], body["limit"], body["offset"]) == (3, 50, 0)
    item = body["items"][2]
    assert item == {
        "id": str(retrying),
        "connector": "flaky",
        "kind": "default",
        "event_type": "test.ping",
        "subject_id": None,
        "status": "retrying",
        "attempts": 1,
        "retries": 1,
        "max_retries": 5,
        "retry_policy": "exponential",
        "next_run_at": "2026-03-02T08:00:05Z",
        "last_error": "partner answered 500 (attempt 1)",
        "dead_at": None,
        "dead_reason": None,
        "created_at": "2026-03-02T08:00:00Z",
        "updated_at": "2026-03-02T08:00:00Z",
        "finished_at": None,
    }
    assert "payload" not in item

    assert ids(await call(server, "GET", "/retries", params={"status": "retrying"})) == [
        str(retrying)
    ]
    assert ids(await call(server, "GET", "/retries", params={"status": "queued"})) == [
        str(queued),
        str(manual),
    ]
    assert ids(await call(server, "GET", "/retries", params={"connector": "manual"})) == [
        str(manual)
    ]
    assert ids(await call(server, "GET", "/retries", params={"subject_id": "partner-7"})) == [
        str(queued)
    ]
    page = await call(server, "GET", "/retries", params={"limit": 2, "offset": 1})
    assert ids(page) == [str(manual), str(retrying)] and page["total"] == 3
    assert ids(await call(server, "GET", "/retries", params={"offset": 3})) == []

    for params in (
        {"status": "dead"},
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"colour": "red"},
    ):
        problem = await call(server, "GET", "/retries", params=params, expect=422)
        assert problem["errors"]


async def test_retry_now_runs_a_waiting_job_before_its_time(
    server: Server, clock: ManualClock
) -> None:
    job_id = await publish_job(server, ORG_A, {"fail_times": 1})
    assert await run(server, ORG_A, job_id) == "retrying"
    clock.advance(1)
    assert await run(server, ORG_A, job_id) == "skipped"  # not due before 08:00:05

    job = await call(server, "POST", f"/retries/{job_id}/retry", expect=202)
    assert (job["id"], job["status"]) == (str(job_id), "queued")
    assert job["next_run_at"] == "2026-03-02T08:00:01Z"
    assert await run(server, ORG_A, job_id) == "succeeded"

    detail = await call(server, "GET", f"/jobs/{job_id}")
    assert (detail["status"], detail["attempts"], detail["retries"]) == ("succeeded", 2, 1)
    assert detail["payload"] == {"fail_times": 1}
    attempts = detail["attempt_logs"]
    assert [(a["status"], a["retry_count"], a["http_status"]) for a in attempts] == [
        ("success", 1, 200),
        ("error", 0, 500),
    ]
    assert attempts[0]["timestamp"] > attempts[1]["timestamp"]  # newest first
    assert all(a["job_id"] == str(job_id) and a["connector"] == "flaky" for a in attempts)
    assert attempts[0]["has_response_body"] is True
    assert "response_body" not in attempts[0]

    # The log list filtered by job shows the same attempts.
    logs = await call(server, "GET", "/logs", params={"job_id": str(job_id)})
    assert [i["id"] for i in logs["items"]] == [a["id"] for a in attempts]

    # Succeeded: no longer waiting.
    problem = await call(server, "POST", f"/retries/{job_id}/retry", expect=404)
    assert str(job_id) in problem["detail"]
    assert problem["type"].endswith("/not-found")


async def test_job_detail_masks_the_payload(server: Server) -> None:
    job_id = await publish_job(
        server, ORG_A, {"echo": {"password": "hunter2-secret", "sku": "A-1"}}
    )
    response = await server.client.get(f"{API}/jobs/{job_id}", headers=server.auth())
    text = await response.text()
    assert response.status == 200
    assert "hunter2-secret" not in text
    detail = await response.json()
    assert detail["payload"]["echo"]["sku"] == "A-1"
    assert detail["attempt_logs"] == []
    assert detail["event_id"] is not None


async def test_skip_sends_a_waiting_job_to_the_dead_letter_queue(
    server: Server, clock: ManualClock
) -> None:
    job_id = await publish_job(server, ORG_A, {"fail_times": 5})
    assert await run(server, ORG_A, job_id) == "retrying"
    clock.advance(2)

    job = await call(server, "POST", f"/retries/{job_id}/skip")
    assert (job["status"], job["dead_reason"]) == ("dead", "skipped")
    assert job["dead_at"] == "2026-03-02T08:00:02Z"
    assert ids(await call(server, "GET", "/retries")) == []
    assert ids(await call(server, "GET", "/dead-letters")) == [str(job_id)]
    assert await run(server, ORG_A, job_id) == "skipped"  # never runs again by itself

    await call(server, "POST", f"/retries/{job_id}/skip", expect=404)
    await call(server, "POST", f"/retries/{job_id}/retry", expect=404)

    # A queued job that never ran can be skipped too.
    queued = await create_job(server, ORG_A, payload={"n": 1})
    assert (await call(server, "POST", f"/retries/{queued}/skip"))["dead_reason"] == "skipped"


@pytest.mark.parametrize(
    "action", ["retries/{id}/retry", "retries/{id}/skip", "dead-letters/{id}/redrive"]
)
async def test_unknown_and_malformed_ids_are_404(server: Server, action: str) -> None:
    for job_id in (str(uuid.uuid4()), "nope"):
        problem = await call(server, "POST", "/" + action.format(id=job_id), expect=404)
        assert problem["status"] == 404
    await call(server, "GET", f"/jobs/{uuid.uuid4()}", expect=404)
    await call(server, "GET", "/jobs/nope", expect=404)


# --- the dead-letter queue --------------------------------------------------------------


async def make_dead_letters(server: Server, clock: ManualClock) -> dict[str, uuid.UUID]:
    """Four dead jobs of org A, one per reason, dying a minute apart from 08:00."""
    fatal = await publish_job(server, ORG_A, {"fatal": True})
    assert await run(server, ORG_A, fatal) == "dead"
    clock.advance(60)
    exhausted = await create_job(server, ORG_A, payload={"fail_times": 1}, max_retries=0)
    assert await run(server, ORG_A, exhausted) == "dead"
    clock.advance(60)
    manual = await create_job(server, ORG_A, plugin.ManualConnector, payload={"fail_times": 1})
    assert await run(server, ORG_A, manual) == "dead"
    clock.advance(60)
    skipped = await create_job(server, ORG_A, payload={"n": 1})
    await call(server, "POST", f"/retries/{skipped}/skip")
    clock.advance(60)
    return {"fatal": fatal, "exhausted": exhausted, "manual": manual, "skipped": skipped}


async def test_dead_letters_list_with_filters(server: Server, clock: ManualClock) -> None:
    dead = await make_dead_letters(server, clock)
    await publish_job(server, ORG_A, {"n": 9})  # queued: not a dead letter

    body = await call(server, "GET", "/dead-letters")
    newest_first = [dead["skipped"], dead["manual"], dead["exhausted"], dead["fatal"]]
    assert ids(body) == [str(j) for j in newest_first]
    assert body["total"] == 4
    reasons = {item["id"]: item["dead_reason"] for item in body["items"]}
    assert reasons == {str(job): reason for reason, job in dead.items()}
    fatal = body["items"][3]
    assert (fatal["status"], fatal["last_error"]) == ("dead", "partner rejected the document")
    assert fatal["dead_at"] == "2026-03-02T08:00:00Z"

    for reason, job in dead.items():
        found = await call(server, "GET", "/dead-letters", params={"dead_reason": reason})
        assert ids(found) == [str(job)]
    assert ids(await call(server, "GET", "/dead-letters", params={"connector": "manual"})) == [
        str(dead["manual"])
    ]
    window = {"since": "2026-03-02T08:01:00Z", "until": "2026-03-02T08:03:00Z"}
    assert ids(await call(server, "GET", "/dead-letters", params=window)) == [
        str(dead["manual"]),
        str(dead["exhausted"]),
    ]
    page = await call(server, "GET", "/dead-letters", params={"limit": 1, "offset": 1})
    assert ids(page) == [str(dead["manual"])] and page["total"] == 4

    for params in (
        {"dead_reason": "tired"},
        {"since": "2026-03-02T08:00:00"},
        {"since": "2026-03-02T09:00:00Z", "until": "2026-03-02T08:00:00Z"},
    ):
        await call(server, "GET", "/dead-letters", params=params, expect=422)


async def test_redrive_gives_a_dead_job_a_fresh_budget(server: Server, clock: ManualClock) -> None:
    job_id = await create_job(server, ORG_A, payload={"fail_times": 1}, max_retries=0)
    assert await run(server, ORG_A, job_id) == "dead"
    clock.advance(30)

    job = await call(server, "POST", f"/dead-letters/{job_id}/redrive", expect=202)
    assert (job["status"], job["retries"], job["dead_reason"], job["dead_at"]) == (
        "queued",
        0,
        None,
        None,
    )
    assert ids(await call(server, "GET", "/dead-letters")) == []
    assert ids(await call(server, "GET", "/retries")) == [str(job_id)]
    await call(server, "POST", f"/dead-letters/{job_id}/redrive", expect=404)  # not dead now

    assert await run(server, ORG_A, job_id) == "succeeded"  # the second attempt succeeds
    detail = await call(server, "GET", f"/jobs/{job_id}")
    assert (detail["status"], detail["attempts"]) == ("succeeded", 2)
    assert [a["status"] for a in detail["attempt_logs"]] == ["success", "error"]


async def test_redrive_a_window_of_dead_letters(server: Server, clock: ManualClock) -> None:
    dead = await make_dead_letters(server, clock)
    path = "/dead-letters/redrive"

    # 08:00 to 08:02 (exclusive), the flaky connector only: fatal and exhausted.
    body = await call(
        server,
        "POST",
        path,
        expect=202,
        json={
            "connector": "flaky",
            "since": "2026-03-02T08:00:00Z",
            "until": "2026-03-02T08:02:00Z",
        },
    )
    assert body == {"redriven": 2}
    assert (await job_row(server, dead["fatal"])).status == "queued"
    assert (await job_row(server, dead["exhausted"])).status == "queued"
    assert (await job_row(server, dead["manual"])).status == "dead"
    assert (await job_row(server, dead["skipped"])).status == "dead"

    # Any connector, a window with nothing left to redrive, then the rest.
    body = await call(
        server,
        "POST",
        path,
        expect=202,
        json={"since": "2026-03-02T07:00:00Z", "until": "2026-03-02T08:00:00Z"},
    )
    assert body == {"redriven": 0}
    body = await call(
        server,
        "POST",
        path,
        expect=202,
        json={
            "connector": None,
            "since": "2026-03-02T08:00:00+01:00",
            "until": "2026-03-02T10:00:00+01:00",
        },
    )
    assert body == {"redriven": 2}
    assert ids(await call(server, "GET", "/dead-letters")) == []
    assert (await call(server, "GET", "/retries"))["total"] == 4


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"since": "2026-03-02T08:00:00Z", "until": "2026-03-02T08:00:00Z"}, 422),
        ({"since": "2026-03-02T09:00:00Z", "until": "2026-03-02T08:00:00Z"}, 422),
        ({"until": "2026-03-02T08:00:00Z"}, 422),
        ({"since": "2026-03-02T08:00:00", "until": "2026-03-02T09:00:00"}, 422),
        ({"since": "2026-03-02T08:00:00Z", "until": "2026-03-02T09:00:00Z", "all": True}, 422),
        ({"connector": 7, "since": "2026-03-02T08:00:00Z", "until": "2026-03-02T09:00:00Z"}, 422),
        ([], 422),
    ],
)
async def test_invalid_redrive_windows_are_refused(server: Server, body: Any, status: int) -> None:
    problem = await call(server, "POST", "/dead-letters/redrive", json=body, expect=status)
    assert problem["errors"]


async def test_redrive_window_needs_json(server: Server) -> None:
    await call(server, "POST", "/dead-letters/redrive", data="since=yesterday", expect=415)
    response = await server.client.post(
        f"{API}/dead-letters/redrive",
        data="{",
        headers={**server.auth(), "Content-Type": "application/json"},
    )
    assert response.status == 400


# --- organisations ----------------------------------------------------------------------


async def test_another_organisations_jobs_are_not_found(server: Server, clock: ManualClock) -> None:
    dead = await make_dead_letters(server, clock)
    waiting = await publish_job(server, ORG_A, {"fail_times": 2})
    assert await run(server, ORG_A, waiting) == "retrying"
    queued = await create_job(server, ORG_A, payload={"n": 1})
    b_dead = await publish_job(server, ORG_B, {"fatal": True})
    assert await run(server, ORG_B, b_dead) == "dead"
    b_queued = await create_job(server, ORG_B, payload={"n": 2})

    # Lists show B its own jobs only.
    assert ids(await call(server, "GET", "/retries", key="b")) == [str(b_queued)]
    assert ids(await call(server, "GET", "/dead-letters", key="b")) == [str(b_dead)]
    # Every route with one of A's ids answers 404 to B, and changes nothing.
    a_ids = [*dead.values(), waiting, queued]
    for job_id in a_ids:
        await call(server, "GET", f"/jobs/{job_id}", key="b", expect=404)
        await call(server, "POST", f"/retries/{job_id}/retry", key="b", expect=404)
        await call(server, "POST", f"/retries/{job_id}/skip", key="b", expect=404)
        await call(server, "POST", f"/dead-letters/{job_id}/redrive", key="b", expect=404)
        logs = await call(server, "GET", "/logs", key="b", params={"job_id": str(job_id)})
        assert logs["items"] == []
    # A window redrive by B touches B's dead letters only.
    body = await call(
        server,
        "POST",
        "/dead-letters/redrive",
        key="b",
        expect=202,
        json={"since": "2026-03-01T00:00:00Z", "until": "2026-03-03T00:00:00Z"},
    )
    assert body == {"redriven": 1}
    for job_id in dead.values():
        assert (await job_row(server, job_id)).status == "dead"
    assert (await job_row(server, waiting)).status == "retrying"
    assert (await job_row(server, queued)).status == "queued"
    # A still sees and controls its own.
    assert (await call(server, "GET", "/dead-letters"))["total"] == 4
    assert (await call(server, "GET", f"/jobs/{waiting}"))["id"] == str(waiting)
    await call(server, "POST", f"/retries/{waiting}/retry", expect=202)
    # And B's ids are not found for A.
    await call(server, "GET", f"/jobs/{b_dead}", expect=404)
    await call(server, "POST", f"/retries/{b_queued}/skip", expect=404)
