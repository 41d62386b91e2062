"""Pieces the EDI route handlers share."""

from __future__ import annotations

import uuid

from aiohttp import web

from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel

BASE = "/api/integrations/edi"
SCOPE = "edi:manage|integrations:admin"
TAGS = ("edi",)


def path_uuid(request: web.Request, name: str = "id") -> uuid.UUID:
    """A UUID path parameter; anything else is simply not found (never a 500)."""
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise Problem(404, f"no EDI {name} {request.match_info[name]!r} here") from None


def edi_of(request: web.Request) -> EdiContext:
    return EdiContext.of(request_kernel(request))
