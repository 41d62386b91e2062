"""The SFTP mailbox goes through the kernel's SSRF guard: private hosts are refused when a
profile is saved and when it connects, the operator's allow-list lets one target through,
and every failure to connect reads the same to the caller, whatever the port's state."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from monopilot_integrations.connectors.edi.inbound.poller import poll_organization
from monopilot_integrations.connectors.edi.mailbox.sftp import SftpMailbox
from monopilot_integrations.core.errors import RetriableError, ValidationError
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.net import OutboundGuard
from monopilot_integrations.core.settings import Settings

from .sftp_server import PASSWORD, USER, SftpServer
from .support import edi_context, sample, setup_org
from .test_sftp import sftp_partner


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"allow_private_targets": False})


@pytest.mark.parametrize("host", ["127.0.0.1", "169.254.169.254", "10.0.0.1", "[::1]", "::1"])
async def test_a_profile_with_a_private_host_is_refused_on_save(
    kernel: Kernel, sftp_server: SftpServer, host: str
) -> None:
    org = await setup_org(kernel)
    with pytest.raises(ValidationError) as refused:
        await sftp_partner(kernel, org.id, sftp_server, host=host)
    assert "not a public address" in str(refused.value)


async def test_the_operators_allow_list_lets_one_target_through(
    kernel: Kernel, sftp_server: SftpServer
) -> None:
    allowed = f"127.0.0.1:{sftp_server.port}"
    kernel.settings.allowed_private_targets = [allowed]  # the operator's setting
    try:
        org = await setup_org(kernel)
        await sftp_partner(kernel, org.id, sftp_server)
        (sftp_server.root / "in").mkdir()
        (sftp_server.root / "in" / "orders.edi").write_bytes(sample("orders_d96a.edi"))
        report = await poll_organization(edi_context(kernel), org.id)
        assert report.failures == [] and report.processed == 1
        with pytest.raises(ValidationError):  # another port of the same host: not listed
            await sftp_partner(kernel, org.id, sftp_server, port=str(sftp_server.port + 1))
    finally:
        kernel.settings.allowed_private_targets = []


@pytest.fixture
async def not_ssh() -> AsyncIterator[int]:
    """An open port on loopback that answers, but not with SSH."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def connect_error(guard: OutboundGuard, host: str, port: int, host_key: str) -> str:
    mailbox = SftpMailbox.from_config(
        {
            "host": host,
            "port": port,
            "username": USER,
            "password": PASSWORD,
            "host_key": host_key,
            "timeout": 5,
        },
        guard=guard,
    )
    with pytest.raises(RetriableError) as failed:
        await mailbox.receive()
    return str(failed.value).replace(str(port), "PORT")


async def test_refused_closed_and_open_ports_give_the_caller_one_message(
    sftp_server: SftpServer, not_ssh: int, caplog: pytest.LogCaptureFixture
) -> None:
    allowed, strict = OutboundGuard(allow_private=True), OutboundGuard()
    key = sftp_server.host_key
    with caplog.at_level(logging.WARNING):
        messages = {
            "closed port": await connect_error(allowed, "127.0.0.1", closed_port(), key),
            "open, not SSH": await connect_error(allowed, "127.0.0.1", not_ssh, key),
            "refused address": await connect_error(strict, "127.0.0.1", sftp_server.port, key),
            "refused (metadata)": await connect_error(strict, "169.254.169.254", 22, key),
        }
    assert set(messages.values()) == {"cannot connect to 127.0.0.1:PORT"} | {
        "cannot connect to 169.254.169.254:PORT"
    }
    assert len({m.replace("169.254.169.254", "127.0.0.1") for m in messages.values()}) == 1
    # The operator's log says why.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ConnectionRefusedError" in logged and "not a public address" in logged


async def test_a_name_is_connected_to_at_its_checked_address(
    sftp_server: SftpServer, tmp_path: Path
) -> None:
    """``localhost`` resolves to loopback: refused by the strict guard, and connected to
    (at the address the guard checked) when private targets are allowed."""
    key = sftp_server.host_key
    assert await connect_error(OutboundGuard(), "localhost", sftp_server.port, key) == (
        "cannot connect to localhost:PORT"
    )
    mailbox = SftpMailbox.from_config(
        {
            "host": "localhost",
            "port": sftp_server.port,
            "username": USER,
            "password": PASSWORD,
            "host_key": key,
        },
        guard=OutboundGuard(allowed=[f"localhost:{sftp_server.port}"]),
    )
    try:
        assert await mailbox.receive() == []
    finally:
        await mailbox.close()
