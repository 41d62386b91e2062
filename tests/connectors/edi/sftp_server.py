"""An in-process SFTP server on 127.0.0.1 (asyncssh) for the mailbox tests: the
``sftp_server`` fixture (made available to the EDI tests by their conftest)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

USER, PASSWORD = "orzel", "Van-Passw0rd!"


class _PasswordServer(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USER and password == PASSWORD


@dataclass
class SftpServer:
    root: Path
    port: int
    host_key: str


@pytest.fixture
async def sftp_server(tmp_path: Path) -> AsyncIterator[SftpServer]:
    root = tmp_path / "sftp-root"
    root.mkdir()
    key = asyncssh.generate_private_key("ssh-ed25519")
    acceptor = await asyncssh.listen(
        "127.0.0.1",
        0,
        server_factory=_PasswordServer,
        server_host_keys=[key],
        sftp_factory=lambda channel: asyncssh.SFTPServer(channel, chroot=str(root).encode()),
    )
    port = acceptor.sockets[0].getsockname()[1]
    public = key.export_public_key().decode().strip()
    try:
        yield SftpServer(root, port, public)
    finally:
        acceptor.close()
        await acceptor.wait_closed()
