"""Two server processes sharing one Redis share one rate budget and one key state."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings
from tests.support import services

pytestmark = pytest.mark.redis

ORG = uuid.UUID("00000000-0000-4000-8000-00000000c0de")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[list[str], Settings]]:
    redis_url = services.need("redis", services.REDIS_URL)
    prefix = f"mp-test-{uuid.uuid4().hex[:6]}"
    settings = Settings(
        data_dir=tmp_path,
        redis_url=redis_url,
        embedded_worker=False,
        api_key_bcrypt_rounds=4,
        broker_namespace=prefix,
    )
    asyncio.run(migrate.upgrade(settings.resolved_database_url, Registry(PluginManager())))
    exe = shutil.which("monopilot-integrations", path=str(Path(sys.executable).parent))
    assert exe
    env = {
        **os.environ,
        "MONOPILOT_DATA_DIR": str(tmp_path),
        "MONOPILOT_REDIS_URL": redis_url,
        "MONOPILOT_EMBEDDED_WORKER": "false",
        "MONOPILOT_API_KEY_BCRYPT_ROUNDS": "4",
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [exe, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60
        for url, process in zip(urls, processes, strict=True):
            while True:
                assert process.poll() is None, (
                    process.stderr.read().decode() if process.stderr else ""
                )
                try:
                    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), 0.2):
                        break
                except OSError:
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.1)
        yield urls, settings
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)


async def test_one_budget_and_one_key_state_across_two_processes(cluster) -> None:  # type: ignore[no-untyped-def]
    urls, settings = cluster
    kernel = Kernel(settings)
    try:
        _, key = await kernel.api_keys.create(
            ORG, name="shared", scopes=["integrations:admin"], rate_limit_tier="basic"
        )
        admin_row, admin = await kernel.api_keys.create(
            ORG, name="admin", scopes=["integrations:admin"], rate_limit_tier="premium"
        )
    finally:
        await kernel.close()
    headers = {"Authorization": f"Bearer {key}"}
    path = "/api/integrations/api-keys?limit=1"
    async with aiohttp.ClientSession() as http:
        statuses = []
        for i in range(14):
            async with http.get(urls[i % 2] + path, headers=headers) as response:
                statuses.append(response.status)
        # basic tier: a burst of 10, shared by both processes; then 429 from either.
        assert statuses[:10] == [200] * 10
        assert set(statuses[10:]) == {429}

        # Suspend through process A; process B refuses the key on the very next request.
        admin_headers = {"Authorization": f"Bearer {admin}"}
        # A premium key in steady use, its verification cached in B.
        for _ in range(30):
            async with http.get(urls[1] + path, headers=admin_headers) as response:
                assert response.status == 200  # B has the admin key cached now
        async with http.get(f"{urls[0]}/api/integrations/api-keys", headers=admin_headers) as r:
            shared_id = next(i["id"] for i in (await r.json())["items"] if i["name"] == "shared")
        async with http.post(
            f"{urls[0]}/api/integrations/api-keys/{admin_row.id}/suspend", headers=admin_headers
        ) as response:
            assert response.status == 200
        async with http.get(urls[1] + path, headers=admin_headers) as response:
            assert response.status == 401
            assert (await response.json())["detail"] == "this API key is suspended"
        assert shared_id
