"""A mailbox on a partner's (or a VAN's) SFTP server, through asyncssh.

Same layout and claim rule as the folder mailbox: a file is claimed with an SFTP
``rename`` from ``in/`` into ``processing/`` (SFTP v3 rename refuses to overwrite, so one
poller wins), and moved to ``archive/`` or ``error/`` only after its messages are stored.
Outbound files are uploaded under ``.name.part`` and published with ``posix-rename``.

The server's host key must be pinned (``host_key``, OpenSSH public key text): a mailbox
that would talk to whoever answers on the address is refused when the profile is saved.

The host goes through the kernel's SSRF guard like every outbound connection: checked when
the profile is saved (:meth:`SftpMailbox.check_targets`), then resolved and checked again
right before connecting, and the connection goes to the checked address, never to the name
again. Every failure to connect (a refused address, a closed port, an open port that does
not speak SSH, a timeout) gives the caller one message; the operator's log has the reason.
"""

from __future__ import annotations

import logging
import posixpath
import time
from typing import Any

import asyncssh
from pydantic import Field, SecretStr, model_validator

from monopilot_integrations.connectors.edi.mailbox.layout import (
    MailboxLayout,
    is_ready,
    safe_name,
)
from monopilot_integrations.core.errors import ConfigError, FatalError, RetriableError
from monopilot_integrations.core.net import UNREACHABLE, BlockedTargetError
from monopilot_integrations.core.transport import (
    InboundMessage,
    OutboundMessage,
    Receipt,
    Transport,
)

log = logging.getLogger(__name__)


class SftpMailboxSettings(MailboxLayout):
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=22, ge=1, le=65535)
    username: str = Field(min_length=1, max_length=255)
    password: SecretStr | None = None
    private_key: SecretStr | None = Field(default=None, description="OpenSSH or PEM text")
    passphrase: SecretStr | None = None
    host_key: str = Field(
        min_length=1, description="The server's public host key, e.g. 'ssh-ed25519 AAAA...'"
    )
    root: str = Field(default=".", description="The mailbox root on the server")
    timeout: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _credentials(self) -> SftpMailboxSettings:
        if self.password is None and self.private_key is None:
            raise ValueError("give a password or a private_key")
        try:
            asyncssh.import_public_key(self.host_key)
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise ValueError(f"host_key is not an SSH public key: {exc}") from None
        return self


class SftpMailbox(Transport):
    name = "edi-sftp"
    settings_model = SftpMailboxSettings

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self._connection: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None

    @property
    def config(self) -> SftpMailboxSettings:
        assert isinstance(self.settings, SftpMailboxSettings)
        return self.settings

    @property
    def source(self) -> str:
        c = self.config
        return f"sftp:{c.username}@{c.host}:{c.port}/{c.root}"

    def check_targets(self) -> None:
        try:
            self.guard.check_target(self.config.host, self.config.port)
        except BlockedTargetError as exc:
            raise ConfigError(f"host: {exc}") from None

    def path(self, folder: str, name: str | None = None) -> str:
        base = posixpath.join(self.config.root, getattr(self.config, folder))
        return base if name is None else posixpath.join(base, name)

    async def _client(self) -> asyncssh.SFTPClient:
        if self._sftp is not None:
            return self._sftp
        c = self.config
        options: dict[str, Any] = {
            "port": c.port,
            "username": c.username,
            # The pinned key, whatever name or port the server is reached by.
            "known_hosts": asyncssh.import_known_hosts(f"* {c.host_key}\n"),
            "connect_timeout": c.timeout,
            "login_timeout": c.timeout,
        }
        if c.password is not None:
            options["password"] = c.password.get_secret_value()
        if c.private_key is not None:
            passphrase = c.passphrase.get_secret_value() if c.passphrase else None
            try:
                key = asyncssh.import_private_key(c.private_key.get_secret_value(), passphrase)
            except (asyncssh.KeyImportError, ValueError) as exc:
                raise FatalError(
                    f"the private key of {self.source} cannot be read: {exc}"
                ) from None
            options["client_keys"] = [key]
        else:
            options["client_keys"] = None
        unreachable = UNREACHABLE.format(target=f"{c.host}:{c.port}")
        try:
            target = await self.guard.resolve_target(c.host, c.port)
            self._connection = await asyncssh.connect(target.address, **options)
            self._sftp = await self._connection.start_sftp_client()
        except BlockedTargetError as exc:
            log.warning("%s: %s", self.source, exc)
            raise RetriableError(unreachable) from None
        except asyncssh.PermissionDenied as exc:
            raise FatalError(f"{self.source}: login refused ({exc.reason})") from None
        except asyncssh.HostKeyNotVerifiable as exc:
            raise FatalError(f"{self.source}: host key does not match ({exc.reason})") from None
        except (OSError, asyncssh.Error, TimeoutError) as exc:
            # Whether the port is closed, filtered or open to something else stays in the
            # operator's log: told to the caller, it would make this a port scanner.
            log.warning("%s: cannot connect: %s: %s", self.source, type(exc).__name__, exc)
            raise RetriableError(unreachable) from None
        return self._sftp

    async def _ensure(self, sftp: asyncssh.SFTPClient) -> None:
        for folder in ("inbound", "processing", "archive", "error", "outbound"):
            await sftp.makedirs(self.path(folder), exist_ok=True)

    async def receive(self) -> list[InboundMessage]:
        sftp = await self._client()
        try:
            await self._ensure(sftp)
            claimed: list[str] = []
            for name in sorted(await _names(sftp, self.path("inbound"))):
                if not is_ready(name):
                    continue
                target = self.path("processing", name)
                try:
                    await sftp.rename(self.path("inbound", name), target)
                except asyncssh.SFTPError:  # claimed by another poller, or a stale namesake
                    continue
                await sftp.utime(target)
                claimed.append(name)
            stale_before = time.time() - self.config.claim_timeout
            for entry in await sftp.readdir(self.path("processing")):
                name = _text(entry.filename)
                if name in claimed or not is_ready(name):
                    continue
                if entry.attrs.mtime is not None and entry.attrs.mtime < stale_before:
                    await sftp.utime(self.path("processing", name))
                    claimed.append(name)
            return [await self._read(sftp, name) for name in claimed]
        except asyncssh.SFTPError as exc:
            raise RetriableError(f"{self.source}: {exc.reason}") from None

    async def _read(self, sftp: asyncssh.SFTPClient, name: str) -> InboundMessage:
        path = self.path("processing", name)
        size = (await sftp.stat(path)).size or 0
        metadata: dict[str, object] = {"source": self.source, "size": size}
        body = b""
        if size > self.config.max_file_bytes:
            metadata["too_large"] = True
        else:
            async with sftp.open(path, "rb") as fh:
                body = await fh.read()
        return InboundMessage(name=name, body=bytes(body), ref=path, metadata=metadata)

    async def acknowledge(self, message: InboundMessage) -> None:
        await self._move(message, "archive", None)

    async def reject(self, message: InboundMessage, reason: str) -> None:
        await self._move(message, "error", reason)

    async def _move(self, message: InboundMessage, folder: str, reason: str | None) -> None:
        sftp = await self._client()
        target = self.path(folder, message.name)
        n = 1
        while await sftp.exists(target):
            target = self.path(folder, f"{message.name}.{n}")
            n += 1
        try:
            await sftp.rename(message.ref, target)
        except asyncssh.SFTPNoSuchFile:  # moved already by a poller that re-claimed it
            return
        except asyncssh.SFTPError as exc:
            raise RetriableError(
                f"{self.source}: cannot move {message.name}: {exc.reason}"
            ) from None
        if reason is not None:
            async with sftp.open(target + ".error.txt", "w") as fh:
                await fh.write(reason + "\n")

    async def send(self, message: OutboundMessage) -> Receipt:
        sftp = await self._client()
        name = safe_name(message.name)
        partial = self.path("outbound", f".{name}.part")
        target = self.path("outbound", name)
        try:
            await sftp.makedirs(self.path("outbound"), exist_ok=True)
            async with sftp.open(partial, "wb") as fh:
                await fh.write(message.body)
            await sftp.posix_rename(partial, target)
        except asyncssh.SFTPError as exc:
            raise RetriableError(f"{self.source}: cannot upload {name}: {exc.reason}") from None
        finally:
            await self.close()
        return Receipt(reference=f"{self.source}/{target}")

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            await self._connection.wait_closed()
        self._connection = None
        self._sftp = None


async def _names(sftp: asyncssh.SFTPClient, path: str) -> list[str]:
    return [n for n in (_text(x) for x in await sftp.listdir(path)) if n not in (".", "..")]


def _text(name: str | bytes) -> str:
    return name.decode("utf-8", "replace") if isinstance(name, bytes) else name
