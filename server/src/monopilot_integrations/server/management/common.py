"""Pieces shared by the management routes."""

from __future__ import annotations

import uuid

from aiohttp import web
from pydantic import BaseModel, Field

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
    offset: int = Field(default=0, ge=0, description="Items to skip")
