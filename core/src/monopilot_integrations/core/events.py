"""Event types and events.

An event type names something that happened in MonoPilot (``workorder.completed``) and
carries the JSON Schema its ``data`` must satisfy. Validation happens at ``publish`` time,
once, so every consumer downstream can trust the payload.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from jsonschema import Draft202012Validator

from monopilot_integrations.core.errors import ValidationError

EVENT_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class EventType:
    """A registered event type. ``schema`` is a JSON Schema (2020-12) for ``data``;
    ``example`` is a valid ``data`` (checked at registration, used by docs and test sends).

    ``owner`` names the connector that publishes the type itself (``webhook.disabled``:
    ``"webhooks"``). Such a type reports what that connector saw, so nobody else may
    publish it through the API (``POST /api/integrations/events`` answers 403): a forged
    ``webhook.disabled`` or ``edi.message.failed`` would send alerts about things that never
    happened. The kernel's own ``publish`` takes it, for the connector's use. ``None``
    (domain events): MonoPilot and API keys with ``events:publish`` publish it.
    """

    name: str
    schema: dict[str, Any]
    description: str = ""
    example: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None

    def __post_init__(self) -> None:
        if not EVENT_TYPE_NAME.match(self.name):
            raise ValueError(
                f"event type {self.name!r} must be dotted lowercase words, e.g. 'order.created'"
            )
        Draft202012Validator.check_schema(self.schema)
        if self.example:
            self.validate(self.example)

    @cached_property
    def _validator(self) -> Draft202012Validator:
        return Draft202012Validator(self.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def validate(self, data: Any) -> None:
        """Raise :class:`ValidationError` listing every violation, or return ``None``."""
        errors = sorted(self._validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            problems = [
                {"path": "/" + "/".join(str(p) for p in e.absolute_path), "message": e.message}
                for e in errors
            ]
            summary = "; ".join(f"{p['path']}: {p['message']}" for p in problems[:5])
            raise ValidationError(f"invalid data for event {self.name!r}: {summary}", problems)


@dataclass(frozen=True)
class Event:
    """An event as stored in the outbox and handed to connectors."""

    id: uuid.UUID
    org_id: uuid.UUID
    type: str
    data: dict[str, Any]
    occurred_at: datetime
    #: Channel names the publisher labelled the event with (consumers may filter on them).
    channels: tuple[str, ...] = ()
