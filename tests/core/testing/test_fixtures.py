"""The helpers of ``monopilot_integrations.core.testing`` that connector tests lean on.

The fixtures themselves run in the generated connector's own tests
(tests/server/test_new_connector.py); these check the helpers on the suite's kernel.
"""

from __future__ import annotations

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.testing import (
    Answer,
    LoopbackReceiver,
    create_org_with_admin_key,
    run_pending_jobs,
)
from tests.core.helpers import ORG_A


async def test_run_pending_jobs_runs_what_is_due_by_the_kernels_clock(
    kernel: Kernel, clock: ManualClock
) -> None:
    await kernel.publish(ORG_A, "test.ping", {"fail_times": 1})

    assert [o.status for o in await run_pending_jobs(kernel, "flaky")] == ["retrying"]
    assert await run_pending_jobs(kernel, "flaky") == []  # the retry is not due yet
    clock.advance(seconds=5)
    assert [o.status for o in await run_pending_jobs(kernel, "flaky")] == ["succeeded"]


async def test_the_org_key_holds_every_registered_scope(kernel: Kernel) -> None:
    org = await create_org_with_admin_key(kernel)
    (key,), total = await kernel.api_keys.list(org.id)
    assert total == 1
    assert sorted(key.scopes) == sorted(str(s) for s in kernel.registry.scopes)
    assert org.headers == {"Authorization": f"Bearer {org.api_key}"}


async def test_the_receiver_records_requests_and_answers_from_its_script() -> None:
    import aiohttp

    async with LoopbackReceiver() as receiver, aiohttp.ClientSession() as http:
        receiver.answer(Answer(503, headers={"Retry-After": "7"}, body="later"))
        async with http.put(f"{receiver.base_url}/any/path", json={"n": 1}) as first:
            assert (first.status, first.headers["Retry-After"]) == (503, "7")
            assert await first.text() == "later"
        async with http.post(receiver.url, data=b"{}", headers={"X-Id": "2"}) as second:
            assert second.status == 200  # the default answer once the script is spent
    assert [(r.method, r.path) for r in receiver.received] == [
        ("PUT", "/any/path"),
        ("POST", "/hook"),
    ]
    assert receiver.bodies() == [{"n": 1}, {}]
    assert receiver.header_values("X-Id") == ["2"]
