"""Pieces shared by the management routes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.fields import Offset
from monopilot_integrations.core.web.problems import Problem

ADMIN = "integrations:admin"


def path_uuid(request: web.Request, name: str = "id") -> uuid.UUID:
    """A UUID path parameter; anything else is simply not found (never a 500)."""
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise Problem(404, f"no {name} {request.match_info[name]!r} here") from None


class PageQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=200, description="Items per page")
    offset: Offset = 0


def admin_routes(base: str, name_prefix: str, tags: tuple[str, ...]) -> Callable[..., Route]:
    """A builder for one management area's routes: path under ``base``, names prefixed,
    the ``integrations:admin`` scope and the area's tags filled in."""

    def route(
        method: str, path: str, handler: Any, name: str, summary: str, **options: Any
    ) -> Route:
        return Route(
            method,
            base + path,
            handler,
            name=name_prefix + name,
            scope=ADMIN,
            summary=summary,
            tags=tags,
            **options,
        )

    return route
