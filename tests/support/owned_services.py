"""Services a test owns: a PostgreSQL cluster of its own (the Redis one is
:class:`tests.support.redis_server.RedisProcess`), on free
loopback ports, that it may stop, kill and start again without disturbing anything else
on the machine (the shared services of the other tests keep running).

They need the server binaries (Debian's ``postgresql`` and ``redis-server`` packages),
which ``.ci/run`` has; without them the tests that use these fixtures skip, naming what is
missing, unless ``MONOPILOT_TEST_REQUIRE_SERVICES=1`` makes that a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.support import services


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _missing(what: str) -> None:
    message = f"{what} is not installed (needed for a service this test starts and stops)"
    if os.environ.get("MONOPILOT_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _wait(check: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up in {timeout:.0f} s")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class OwnedPostgres:
    """A throwaway PostgreSQL cluster (``initdb`` in ``root``) on a free port, trust auth.

    As root, the cluster runs as the ``postgres`` system user (PostgreSQL refuses root),
    in a folder of its own under the system's temporary folder (pytest's are private to
    root). :meth:`remove` stops it and deletes the folder.
    """

    def __init__(self) -> None:
        bindir = _postgres_bin()
        if bindir is None:
            _missing("PostgreSQL (initdb)")
        self.bin = bindir
        self.root = Path(tempfile.mkdtemp(prefix="monopilot-pg-"))
        self.data = self.root / "pgdata"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )
        _wait(lambda: _accepts(self.port), "PostgreSQL")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: sessions are cut, as in a failover; ``immediate``:
        as in a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        command = [str(self.bin / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/")
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stderr or result.stdout}")


__all__ = ["OwnedPostgres", "free_port", "services"]
