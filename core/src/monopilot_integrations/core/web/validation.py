"""Parsing request bodies and query strings into pydantic models, with 4xx on bad input."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import pydantic
from aiohttp import web

from monopilot_integrations.core.storable import has_nul
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
    raw = await request.read()
    if len(raw) > MAX_JSON_BYTES:
        raise Problem(413, f"the body is larger than {MAX_JSON_BYTES} bytes")
    if b"\x00" in raw or (b"\\u0000" in raw and has_nul(raw.decode("utf-8", "replace"))):
        raise Problem(
            422,
            "the body contains a NUL character (\\u0000), which is not accepted",
            errors=[{"location": "body", "path": "/", "message": "NUL character"}],
        )
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, f"the body is not valid JSON: {exc}", kind="invalid-json") from exc
    return validate(data, model, "body")


def parse_query(request: web.Request, model: type[M]) -> M:
    """The query string as ``model``; 422 listing every problem otherwise.

    Repeated parameters become lists when the model's field is a list.
    """
    data: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        field = model.model_fields.get(key)
        is_list = field is not None and "list" in str(field.annotation)
        data[key] = values if is_list else values[-1]
    return validate(data, model, "query")


def validate(data: Any, model: type[M], location: str) -> M:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = _errors(exc, location)
        summary = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:3])
        raise Problem(422, f"invalid {location}: {summary}", errors=errors) from exc


def json_response(model: pydantic.BaseModel, *, status: int = 200) -> web.Response:
    return web.Response(
        text=model.model_dump_json(), status=status, content_type="application/json"
    )
