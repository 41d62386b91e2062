"""What storing a file produced: its messages and their state, as the callers see them.

Kept apart from :mod:`.storage` so the poller and the API read a small, plain result.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from monopilot_integrations.connectors.edi.edifact.model import Message


@dataclass
class StoredMessage:
    id: uuid.UUID
    message_type: str
    status: str
    error: str | None
    #: The parsed message, so the caller can process it without reading it again.
    parsed: Message | None = None
    decimal_mark: str = "."
    #: Processed in the storing transaction (``store_file(process=True)``).
    processed: bool = False


@dataclass
class StoredFile:
    file_id: uuid.UUID | None
    already_stored: bool
    messages: list[StoredMessage] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Something in the file could not be read or used (the file goes to error/)."""
        return any(m.status == "error" for m in self.messages)

    def reason(self) -> str:
        errors = [f"{m.message_type} {m.id}: {m.error}" for m in self.messages if m.error]
        return "\n".join(errors) or "stored"
