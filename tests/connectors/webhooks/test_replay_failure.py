"""A replay whose job the kernel gives up on ends ``failed``, with the reason, in the
read-back and in the OpenAPI document; redriving its job from the dead-letter queue runs
it again to the end."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from monopilot_integrations.connectors.webhooks import replays
from tests.connectors.webhooks.conftest import ORG_A, jobs, run_due
from tests.connectors.webhooks.receiver import Receiver
from tests.connectors.webhooks.through_the_api import BASE, order
from tests.server.conftest import Server


async def exhausted_replay(
    api: Server, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Any]:
    """A replay of three missed events whose every attempt fails, run by the kernel's
    retry engine until its job is dead; returns the replay's URL and its job row."""
    auth = api.auth()
    start = api.kernel.clock.now().isoformat()
    made = await (
        await api.client.post(
            BASE, json={"name": "h", "url": receiver.url, "events": ["order.created"]}, headers=auth
        )
    ).json()
    url = f"{BASE}/{made['id']}"
    await api.client.post(f"{url}/pause", headers=auth)
    for n in range(3):
        await api.kernel.publish(ORG_A, "order.created", order(n))
    await api.kernel.dispatch_pending()
    await api.client.post(f"{url}/resume", headers=auth)
    api.kernel.clock.advance(1)  # type: ignore[attr-defined]

    async def database_away(*args: Any) -> Any:  # every attempt fails before its first page
        raise ConnectionError("the database went away mid-replay")

    monkeypatch.setattr(replays, "_page", database_away)
    replay = await (
        await api.client.post(f"{url}/replay", json={"since": start}, headers=auth)
    ).json()
    replay_url = f"{url}/replays/{replay['id']}"
    statuses = []
    for _ in range(10):  # the kernel's retry engine: 1 attempt + 3 retries, then dead
        (job,) = await jobs(api.kernel, subject_id=replays.subject_of(uuid.UUID(replay["id"])))
        if job.status == "dead":
            break
        statuses.append((await (await api.client.get(replay_url, headers=auth)).json())["status"])
        await run_due(api.kernel)
        api.kernel.clock.advance(3 * 3600)  # type: ignore[attr-defined]
    assert job.status == "dead" and job.dead_reason == "exhausted"
    assert job.attempts == 4
    assert set(statuses) == {"running"}  # while retries are left, it is under way
    return replay_url, job


async def test_a_replay_that_exhausts_its_retries_ends_failed_with_the_reason(
    api: Server, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = api.auth()
    real_page = replays._page
    replay_url, job = await exhausted_replay(api, receiver, monkeypatch)

    failed = await (await api.client.get(replay_url, headers=auth)).json()
    assert failed["status"] == "failed"
    assert "exhausted" in failed["error"] and "the database went away" in failed["error"]
    assert failed["finished_at"] is not None
    other = await api.client.get(replay_url, headers=api.auth("b"))
    assert other.status == 404  # another organisation sees no replay, failed or not

    document = await (await api.client.get("/api/openapi.json")).json()
    replay_schema = document["components"]["schemas"]["ReplayOut"]
    assert replay_schema["properties"]["status"]["enum"] == ["running", "finished", "failed"]

    # Redriven from the dead-letter queue, the replay runs again and finishes.
    monkeypatch.setattr(replays, "_page", real_page)
    await api.kernel.jobs.redrive(ORG_A, job.id)
    assert (await (await api.client.get(replay_url, headers=auth)).json())["status"] == "running"
    await run_due(api.kernel)  # the replay job
    await run_due(api.kernel)  # its deliveries
    done = await (await api.client.get(replay_url, headers=auth)).json()
    assert (done["status"], done["error"], done["events_done"]) == ("finished", None, 3)
    assert sorted(body["data"]["po_number"] for body in receiver.bodies()) == [
        "PO-0",
        "PO-1",
        "PO-2",
    ]


async def test_a_failed_replay_stays_failed_once_its_dead_job_is_purged(
    api: Server, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay_url, job = await exhausted_replay(api, receiver, monkeypatch)
    retention = api.kernel.settings.dead_letter_retention_days
    api.kernel.clock.advance((retention + 1) * 86400)  # type: ignore[attr-defined]
    purged, _ = await api.kernel.runtime().sweeper.purge_once()
    assert purged >= 1 and await jobs(api.kernel, id=job.id) == []
    gone = await (await api.client.get(replay_url, headers=api.auth())).json()
    assert gone["status"] == "failed" and "purged" in gone["error"]
