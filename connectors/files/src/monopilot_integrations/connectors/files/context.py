"""What the files code needs of the running kernel, in one place.

Route handlers, the connector's ``handle``, the purge task and the CLI reach the kernel
through a :class:`~monopilot_integrations.core.runtime.Runtime` (the per-event-loop part of
the kernel: database, domain store, log writer, jobs); ``FilesContext`` pairs it with the
connector's own settings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monopilot_integrations.connectors.files.settings import FilesSettings, files_settings
from monopilot_integrations.core.runtime import Runtime

CONNECTOR = "files"


@dataclass
class FilesContext:
    runtime: Runtime
    settings: FilesSettings = field(default_factory=files_settings)

    @classmethod
    def of(cls, holder: Any) -> FilesContext:
        """From a Runtime, the kernel (``Kernel``) or a connector's context."""
        runtime = holder.runtime() if hasattr(holder, "runtime") else holder
        if not isinstance(runtime, Runtime):
            raise TypeError(f"expected the kernel or a runtime, not {type(holder).__name__}")
        return cls(runtime)

    @property
    def export_root(self) -> Path:
        return self.settings.export_dir or self.runtime.settings.data_dir / "exports"

    def export_path(self, relative: str) -> Path:
        """The file of an export row's ``path``, refused if it points outside the folder."""
        root = self.export_root.resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(root):
            raise ValueError(f"export path {relative!r} is outside the export folder")
        return path

    @staticmethod
    def relative_path(org_id: uuid.UUID, export_id: uuid.UUID, extension: str) -> str:
        return f"{org_id}/{export_id}.{extension}"
