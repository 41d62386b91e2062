"""What processing did to one inbound message."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    """``status`` and ``outcome`` go to the message row; ``errors`` lists every problem
    (for a ``pending_review`` order: why it needs review)."""

    status: str
    outcome: str | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    sales_order_id: uuid.UUID | None = None
    receipt_id: uuid.UUID | None = None
