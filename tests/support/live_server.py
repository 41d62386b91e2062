"""The assembled server as its own process, as a person starts it (``serve --demo``:
SQLite, the demo organisation, an admin key with every scope, the dashboard admin's
password), on loopback.

Tests that talk to the server as outside clients do (schemathesis, the web-route fuzz)
use it: nothing of the server runs in the test's process, so what they see is what a
client sees, and the server's own log (access lines, refusals) is a file the test reads.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Limits a fuzzer would hit: it sends mangled keys and passwords and many requests, and
#: neither may lock it out (the limits themselves have tests of their own).
FUZZ_LIMITS = {
    "MONOPILOT_API_KEY_BCRYPT_ROUNDS": "4",
    "MONOPILOT_API_KEY_ATTEMPTS_PER_ADDRESS": "1000000/10000000/100000",
    "MONOPILOT_RATE_LIMIT_TIERS": "premium=1000000/10000000/100000",
}


@dataclass(frozen=True)
class LiveServer:
    """A running ``serve --demo`` and what it printed for its user."""

    base_url: str
    credentials: dict[str, Any]
    log_path: Path
    env: dict[str, str]

    @property
    def key(self) -> str:
        """The demo's admin API key (every scope)."""
        return str(self.credentials["api_key"])

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


def executable() -> str:
    """The installed ``monopilot-integrations`` command of this environment."""
    exe = shutil.which("monopilot-integrations", path=str(Path(sys.executable).parent))
    assert exe, "monopilot-integrations is not installed in this environment"
    return exe


@contextmanager
def serve_demo(data: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """Run ``serve --demo`` with its data in ``data`` until the block ends."""
    credentials = data / "credentials.json"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MONOPILOT_")},
        "MONOPILOT_DATA_DIR": str(data),
        **FUZZ_LIMITS,
        **(extra_env or {}),
    }
    log_path = data / "server.log"
    log = log_path.open("wb")  # a file, not a pipe nobody reads (it fills)
    process = subprocess.Popen(
        [
            executable(),
            "serve",
            "--demo",
            "--port",
            str(port),
            "--demo-credentials",
            str(credentials),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while not credentials.exists() or not _accepts(port):
            assert process.poll() is None, log_path.read_text()[-5000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield LiveServer(
            base_url=f"http://127.0.0.1:{port}",
            credentials=json.loads(credentials.read_text()),
            log_path=log_path,
            env=env,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
