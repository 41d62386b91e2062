"""Secrets at rest, after a full demo run: the demo server is started as a user starts it,
every kind of secret goes in through the APIs of the installed plugins (API keys, webhook
secrets and custom headers, an EDI partner's SFTP password and private key, ...), events
are delivered and the log fills up; then the server stops, and a dump of the whole
database (every table, every log row) and every file it wrote beside it (but the key file)
is searched for each secret in clear. None may be there."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.support.owned_services import free_port

PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACBx6Fv0Q2sEcretPrivateKeyMaterialForTheAtRestTest0000000000\n"
    "-----END OPENSSH PRIVATE KEY-----"
)


@dataclass
class Demo:
    base: str
    credentials: dict[str, Any]
    root: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """A clean stop: in-flight work handed back, the log buffer flushed."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    exe = shutil.which("monopilot-integrations", path=str(Path(sys.executable).parent))
    assert exe
    port = free_port()
    credentials = tmp_path / "credentials.json"
    env = {
        **os.environ,
        "MONOPILOT_DATA_DIR": str(tmp_path / "data"),
        "MONOPILOT_ALLOW_PRIVATE_TARGETS": "true",
        "MONOPILOT_DISABLE_PLUGINS": "acme",
        "MONOPILOT_API_KEY_BCRYPT_ROUNDS": "4",
        "MONOPILOT_REDIS_URL": "",
    }
    with open(tmp_path / "server.log", "wb") as log:
        process = subprocess.Popen(
            [exe, "serve", "--demo", "--port", str(port), "--demo-credentials", str(credentials)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while not (credentials.exists() and accepts(port)):
                assert process.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the demo did not start"
                time.sleep(0.2)
            started = Demo(
                f"http://127.0.0.1:{port}", json.loads(credentials.read_text()), tmp_path, process
            )
            yield started
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(60)


async def exercise(base: str, admin_key: str, hook_url: str) -> list[str]:
    """Put every kind of secret in through the APIs and use them; returns the secrets."""
    secrets = [admin_key]
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with aiohttp.ClientSession(base_url=base, headers=headers) as http:

        async def post(path: str, body: Any = None, status: int = 201) -> Any:
            async with http.post(path, json=body) as response:
                answer = await response.json()
                assert response.status == status, (path, answer)
                return answer

        key = await post(
            "/api/integrations/api-keys",
            {"name": "erp", "scopes": ["read:products"], "rate_limit_tier": "basic"},
        )
        secrets.append(key["key"])
        header_value = "Bearer partner-token-7f3a9c1e5b"
        hook = await post(
            "/api/integrations/webhooks",
            {
                "name": "erp",
                "url": hook_url,
                "events": ["product.created"],
                "custom_headers": {"Authorization": header_value},
            },
        )
        secrets += [hook["secret"], header_value.split()[1]]
        rotated = await post(f"/api/integrations/webhooks/{hook['id']}/rotate-secret", status=200)
        secrets.append(rotated["secret"])
        sftp_password = "Sftp-Passw0rd-at-rest-check"
        await post(
            "/api/integrations/edi/partners",
            {
                "name": "VAN",
                "partner_id": "5909999000006",
                "transport": "edi-sftp",
                "transport_settings": {
                    "host": "127.0.0.1",
                    "username": "monopilot",
                    "password": sftp_password,
                    "private_key": PRIVATE_KEY,
                    "host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
                },
            },
        )
        secrets += [sftp_password, "QyNTUxOQAAACBx6Fv0Q2sEcretPrivateKeyMaterial"]
        if await has_route(http, "/api/integrations/comarch/config"):
            comarch_secret = "Optima-Bridge-Secret-9c2e"
            async with http.put(
                "/api/integrations/comarch/config",
                json={
                    "enabled": False,
                    "api_url": "http://127.0.0.1:9/optima",
                    "api_key": "MONOPILOT",
                    "api_secret": comarch_secret,
                    "company_code": "DEMO",
                },
            ) as response:
                assert response.status == 200, await response.text()
            secrets.append(comarch_secret)
        if await has_route(http, "/api/integrations/portals/supplier/users"):
            secrets += await portal_secrets(http, base)
        # The keys in use: requests logged with their Authorization headers.
        for n in range(3):
            await post(
                "/api/technical/products",
                {"code": f"AT-REST-{n}", "name": "x", "unit": "szt", "price": "1", "vat_rate": 5},
            )
        async with http.get(
            "/api/technical/products", headers={"Authorization": f"Bearer {key['key']}"}
        ) as response:
            assert response.status == 200
        async with http.get("/api/technical/products?limit=abc") as response:
            assert response.status == 422  # a refused request is logged too
    return secrets


async def has_route(http: aiohttp.ClientSession, path: str) -> bool:
    """Whether the plugin serving ``path`` is installed (its GET answers, not 404)."""
    async with http.get(path) as response:
        return response.status != 404


async def portal_secrets(http: aiohttp.ClientSession, base: str) -> list[str]:
    """A supplier portal user, signed in and out: the password and the session id."""
    async with http.get("/api/planning/suppliers") as response:
        supplier = (await response.json())["items"][0]
    password = "Portal-Passw0rd-at-rest"
    async with http.post(
        "/api/integrations/portals/supplier/users",
        json={
            "email": "buyer@supplier.example",
            "name": "Buyer",
            "party_id": supplier["id"],
            "password": password,
        },
    ) as response:
        assert response.status == 201, await response.text()
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies for an IP address
    async with aiohttp.ClientSession(base_url=base, cookie_jar=jar) as portal:
        async with portal.post(
            "/api/portal/supplier/login",
            json={"email": "buyer@supplier.example", "password": password},
            headers={"Origin": base},
        ) as response:
            assert response.status == 200, await response.text()
            session_ids = [c.value for c in portal.cookie_jar]
        async with portal.get("/api/portal/supplier/orders") as response:
            assert response.status == 200, await response.text()
    assert session_ids
    # The CSRF token is stored with its session (it is not a credential on its own); the
    # session id is stored only as its SHA-256.
    return [password, *session_ids]


async def test_no_secret_is_stored_in_clear_anywhere(demo: Demo) -> None:
    received: list[bytes] = []
    three = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.read())
        if len(received) >= 3:
            three.set()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        secrets = await exercise(
            demo.base, demo.credentials["api_key"], f"http://127.0.0.1:{port}/hook"
        )
        async with asyncio.timeout(60):
            await three.wait()  # the product events delivered: the log has them
    finally:
        await runner.cleanup()

    await asyncio.to_thread(demo.stop)
    found = where_found(demo.root / "data", [*secrets, "AT-REST-2"])
    # The dump does hold the data (a product code), and none of the secrets.
    assert [s for _, s in found] == ["AT-REST-"], found


def where_found(data_dir: Path, secrets: list[str]) -> list[tuple[str, str]]:
    """``(place, secret prefix)`` for every secret found in clear in the data folder."""
    hits = []
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.name == "secret-keys.json":
            continue
        if path.suffix == ".db":
            with sqlite3.connect(path) as db:
                text = "\n".join(db.iterdump())
        else:
            text = path.read_bytes().decode("utf-8", "replace")
        hits += [(str(path), s[:8]) for s in secrets if s and s in text]
    return hits


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
