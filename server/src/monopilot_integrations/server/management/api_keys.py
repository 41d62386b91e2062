"""``/api/integrations/api-keys``: create (shown once), list, change, suspend, activate,
regenerate (shown once), revoke (DELETE; the row stays for the audit trail)."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from monopilot_integrations.core.apikeys.store import ApiKey
from monopilot_integrations.core.web.fields import AwareTimestamp
from monopilot_integrations.core.web.request import request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response, parse_body, parse_query
from monopilot_integrations.server.management.common import (
    PageQuery,
    admin_routes,
    path_uuid,
)


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    scopes: list[str] = Field(min_length=1, description="e.g. ['read:products']")
    rate_limit_tier: str = Field(default="basic", description="basic, standard or premium")
    expires_at: AwareTimestamp | None = None


class ApiKeyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=255)
    scopes: list[str] | None = Field(default=None, min_length=1)
    rate_limit_tier: str | None = None
    expires_at: AwareTimestamp | None = Field(
        default=None, description="Set to change; send null with clear_expiry to remove"
    )
    clear_expiry: bool = False


class ApiKeyWithSecret(ApiKey):
    key: str = Field(description="The API key. Shown this once: store it now.")


class ApiKeyQuery(PageQuery):
    status: Literal["active", "suspended", "revoked"] | None = None


class ApiKeyList(BaseModel):
    items: list[ApiKey]
    total: int
    limit: int
    offset: int


async def list_keys(request: web.Request) -> web.Response:
    query = parse_query(request, ApiKeyQuery)
    items, total = await request_kernel(request).api_keys.list(
        request_org(request), status=query.status, limit=query.limit, offset=query.offset
    )
    return json_response(
        ApiKeyList(items=items, total=total, limit=query.limit, offset=query.offset)
    )


async def create_key(request: web.Request) -> web.Response:
    body = await parse_body(request, ApiKeyCreate)
    key, secret = await request_kernel(request).api_keys.create(
        request_org(request),
        name=body.name,
        scopes=body.scopes,
        rate_limit_tier=body.rate_limit_tier,
        expires_at=body.expires_at,
    )
    return json_response(ApiKeyWithSecret(**key.model_dump(), key=secret), status=201)


async def get_key(request: web.Request) -> web.Response:
    key = await request_kernel(request).api_keys.get(request_org(request), path_uuid(request))
    return json_response(key)


async def update_key(request: web.Request) -> web.Response:
    body = await parse_body(request, ApiKeyUpdate)
    key = await request_kernel(request).api_keys.update(
        request_org(request),
        path_uuid(request),
        name=body.name,
        scopes=body.scopes,
        rate_limit_tier=body.rate_limit_tier,
        expires_at=body.expires_at,
        clear_expiry=body.clear_expiry,
    )
    return json_response(key)


async def revoke_key(request: web.Request) -> web.Response:
    key = await request_kernel(request).api_keys.revoke(request_org(request), path_uuid(request))
    return json_response(key)


async def regenerate_key(request: web.Request) -> web.Response:
    key, secret = await request_kernel(request).api_keys.regenerate(
        request_org(request), path_uuid(request)
    )
    return json_response(ApiKeyWithSecret(**key.model_dump(), key=secret))


async def suspend_key(request: web.Request) -> web.Response:
    key = await request_kernel(request).api_keys.suspend(request_org(request), path_uuid(request))
    return json_response(key)


async def activate_key(request: web.Request) -> web.Response:
    key = await request_kernel(request).api_keys.activate(request_org(request), path_uuid(request))
    return json_response(key)


_route = admin_routes("/api/integrations/api-keys", "api_keys.", ("api-keys",))


ROUTES = [
    _route(
        "GET",
        "",
        list_keys,
        "list",
        "List API keys (masked)",
        query_model=ApiKeyQuery,
        response_model=ApiKeyList,
    ),
    _route(
        "POST",
        "",
        create_key,
        "create",
        "Create an API key (the key is shown once)",
        request_model=ApiKeyCreate,
        response_model=ApiKeyWithSecret,
        status_code=201,
    ),
    _route("GET", "/{id}", get_key, "get", "Get an API key (masked)", response_model=ApiKey),
    _route(
        "PUT",
        "/{id}",
        update_key,
        "update",
        "Change name, scopes, tier or expiry",
        request_model=ApiKeyUpdate,
        response_model=ApiKey,
    ),
    _route(
        "DELETE",
        "/{id}",
        revoke_key,
        "revoke",
        "Revoke an API key (kept for the audit trail)",
        response_model=ApiKey,
    ),
    _route(
        "POST",
        "/{id}/regenerate",
        regenerate_key,
        "regenerate",
        "New secret, same key id; the old key stops working (the key is shown once)",
        response_model=ApiKeyWithSecret,
    ),
    _route(
        "POST", "/{id}/suspend", suspend_key, "suspend", "Suspend an API key", response_model=ApiKey
    ),
    _route(
        "POST",
        "/{id}/activate",
        activate_key,
        "activate",
        "Reactivate a suspended key",
        response_model=ApiKey,
    ),
]
