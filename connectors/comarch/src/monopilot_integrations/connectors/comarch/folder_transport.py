"""``comarch-folder``: Optima import files written into a folder (local or a share that
Optima's machine mounts).

A file is written under a dot-name, flushed, fsynced and renamed, so Optima's import never
reads half a file; a file of the same name is replaced (a retry rewrites the same
document's file instead of adding a second one). For SFTP, a connector configuration
names any registered SFTP transport instead (the EDI connector's ``edi-sftp`` when it is
installed): the transport registry, not an import, connects the two.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from monopilot_integrations.core.errors import RetriableError
from monopilot_integrations.core.transport import (
    OutboundMessage,
    Receipt,
    Transport,
    TransportSettings,
)


class FolderSettings(TransportSettings):
    path: Path


class OptimaImportFolder(Transport):
    name = "comarch-folder"
    settings_model = FolderSettings

    async def send(self, message: OutboundMessage) -> Receipt:
        settings = self.settings
        assert isinstance(settings, FolderSettings)
        try:
            target = await asyncio.to_thread(_write, settings.path, message)
        except OSError as exc:  # a share unmounted, a full disk: may work later
            raise RetriableError(f"cannot write to {settings.path}: {exc}") from exc
        return Receipt(reference=str(target))


def _write(folder: Path, message: OutboundMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(message.name).name
    partial = folder / f".{name}.part"
    with open(partial, "wb") as fh:
        fh.write(message.body)
        fh.flush()
        os.fsync(fh.fileno())
    target = folder / name
    os.replace(partial, target)
    return target
