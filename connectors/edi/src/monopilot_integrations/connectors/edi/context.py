"""What the EDI code needs of the running kernel, in one place.

Route handlers, the connector's job handler and the poller all reach the kernel through a
:class:`~monopilot_integrations.core.runtime.Runtime` (the per-event-loop part of the
kernel: database, domain store, outbox, log writer, keyring). ``EdiContext`` pairs it with
the connector's own settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monopilot_integrations.connectors.edi.settings import EdiSettings, edi_settings
from monopilot_integrations.core.runtime import Runtime


@dataclass
class EdiContext:
    runtime: Runtime
    settings: EdiSettings = field(default_factory=edi_settings)

    @classmethod
    def of(cls, holder: Any) -> EdiContext:
        """From a Runtime, the kernel (``Kernel``) or a connector's context."""
        runtime = holder.runtime() if hasattr(holder, "runtime") else holder
        if not isinstance(runtime, Runtime):
            raise TypeError(f"expected the kernel or a runtime, not {type(holder).__name__}")
        return cls(runtime)

    @property
    def mailbox_root(self) -> Path:
        return self.settings.mailbox_dir or self.runtime.settings.data_dir / "edi"
