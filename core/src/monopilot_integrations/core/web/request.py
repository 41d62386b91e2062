"""What route handlers of plugins can read from an aiohttp request or application.

The server's authentication middleware stores the caller's organisation and API key on the
request; handlers read them through these helpers instead of knowing the middleware.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from monopilot_integrations.core.kernel import Kernel

#: The request's organisation (set by authentication).
ORG_ID: web.RequestKey[uuid.UUID] = web.RequestKey("monopilot.org_id", uuid.UUID)
#: The authenticated API key's id, when an API key authenticated the request.
API_KEY_ID: web.RequestKey[uuid.UUID] = web.RequestKey("monopilot.api_key_id", uuid.UUID)
#: The kernel on the application.
KERNEL: web.AppKey[Any] = web.AppKey("monopilot.kernel", object)


def request_org(request: web.Request) -> uuid.UUID:
    """The caller's organisation; a route reached without authentication gets a 401."""
    org = request.get(ORG_ID)
    if not isinstance(org, uuid.UUID):
        raise web.HTTPUnauthorized(reason="this route needs an authenticated organisation")
    return org


def request_kernel(request: web.Request) -> Kernel:
    kernel: Kernel = request.config_dict[KERNEL]
    return kernel
