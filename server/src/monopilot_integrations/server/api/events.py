"""``POST /api/integrations/events``: publish a domain event through the outbox.

The data is checked against the event type's JSON Schema before anything is stored, and a
422 lists every violation with its path in the request body (``/data/...``).

**Idempotency.** With an ``idempotency_key``, the event's id is derived from the
organisation and the key (a UUIDv5), and the outbox's primary key makes a second insert of
that id fail, atomically, even for concurrent requests. A repeated request with the same
type and data answers 202 with the first event's id and ``replayed: true``; the same key
with other content is a 409. The kernel's ``publish`` takes no id, so the handler publishes
and then renames the row inside the same transaction (see the report: ``publish`` should
take an ``event_id`` or ``idempotency_key`` itself).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from monopilot_integrations.core.db.tables import EventRow
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api._support import Caller, caller, domain_errors
from monopilot_integrations.server.api.models.common import errors
from monopilot_integrations.server.api.models.events import EventAccepted, EventPublish
from monopilot_integrations.server.problems import Problem
from monopilot_integrations.server.validation import json_response, parse_body

#: A channel name (the webhooks connector checks webhooks' channels the same way).
CHANNEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")

#: Namespace of the event ids derived from idempotency keys.
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f4b1f9e-2c55-4d8e-9a57-0b3f3c1a9d21")


def event_id_for(org: uuid.UUID, key: str) -> uuid.UUID:
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{org}\n{key}")


def _check(c: Caller, body: EventPublish) -> None:
    """422 for an unknown type, or listing every schema violation of ``data``."""
    definition = c.kernel.registry.event_types.get(body.event_type)
    if definition is None:
        known = ", ".join(sorted(str(k) for k in c.kernel.registry.event_types))
        raise Problem(
            422,
            f"unknown event type {body.event_type!r}",
            errors=[
                {
                    "location": "body",
                    "path": "/event_type",
                    "message": f"not registered (registered: {known})",
                }
            ],
        )
    bad = [c for c in body.channels if not CHANNEL.match(c)]
    if bad or len(set(body.channels)) != len(body.channels):
        raise Problem(
            422,
            "invalid channels: names of 1-64 letters, digits, '_', '.', ':' or '-', each once",
            errors=[{"location": "body", "path": "/channels", "message": f"{c!r}"} for c in bad]
            or [{"location": "body", "path": "/channels", "message": "listed twice"}],
        )
    if definition.owner is not None:
        raise Problem(
            403,
            f"event type {body.event_type!r} is published by the {definition.owner} connector "
            "only: it reports what that connector observed, so it cannot be published "
            "through the API",
            kind="event-type-not-publishable",
        )
    try:
        definition.validate(body.data)
    except ValidationError as exc:
        problems = [
            {
                "location": "body",
                "path": "/data" + ("" if e["path"] == "/" else e["path"]),
                "message": e["message"],
            }
            for e in exc.errors
        ]
        raise Problem(422, str(exc), errors=problems) from exc


async def _publish_once(c: Caller, body: EventPublish, key: str) -> tuple[uuid.UUID, bool]:
    """Publish under the id derived from ``key``; ``(id, replayed)``."""
    event_id = event_id_for(c.org, key)
    try:
        async with c.kernel.session(c.org) as s:
            published = await c.kernel.publish(
                c.org, body.event_type, body.data, session=s, channels=body.channels
            )
            await s.execute(update(EventRow).where(EventRow.id == published).values(id=event_id))
        return event_id, False
    except IntegrityError:
        pass
    async with c.kernel.session(c.org) as s:
        earlier = (
            await s.execute(
                select(EventRow.event_type, EventRow.data).where(
                    EventRow.org_id == c.org, EventRow.id == event_id
                )
            )
        ).first()
    if earlier is None:  # the other request rolled back meanwhile
        raise Problem(409, "a request with this idempotency key is in progress; retry")
    same_data: Any = json.loads(json.dumps(body.data))
    if earlier.event_type != body.event_type or earlier.data != same_data:
        raise Problem(
            409,
            "this idempotency key was already used for a different event",
            errors=[{"location": "body", "path": "/idempotency_key", "message": "reused"}],
        )
    return event_id, True


async def publish_event(request: web.Request) -> web.Response:
    c = caller(request)
    body = await parse_body(request, EventPublish)
    _check(c, body)
    with domain_errors():
        if body.idempotency_key is None:
            event_id = await c.kernel.publish(
                c.org, body.event_type, body.data, channels=body.channels
            )
            replayed = False
        else:
            event_id, replayed = await _publish_once(c, body, body.idempotency_key)
    out = EventAccepted(id=event_id, event_type=body.event_type, replayed=replayed)
    return json_response(out, status=202)


ROUTES = [
    Route(
        "POST",
        "/api/integrations/events",
        publish_event,
        name="events.publish",
        status_code=202,
        scope="events:publish",
        summary="Publish a domain event (validated against its type's JSON Schema)",
        tags=("events",),
        request_model=EventPublish,
        response_model=EventAccepted,
        responses=errors(409, body=True),
    ),
]
