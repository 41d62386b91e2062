"""``GET /api/integrations/event-types``: the event type catalogue (Svix's event types).

Every installed event type, the built-in ones and every plugin's, with its description,
the JSON Schema of its ``data``, the schema of the whole request body a receiver gets, and
an example of both, so a consumer can discover what it may subscribe to and generate code
from it. The same catalogue is in the OpenAPI document's ``webhooks`` section. Any valid
API key may read it: it describes the server, not an organisation's data.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from monopilot_integrations.connectors.webhooks.message import envelope_schema, event_body
from monopilot_integrations.core.events import EventType
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.request import request_kernel
from monopilot_integrations.core.web.validation import json_response, parse_query

#: The organisation id shown in examples.
EXAMPLE_ORG = "00000000-0000-4000-8000-000000000001"
EXAMPLE_TIME = "2026-03-02T08:00:00Z"


class EventTypeOut(BaseModel):
    name: str = Field(examples=["order.created"])
    description: str
    data_schema: dict[str, Any] = Field(description="JSON Schema (2020-12) of 'data'")
    payload_schema: dict[str, Any] = Field(
        description="JSON Schema of the whole request body a webhook receives"
    )
    example: dict[str, Any] = Field(description="An example 'data' (valid against data_schema)")
    example_payload: dict[str, Any] = Field(description="An example request body")
    publisher: str | None = Field(
        description="The connector that publishes this type itself (it cannot be published "
        "through the API); null: MonoPilot's domain events"
    )


class EventTypeList(BaseModel):
    items: list[EventTypeOut]


class EventTypeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prefix: str | None = Field(
        default=None, max_length=100, description="Only types starting with this, e.g. 'order.'"
    )


def describe(kind: EventType) -> EventTypeOut:
    return EventTypeOut(
        name=kind.name,
        description=kind.description,
        data_schema=kind.schema,
        payload_schema=envelope_schema(kind.name, kind.schema),
        example=kind.example,
        example_payload=event_body(kind.name, EXAMPLE_TIME, EXAMPLE_ORG, kind.example),
        publisher=kind.owner,
    )


async def list_event_types(request: web.Request) -> web.Response:
    query = parse_query(request, EventTypeQuery)
    kinds = sorted(request_kernel(request).registry.event_types.values(), key=lambda k: k.name)
    items = [describe(k) for k in kinds if not query.prefix or k.name.startswith(query.prefix)]
    return json_response(EventTypeList(items=items))


ROUTES = [
    Route(
        "GET",
        "/api/integrations/event-types",
        list_event_types,
        name="webhooks.event_types",
        summary="The event type catalogue: every installed type with its description, "
        "JSON Schema and an example",
        tags=("webhooks",),
        query_model=EventTypeQuery,
        response_model=EventTypeList,
    ),
]
