"""``publish``: the transactional outbox.

An event is a row in ``integration_events`` written in the publisher's own transaction
when a session is passed. So an event is never dispatched for a transaction that rolled
back, and never lost because the broker was down: the dispatcher reads the outbox, not the
broker.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.db.database import Database, session_org
from monopilot_integrations.core.db.tables import EventRow
from monopilot_integrations.core.errors import UnknownEventTypeError, ValidationError
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.storable import has_nul

MAX_EVENT_BYTES = 256 * 1024


class Outbox:
    def __init__(
        self,
        database: Database,
        registry: Registry,
        clock: Clock,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.database = database
        self.registry = registry
        self.clock = clock
        self.on_commit = on_commit

    def validate(self, event_type: str, data: Any) -> dict[str, Any]:
        """Check the type is registered and ``data`` satisfies its schema; return a copy."""
        definition = self.registry.event_types.get(event_type)
        if definition is None:
            known = ", ".join(sorted(str(k) for k in self.registry.event_types)) or "none"
            raise UnknownEventTypeError(
                f"unknown event type {event_type!r} (registered: {known})",
                [{"path": "/event_type", "message": "not registered"}],
            )
        if not isinstance(data, Mapping):
            raise ValidationError(
                f"event data must be a JSON object, not {type(data).__name__}",
                [{"path": "/data", "message": "not an object"}],
            )
        try:
            encoded = json.dumps(data, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"event data is not JSON-serialisable: {exc}",
                [{"path": "/data", "message": str(exc)}],
            ) from exc
        if has_nul(encoded):  # the text "\\u0000" is fine; a NUL character is not
            raise ValidationError(
                "event data contains a NUL character (\\u0000), which cannot be stored",
                [{"path": "/data", "message": "NUL character"}],
            )
        if len(encoded) > MAX_EVENT_BYTES:
            raise ValidationError(
                f"event data is {len(encoded)} bytes; the limit is {MAX_EVENT_BYTES}",
                [{"path": "/data", "message": "too large"}],
            )
        copy: dict[str, Any] = json.loads(encoded)
        definition.validate(copy)
        return copy

    async def publish(
        self,
        org_id: uuid.UUID,
        event_type: str,
        data: Mapping[str, Any],
        *,
        session: AsyncSession | None = None,
        channels: Sequence[str] = (),
    ) -> uuid.UUID:
        """Validate and store an event; returns its id. ``channels`` label it (names
        consumers may filter on, e.g. a plant).

        With ``session``, the event commits or rolls back with the caller's transaction
        (the session must belong to ``org_id``). Without, it is stored in a transaction of
        its own.
        """
        payload = self.validate(event_type, data)
        row = {
            "id": uuid.uuid4(),
            "org_id": org_id,
            "event_type": event_type,
            "data": payload,
            "occurred_at": self.clock.now(),
            "channels": list(channels) or None,
        }
        if session is not None:
            if session_org(session) != org_id:
                raise ValueError("publish: the session belongs to another organisation")
            await session.execute(insert(EventRow), [row])
            if self.on_commit is not None:
                callback = self.on_commit
                sa_event.listen(
                    session.sync_session, "after_commit", lambda _s: callback(), once=True
                )
        else:
            async with self.database.session(org_id) as own:
                await own.execute(insert(EventRow), [row])
            if self.on_commit is not None:
                self.on_commit()
        return row["id"]  # type: ignore[return-value]
