"""RFC 9457 problem details: every error a client sees, in one shape.

Handlers raise :class:`Problem` (or let a kernel error through: the error middleware maps
:class:`~monopilot_integrations.core.errors.ValidationError` to 422 and
:class:`~monopilot_integrations.core.errors.NotFoundError` to 404). Nothing else reaches a
client: an unexpected exception becomes a 500 with the request id and no stack trace.
A route serving a web page gets the same refusal as an HTML page
(:mod:`~monopilot_integrations.core.web.error_pages`).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from monopilot_integrations.core.web.error_pages import is_page, refusal_page

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://docs.monopilot.example/problems/"


class ProblemDetail(BaseModel):
    """The body of every error response (RFC 9457)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI naming the kind of problem")
    title: str = Field(description="Short summary of the kind of problem")
    status: int = Field(description="HTTP status code")
    detail: str = Field(description="What went wrong in this request, for a human")
    instance: str | None = Field(default=None, description="The request path")
    request_id: str | None = Field(default=None, description="Quote it when asking for help")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Every validation problem: where and what"
    )


class Problem(web.HTTPException):
    """An HTTP error with a problem-details body. Raise it from handlers."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.status_code = status
        super().__init__(headers=headers, reason=title or _TITLES.get(status))
        self.detail = detail
        self.kind = kind or _default_kind(status)
        self.title = title or _TITLES.get(status, "Error")
        self.extra = extra

    def body_for(self, request: web.Request, request_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.kind,
            "title": self.title,
            "status": self.status_code,
            "detail": self.detail,
            "instance": request.path,
        }
        if request_id:
            body["request_id"] = request_id
        body.update({k: v for k, v in self.extra.items() if v is not None})
        return body


def problem_response(
    request: web.Request, problem: Problem, request_id: str | None
) -> web.Response:
    headers = dict(problem.headers)
    for name in ("Content-Type", "Content-Length"):
        headers.pop(name, None)
    if is_page(request):
        return refusal_page(
            status=problem.status_code,
            title=problem.title,
            detail=problem.detail,
            request_id=request_id,
            headers=headers,
        )
    return web.Response(
        status=problem.status_code,
        text=json.dumps(problem.body_for(request, request_id), default=str),
        content_type=PROBLEM_JSON,
        headers=headers,
    )


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}

_KINDS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
    503: "unavailable",
}


def _default_kind(status: int) -> str:
    return _KINDS.get(status, "server-error")


def title_for(status: int) -> str:
    return _TITLES.get(status, "Error")
