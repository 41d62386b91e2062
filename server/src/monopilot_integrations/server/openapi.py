"""The OpenAPI 3.1 document, assembled from the pydantic models each route declares.

All models go through one ``models_json_schema`` call so component names are consistent and
every ``$ref`` points at ``#/components/schemas/...``. Routes of installed plugins are
included like the server's own: the document describes exactly what this server serves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from monopilot_integrations.core.plugins.registration import EventType, Route
from monopilot_integrations.core.web.problems import PROBLEM_JSON, ProblemDetail
from monopilot_integrations.core.web.scopes import Access

PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")
REF = "#/components/schemas/{model}"


def build_openapi(
    routes: Iterable[Route],
    *,
    title: str,
    version: str,
    event_types: Iterable[EventType] = (),
) -> dict[str, Any]:
    routes = sorted((r for r in routes if r.in_openapi), key=lambda r: (r.path, r.method))
    models: set[type[BaseModel]] = {ProblemDetail}
    for route in routes:
        for model in (
            route.request_model,
            route.response_model,
            route.query_model,
            *route.responses.values(),
        ):
            if model is not None:
                models.add(model)
    ordered = sorted(models, key=lambda m: m.__name__)
    mode_pairs = [(m, "validation") for m in ordered] + [(m, "serialization") for m in ordered]
    refs, components = models_json_schema(mode_pairs, ref_template=REF)

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return dict(refs[(model, mode)])  # type: ignore[index]

    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        access = Access.parse(route.scope, route.public)
        path = PATH_PARAM.sub(r"{\1}", route.path)
        operation: dict[str, Any] = {
            "operationId": route.name,
            "summary": route.summary or route.name,
            "tags": list(route.tags) or ["default"],
            "responses": {},
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in PATH_PARAM.findall(route.path)
        ]
        if route.query_model is not None:
            parameters += _query_parameters(route.query_model)
        if parameters:
            operation["parameters"] = parameters
        if route.request_model is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(route.request_model, "validation")}},
            }
        success: dict[str, Any] = {"description": "Success"}
        if route.response_model is not None and route.status_code != 204:
            success["content"] = {
                "application/json": {"schema": ref(route.response_model, "serialization")}
            }
        operation["responses"][str(route.status_code)] = success
        problem = {"content": {PROBLEM_JSON: {"schema": ref(ProblemDetail, "serialization")}}}
        errors: dict[int, str] = {}
        if not access.public:
            operation["security"] = [{"apiKey": []}]
            errors.update(
                {
                    401: "Missing, malformed, unknown, revoked, suspended or expired key",
                    429: "Rate limit exceeded (see Retry-After)",
                }
            )
            required = sorted(access.all_of) or sorted(access.any_of)
            if required:
                errors[403] = "The API key lacks a required scope"
                operation["x-required-scopes"] = {"all_of" if access.all_of else "any_of": required}
        if route.request_model is not None:
            # What parse_body refuses before the model sees anything.
            errors[400] = "The body is not JSON, not UTF-8, or does not decompress"
            errors[413] = "The body is larger than 1 MiB"
            errors[415] = "The body is not application/json"
        if route.request_model is not None or route.query_model is not None:
            errors[422] = (
                "Invalid input: every problem is listed (also for NUL characters, "
                "unpaired surrogates, nesting deeper than 64, integers out of range)"
            )
        if PATH_PARAM.search(route.path) or route.request_model is not None:
            # A record named in the path or in the body (a NotFoundError anywhere is a 404).
            errors[404] = "Not found in the caller's organisation"
        for status, description in errors.items():
            operation["responses"][str(status)] = {"description": description, **problem}
        for status, model in route.responses.items():
            operation["responses"][str(status)] = {
                "description": _describe(status),
                "content": {
                    (PROBLEM_JSON if model is ProblemDetail else "application/json"): {
                        "schema": ref(model, "serialization")
                    }
                },
            }
        paths.setdefault(path, {})[route.method.lower()] = operation

    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "MonoPilot Integrations: API keys, logs, retries, the public API "
            "and every installed connector's routes.",
        },
        "paths": paths,
        "components": {
            "schemas": components.get("$defs", {}),
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Authorization: Bearer mp_live_...",
                }
            },
        },
    }
    hooks = webhooks_section(event_types)
    if hooks:
        document["webhooks"] = hooks
    return document


def webhooks_section(event_types: Iterable[EventType]) -> dict[str, Any]:
    """OpenAPI 3.1 ``webhooks``: one POST per event type, the request body a webhook
    receiver gets (``{event, timestamp, org_id, data}``, as ``docs/webhooks.md`` says)
    with the type's ``data`` schema and example, and the answers the sender expects."""
    section: dict[str, Any] = {}
    for kind in sorted(event_types, key=lambda k: k.name):
        body = {
            "type": "object",
            "required": ["event", "timestamp", "org_id", "data"],
            "properties": {
                "event": {"const": kind.name},
                "timestamp": {"type": "string", "format": "date-time"},
                "org_id": {"type": "string", "format": "uuid"},
                "data": kind.schema,
            },
            "additionalProperties": False,
        }
        example = {
            "event": kind.name,
            "timestamp": "2026-03-02T08:00:00Z",
            "org_id": "00000000-0000-4000-8000-000000000001",
            "data": kind.example,
        }
        section[kind.name] = {
            "post": {
                "operationId": f"webhook.{kind.name}",
                "summary": kind.description or kind.name,
                "tags": ["webhooks"],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": body, "example": example}},
                },
                "responses": {
                    "2XX": {"description": "Received: the delivery succeeded"},
                    "410": {"description": "Gone: the webhook is paused, nothing more is sent"},
                    "default": {"description": "Any other answer: retried on the schedule"},
                },
            }
        }
    return section


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": _as_sent(prop),
        }
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return parameters


def _as_sent(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema as a query string can carry it: a value or nothing.

    An optional model field is ``X | None``, whose JSON schema allows ``null``; a query
    string has no null (the parameter is left out), so the document lists the value's
    schema alone. With ``null`` listed, a client (or a fuzzer) takes ``?q=243626`` for an
    integer where ``q`` must be a string or null, when the server rightly reads the text.
    """
    schema = {k: v for k, v in prop.items() if k not in ("title", "description")}
    options = schema.get("anyOf")
    if not isinstance(options, list) or {"type": "null"} not in options:
        return schema
    rest = [option for option in options if option != {"type": "null"}]
    del schema["anyOf"]
    if schema.get("default", ...) is None:
        del schema["default"]
    if len(rest) == 1 and "$ref" not in rest[0]:
        return {**rest[0], **schema}
    return {**schema, "anyOf": rest}


def _describe(status: int) -> str:
    return {
        200: "Success",
        201: "Created",
        202: "Accepted",
        204: "No content",
        400: "Bad request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not found",
        409: "Conflict",
        413: "Payload too large",
        415: "Unsupported media type",
        422: "Invalid input",
        429: "Too many requests",
        503: "Unavailable",
    }.get(status, "Response")
