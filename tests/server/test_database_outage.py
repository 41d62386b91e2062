"""PostgreSQL stopped and started again under load, with a real server process.

While the database is away, every request gets ``503`` with a problem document and
``Retry-After`` (never a 500, never a hang past the client's timeout); once it is back,
the same process serves again without a restart; and every product the API accepted
(``201``) reaches the webhook receiver: no accepted event and no job is lost.

The cluster is the test's own (``OwnedPostgres``), so stopping it disturbs nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from tests.server.test_cli import DEMO
from tests.support.owned_services import OwnedPostgres, free_port

CLIENTS = 4
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass
class Outcomes:
    accepted: set[str] = field(default_factory=set)
    unavailable: int = 0
    others: list[tuple[int, str]] = field(default_factory=list)
    delivered: dict[str, set[str]] = field(default_factory=dict)  # code -> delivery ids


@pytest.fixture
def postgres() -> Iterator[OwnedPostgres]:
    cluster = OwnedPostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("monopilot-integrations", path=str(Path(sys.executable).parent))
    assert exe
    return subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=180)


@contextlib.asynccontextmanager
async def receiver(outcomes: Outcomes) -> AsyncIterator[str]:
    async def handle(request: web.Request) -> web.Response:
        body = await request.json()
        code = body["data"]["code"]
        outcomes.delivered.setdefault(code, set()).add(request.headers["webhook-id"])
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def wait_until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


@dataclass
class Served:
    base: str
    headers: dict[str, str]
    process: subprocess.Popen[bytes]
    port: int


@pytest.fixture
def served(postgres: OwnedPostgres, tmp_path: Path) -> Iterator[Served]:
    """A migrated, seeded database on the owned cluster, an API key, and a server
    process on it (embedded worker, in-process broker)."""

    async def create_database() -> None:
        connection = await asyncpg.connect(postgres.admin_url.replace("+asyncpg", ""))
        await connection.execute('CREATE DATABASE "monopilot"')
        await connection.close()

    asyncio.run(create_database())
    env = {
        **os.environ,
        "MONOPILOT_DATABASE_URL": postgres.url("monopilot"),
        "MONOPILOT_DATA_DIR": str(tmp_path / "data"),
        "MONOPILOT_ALLOW_PRIVATE_TARGETS": "true",
        "MONOPILOT_API_KEY_BCRYPT_ROUNDS": "4",
        "MONOPILOT_DISABLE_PLUGINS": "acme",
        "MONOPILOT_REDIS_URL": "",
        "MONOPILOT_RATE_LIMIT_TIERS": "premium=1000000/10000000/100000",
    }
    for step in (("migrate",), ("seed", str(DEMO))):
        done = cli(*step, env=env)
        assert done.returncode == 0, done.stderr
    made = cli(
        "api-keys", "create", "--org", "demo", "--name", "load",
        "--scopes", "write:products,integrations:admin", "--tier", "premium", env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    exe = shutil.which("monopilot-integrations", path=str(Path(sys.executable).parent))
    assert exe
    port = free_port()
    with open(tmp_path / "server.log", "wb") as log:
        process = subprocess.Popen(
            [exe, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield Served(
                f"http://127.0.0.1:{port}",
                {"Authorization": f"Bearer {made.stdout.strip()}"},
                process,
                port,
            )
        finally:
            process.terminate()
            process.wait(30)


@pytest.mark.timeout(360)
async def test_postgres_restart_under_load_answers_503_recovers_and_loses_nothing(
    postgres: OwnedPostgres, served: Served
) -> None:
    base, headers, outcomes = served.base, served.headers, Outcomes()
    async with receiver(outcomes) as hook_url, aiohttp.ClientSession() as http:
        await wait_until(
            lambda: served.process.poll() is None and _accepts(served.port), 60, "the server"
        )
        async with http.post(
            f"{base}/api/integrations/webhooks",
            json={"name": "stock", "url": hook_url, "events": ["product.created"]},
            headers=headers,
        ) as created:
            assert created.status == 201, await created.text()

        phase = {"stop": False}

        async def client(number: int) -> None:
            serial = 0
            while not phase["stop"]:
                serial += 1
                code = f"P{number}-{serial}"
                body = {
                    "code": code,
                    "name": code,
                    "unit": "szt",
                    "price": "1.00",
                    "vat_rate": 5,
                }
                try:
                    async with http.post(
                        f"{base}/api/technical/products",
                        json=body,
                        headers=headers,
                        timeout=REQUEST_TIMEOUT,
                    ) as response:
                        text = await response.text()
                        if response.status == 201:
                            outcomes.accepted.add(code)
                        elif response.status == 503:
                            assert response.content_type == "application/problem+json", text
                            assert response.headers.get("Retry-After") == "5", text
                            assert "database is unavailable" in text
                            outcomes.unavailable += 1
                            await asyncio.sleep(0.05)
                        else:
                            outcomes.others.append((response.status, text))
                except TimeoutError:
                    outcomes.others.append((0, f"{code}: no answer in 15 s"))

        clients = [asyncio.create_task(client(n)) for n in range(CLIENTS)]
        await wait_until(lambda: len(outcomes.accepted) >= 40, 60, "40 accepted products")
        await asyncio.to_thread(postgres.stop, "fast")
        accepted_before = len(outcomes.accepted)
        await wait_until(lambda: outcomes.unavailable >= 20, 60, "503 answers")
        await asyncio.sleep(3)
        await asyncio.to_thread(postgres.start)
        await wait_until(lambda: len(outcomes.accepted) >= accepted_before + 40, 90, "recovery")
        phase["stop"] = True
        await asyncio.gather(*clients)

        assert outcomes.others == [], outcomes.others[:5]
        await wait_until(
            lambda: outcomes.accepted <= outcomes.delivered.keys(), 180, "every delivery"
        )
        assert outcomes.unavailable >= 20
        # At least once, recognisable: a product's deliveries share one delivery id.
        assert all(len(ids) == 1 for ids in outcomes.delivered.values())
        async with http.get(f"{base}/readyz") as ready:
            assert ready.status == 200, await ready.text()


def _accepts(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
