"""ACME picks files up from a folder: write to a temporary name, then rename atomically."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from monopilot_integrations.core import OutboundMessage, RetriableError, Transport
from monopilot_integrations.core.transport import Receipt, TransportSettings


class AcmeFolderSettings(TransportSettings):
    path: Path


class AcmeFolderTransport(Transport):
    name = "acme-folder"
    settings_model = AcmeFolderSettings

    async def send(self, message: OutboundMessage) -> Receipt:
        settings = self.settings
        assert isinstance(settings, AcmeFolderSettings)
        try:
            target = await asyncio.to_thread(_write, settings.path, message)
        except OSError as exc:  # disk full, share unmounted: may work later
            raise RetriableError(f"cannot write to {settings.path}: {exc}") from exc
        return Receipt(reference=str(target))


def _write(folder: Path, message: OutboundMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(message.name).name  # never let a name escape the folder
    target = folder / name
    partial = folder / f".{name}.part"
    with open(partial, "wb") as fh:
        fh.write(message.body)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, target)
    return target
