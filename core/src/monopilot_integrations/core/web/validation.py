"""Parsing request bodies and query strings into pydantic models, with 4xx on bad input."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import pydantic
from aiohttp import web

from monopilot_integrations.core.storable import printable
from monopilot_integrations.core.web.fields import out_of_range
from monopilot_integrations.core.web.json_body import decode_json
from monopilot_integrations.core.web.problems import Problem

M = TypeVar("M", bound=pydantic.BaseModel)

MAX_JSON_BYTES = 1024 * 1024


def _errors(exc: pydantic.ValidationError, location: str) -> list[dict[str, Any]]:
    return [
        {
            "location": location,
            "path": "/" + "/".join(str(p) for p in err["loc"]),
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


async def parse_body(request: web.Request, model: type[M]) -> M:
    """The JSON body as ``model``; 415, 413, 400 or 422 (listing every problem) otherwise."""
    if request.content_type != "application/json":
        raise Problem(
            415, f"send JSON (Content-Type: application/json), not {request.content_type!r}"
        )
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise Problem(413, f"the body is larger than {MAX_JSON_BYTES} bytes")
    raw = await read_body(request)
    if len(raw) > MAX_JSON_BYTES:
        raise Problem(413, f"the body is larger than {MAX_JSON_BYTES} bytes")
    return validate(decode_json(raw), model, "body")


async def read_body(request: web.Request) -> bytes:
    """The body's bytes, decompressed; 400 when they cannot be read (a ``Content-Encoding``
    of gzip or deflate over bytes that are not, a connection cut mid-body)."""
    try:
        return await request.read()
    except web.RequestPayloadError as exc:
        raise unreadable_body(request, exc) from None


def unreadable_body(request: web.Request, exc: BaseException) -> Problem:
    """The 400 for a body that cannot be read. The connection closes after the answer,
    and the body counts as read: aiohttp would otherwise drain the rest of it for
    keep-alive, meet the same error, and drop the connection, answer unsent."""
    request.content.feed_eof()
    request.protocol.close()
    return Problem(
        400,
        f"the body could not be read: {unreadable_reason(exc)}",
        kind="unreadable-body",
        headers={"Connection": "close"},
    )


def unreadable_reason(exc: BaseException) -> str:
    """What went wrong reading a body, in one line (aiohttp's messages span several)."""
    cause = exc.__cause__ or exc
    return " ".join(str(getattr(cause, "message", cause)).split()) or type(cause).__name__


def parse_query(request: web.Request, model: type[M]) -> M:
    """The query string as ``model``; 422 listing every problem otherwise.

    Repeated parameters become lists when the model's field is a list, and are a 422
    otherwise.
    """
    data: dict[str, Any] = {}
    repeated: list[dict[str, Any]] = []
    for key in request.query:
        if key in data:
            continue
        values = request.query.getall(key)
        field = model.model_fields.get(key)
        is_list = field is not None and "list" in str(field.annotation)
        if not is_list and len(values) > 1:
            # Which one would count is a guess a client should not have to make.
            message = f"given {len(values)} times; send it once"
            repeated.append({"location": "query", "path": f"/{key}", "message": message})
        data[key] = values if is_list else values[-1]
    if repeated:
        raise _invalid("query", repeated)
    return validate(data, model, "query")


def validate(data: Any, model: type[M], location: str) -> M:
    """``data`` as ``model``; 422 listing every problem, integers outside 64 bits and
    timestamps without a UTC form included (they would fail in the database)."""
    try:
        parsed = model.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = _errors(exc, location)
        raise _invalid(location, errors) from exc
    errors = out_of_range(parsed)
    if errors:
        raise _invalid(location, [{"location": location, **e} for e in errors])
    return parsed


def _invalid(location: str, errors: list[dict[str, Any]]) -> Problem:
    summary = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:3])
    return Problem(422, f"invalid {location}: {summary}", errors=errors)


def json_response(model: pydantic.BaseModel, *, status: int = 200) -> web.Response:
    """``model`` as JSON. Text stored before such input was refused (an unpaired surrogate
    in a log row, a job payload) is sent with U+FFFD in place of what UTF-8 cannot hold."""
    try:
        text = model.model_dump_json()
    except ValueError:  # pydantic_core.PydanticSerializationError, wrapping the UnicodeError
        cleaned = _printable_copy(model.model_dump())
        try:
            text = type(model).model_validate(cleaned).model_dump_json()
        except ValueError:
            text = json.dumps(cleaned, default=str)
    return web.Response(text=text, status=status, content_type="application/json")


def _printable_copy(value: Any) -> Any:
    """``value`` with every string (keys too) passed through :func:`printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {_printable_copy(k): _printable_copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable_copy(item) for item in value]
    return value
