"""A mailbox in a local folder (the embedded default; also a mounted share).

Claiming is ``os.rename`` from ``in/`` into ``processing/``: atomic on one filesystem, so
two pollers never both take a file. Outbound files are written under a dot-name, flushed,
fsynced and renamed into ``out/``, so a partner never collects half a file.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from monopilot_integrations.connectors.edi.mailbox.layout import (
    MailboxLayout,
    is_ready,
    safe_name,
)
from monopilot_integrations.core.errors import RetriableError
from monopilot_integrations.core.transport import (
    InboundMessage,
    OutboundMessage,
    Receipt,
    Transport,
)


class FolderMailboxSettings(MailboxLayout):
    path: Path


class FolderMailbox(Transport):
    name = "edi-folder"
    settings_model = FolderMailboxSettings

    @property
    def config(self) -> FolderMailboxSettings:
        assert isinstance(self.settings, FolderMailboxSettings)
        return self.settings

    @property
    def source(self) -> str:
        return f"folder:{self.config.path}"

    def folder(self, name: str) -> Path:
        subfolder: str = getattr(self.config, name)
        return self.config.path / subfolder

    async def receive(self) -> list[InboundMessage]:
        try:
            return await asyncio.to_thread(self._receive)
        except OSError as exc:
            raise RetriableError(f"cannot read mailbox {self.config.path}: {exc}") from exc

    async def acknowledge(self, message: InboundMessage) -> None:
        await asyncio.to_thread(self._move, message, "archive", None)

    async def reject(self, message: InboundMessage, reason: str) -> None:
        await asyncio.to_thread(self._move, message, "error", reason)

    async def send(self, message: OutboundMessage) -> Receipt:
        try:
            target = await asyncio.to_thread(self._write, message)
        except OSError as exc:  # disk full, share unmounted: may work later
            raise RetriableError(f"cannot write to {self.folder('outbound')}: {exc}") from exc
        return Receipt(reference=str(target))

    # --- blocking parts, run in a thread ---------------------------------------------------

    def _ensure(self) -> None:
        for name in ("inbound", "processing", "archive", "error", "outbound"):
            self.folder(name).mkdir(parents=True, exist_ok=True)

    def _receive(self) -> list[InboundMessage]:
        self._ensure()
        claimed: list[Path] = []
        inbound, processing = self.folder("inbound"), self.folder("processing")
        for entry in sorted(inbound.iterdir()):
            if not entry.is_file() or not is_ready(entry.name):
                continue
            target = processing / entry.name
            if target.exists():  # a stale claim of an earlier file with this name
                continue
            try:
                os.rename(entry, target)
            except FileNotFoundError:  # another poller claimed it first
                continue
            os.utime(target)  # the claim time: a claim is stale claim_timeout after it
            claimed.append(target)
        stale_before = time.time() - self.config.claim_timeout
        for entry in sorted(processing.iterdir()):
            if entry in claimed or not entry.is_file():
                continue
            try:
                if entry.stat().st_mtime < stale_before:
                    os.utime(entry)
                    claimed.append(entry)
            except FileNotFoundError:
                continue
        return [self._read(path) for path in claimed]

    def _read(self, path: Path) -> InboundMessage:
        size = path.stat().st_size
        metadata: dict[str, object] = {"source": self.source, "size": size}
        if size > self.config.max_file_bytes:
            metadata["too_large"] = True
            body = b""
        else:
            body = path.read_bytes()
        return InboundMessage(name=path.name, body=body, ref=str(path), metadata=metadata)

    def _move(self, message: InboundMessage, folder: str, reason: str | None) -> None:
        self._ensure()
        source = Path(message.ref)
        target = _free_name(self.folder(folder), message.name)
        try:
            os.rename(source, target)
        except FileNotFoundError:  # already moved by a poller that re-claimed it
            return
        if reason is not None:
            target.with_name(target.name + ".error.txt").write_text(reason + "\n")

    def _write(self, message: OutboundMessage) -> Path:
        folder = self.folder("outbound")
        folder.mkdir(parents=True, exist_ok=True)
        name = safe_name(message.name)
        partial = folder / f".{name}.part"
        with open(partial, "wb") as fh:
            fh.write(message.body)
            fh.flush()
            os.fsync(fh.fileno())
        target = folder / name
        os.replace(partial, target)
        return target


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name.<n>`` when a file of that name is already there."""
    target = folder / name
    n = 1
    while target.exists():
        target = folder / f"{name}.{n}"
        n += 1
    return target
