"""The request path for external API calls, in this order:

request id -> errors as problem details -> API key authentication -> rate limit -> scope
check -> integration log -> handler.

The last four are steps of one middleware (:func:`api_middleware`), each a function of its
own.

Refusals by authentication, rate limit and scope are logged where they happen (the log
middleware sits innermost, next to the handler, and sees only admitted requests). Every
refusal is a problem-details response; nothing but a 500 with a request id escapes for an
unexpected error.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from random import getrandbits
from typing import Any

from aiohttp import web

from monopilot_integrations.core.apikeys.throttle import AuthenticationThrottled, client_address
from monopilot_integrations.core.apikeys.verifier import AuthenticationError, VerifiedKey
from monopilot_integrations.core.db.availability import RETRY_AFTER_SECONDS, database_unavailable
from monopilot_integrations.core.errors import IntegrationError, NotFoundError, ValidationError
from monopilot_integrations.core.logs.writer import LogEntry
from monopilot_integrations.core.web.problems import Problem, problem_response
from monopilot_integrations.core.web.request import API_KEY_ID, KERNEL, ORG_ID
from monopilot_integrations.core.web.scopes import Access, access_of
from monopilot_integrations.core.web.validation import unreadable_body, unreadable_reason

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REQUEST_ID: web.RequestKey[str] = web.RequestKey("monopilot.request_id", str)
VERIFIED_KEY: web.RequestKey[VerifiedKey] = web.RequestKey("monopilot.api_key", VerifiedKey)
RATE_HEADERS: web.RequestKey[dict[str, str]] = web.RequestKey("monopilot.rate_headers", dict)

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
LOG_BODY_LIMIT = 64 * 1024


RUNTIME: web.RequestKey[Any] = web.RequestKey("monopilot.runtime", object)


def _kernel(request: web.Request) -> Any:
    kernel = request.app.get(KERNEL)
    # A sub-application inherits the kernel from its parent (config_dict walks up).
    return kernel if kernel is not None else request.config_dict[KERNEL]


def _runtime(request: web.Request) -> Any:
    """The kernel's runtime for this loop, looked up once per request."""
    runtime = request.get(RUNTIME)
    if runtime is None:
        runtime = request[RUNTIME] = _kernel(request).runtime()
    return runtime


def _handler(request: web.Request) -> Any:
    return request.match_info.handler


_LABELS: dict[tuple[str, Any], str] = {}


def _route_label(request: web.Request) -> str:
    """``METHOD /canonical/path``, made once per route (routes are few; paths are input)."""
    resource = request.match_info.route.resource
    if resource is None:
        return f"{request.method} {request.path}"
    key = (request.method, resource)
    label = _LABELS.get(key)
    if label is None:
        if len(_LABELS) >= 4096:
            _LABELS.clear()
        label = _LABELS[key] = f"{request.method} {resource.canonical}"
    return label


def _refusal_log(
    request: web.Request,
    status: int,
    message: str,
    error_class: str,
    key_id: uuid.UUID | None,
    org_id: uuid.UUID | None,
) -> None:
    if org_id is None:
        # No organisation to file it under (unknown or malformed key): the process log
        # and the metrics carry it instead.
        log.info("refused %s %s: %s", request.method, request.path, message)
        return
    _runtime(request).log_writer.add(
        LogEntry(
            org_id=org_id,
            integration_type="api",
            event_type=_route_label(request),
            direction="inbound",
            status="error",
            http_status=status,
            error_message=message,
            error_class=error_class,
            api_key_id=key_id,
        )
    )


def assign_request_id(request: web.Request) -> str:
    """Adopt a sane incoming ``X-Request-ID`` or make one."""
    incoming = request.headers.get("X-Request-ID", "")
    # 128 bits from ``random``: a request id must be unique, not secret.
    request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else f"{getrandbits(128):032x}"
    request[REQUEST_ID] = request_id
    return request_id


async def with_problem_details(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run ``handler``; every error becomes an RFC 9457 problem-details response.

    Returns a response in every case but a redirect (an ``HTTPException`` under 400, which
    propagates); no stack trace reaches a client.
    """
    request_id = request.get(REQUEST_ID)
    try:
        response = await handler(request)
    except Problem as raised:
        response = problem_response(request, raised, request_id)
    except web.HTTPException as exc:
        if exc.status_code < 400:
            raise
        converted = Problem(
            exc.status_code,
            exc.text or exc.reason or "error",
            headers={
                k: v
                for k, v in exc.headers.items()
                if k in ("Allow", "WWW-Authenticate", "Retry-After")
            },
        )
        if exc.status_code == 404:
            converted.detail = f"no route matches {request.method} {request.path}"
        elif exc.status_code == 405:
            converted.detail = f"{request.method} is not allowed on {request.path}"
        response = problem_response(request, converted, request_id)
    except ValidationError as exc:
        response = problem_response(
            request, Problem(422, str(exc), errors=exc.errors or None), request_id
        )
    except web.RequestPayloadError as exc:
        # A route that reads the body itself (not through parse_body) met bytes that
        # cannot be read: a broken gzip or deflate stream, a body cut short.
        response = problem_response(request, unreadable_body(request, exc), request_id)
    except NotFoundError as exc:
        response = problem_response(request, Problem(404, str(exc)), request_id)
    except Exception as exc:
        if database_unavailable(exc):
            # Not a fault of the request nor of this process: the client retries later.
            log.warning(
                "database unavailable on %s %s (request %s): %s: %s",
                request.method,
                request.path,
                request_id,
                type(exc).__name__,
                exc,
            )
            response = problem_response(request, _unavailable(), request_id)
        elif isinstance(exc, IntegrationError):
            # Not an input problem (those are ValidationError / NotFoundError / Problem): a
            # misconfiguration or a kernel fault, whose message may carry settings. Logged
            # here, never sent.
            log.exception(
                "integration error on %s %s (request %s)", request.method, request.path, request_id
            )
            response = problem_response(
                request,
                Problem(500, "an internal error occurred; quote the request id when reporting it"),
                request_id,
            )
        else:
            log.exception(
                "unhandled error on %s %s (request %s)", request.method, request.path, request_id
            )
            response = problem_response(
                request,
                Problem(
                    500, "an unexpected error occurred; quote the request id when reporting it"
                ),
                request_id,
            )
    headers = request.get(RATE_HEADERS)
    if headers and response.status >= 400:
        response.headers.update(headers)
    return response


def _unavailable() -> Problem:
    return Problem(
        503,
        "the database is unavailable; retry in a few seconds",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@web.middleware
async def edge_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The request id and problem details, in one layer: the request id is assigned first
    and echoed on every response, errors included."""
    request_id = assign_request_id(request)
    try:
        response = await with_problem_details(request, handler)
    except web.HTTPException as exc:  # redirects
        exc.headers["X-Request-ID"] = request_id
        raise
    response.headers["X-Request-ID"] = request_id
    return response


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("X-API-Key") or None


def _unauthorized(request: web.Request, exc: AuthenticationError) -> Problem:
    _refusal_log(
        request, 401, str(exc), f"AuthenticationError:{exc.reason}", exc.api_key_id, exc.org_id
    )
    return Problem(
        401,
        str(exc),
        kind=f"api-key-{exc.reason}",
        headers={"WWW-Authenticate": 'Bearer realm="monopilot"'},
    )


async def authenticate(request: web.Request) -> VerifiedKey:
    """Step 1: the API key (401 when missing, malformed, unknown, revoked, suspended,
    expired; 429 when the client address spent its budget of unverified attempts)."""
    try:
        runtime = _runtime(request)
        api_keys = runtime.api_keys
        presented = _bearer(request)
        # A key verified a moment ago is answered without a coroutine (the usual case).
        key: VerifiedKey = api_keys.authenticate_cached(presented) or await api_keys.authenticate(
            presented, client_address(request, runtime.settings.trusted_proxy_hops)
        )
    except AuthenticationError as exc:
        raise _unauthorized(request, exc) from None
    except AuthenticationThrottled as exc:
        _refusal_log(request, 429, str(exc), "AuthenticationThrottled", None, None)
        raise Problem(
            429, str(exc), kind="api-key-attempts", headers={"Retry-After": str(exc.retry_after)}
        ) from None
    request[VERIFIED_KEY] = key
    request[ORG_ID] = key.org_id
    request[API_KEY_ID] = key.id
    return key


async def rate_limit(request: web.Request, key: VerifiedKey) -> tuple[VerifiedKey, dict[str, str]]:
    """Step 2: the key's tier (429 with Retry-After). The same Redis round trip returns the
    key's stamp, so a key suspended, revoked or regenerated by any process is refused now."""
    kernel = _kernel(request)
    runtime = _runtime(request)
    tier = kernel.rate_limit_tiers.get(key.tier) or kernel.rate_limit_tiers["basic"]
    limiter = runtime.rate_limiter
    result = await limiter.hit(key.key_id, tier, stamp_key=key.key_id)
    if result.stamp != key.stamp and not await runtime.api_keys.confirm_stamp(key, result.stamp):
        key = await authenticate(request)  # changed since it was cached: verify afresh
        await runtime.api_keys.republish_stamp(key)
    headers = {
        "X-RateLimit-Limit": str(result.limit),
        "X-RateLimit-Remaining": str(max(result.remaining, 0)),
        "X-RateLimit-Reset": str(max(int(result.reset_after + 0.999), 0)),
    }
    request[RATE_HEADERS] = headers
    if not result.allowed:
        retry_after = str(max(int(result.retry_after + 0.999), 1))
        message = f"rate limit of tier {tier.name!r} exceeded; retry in {retry_after}s"
        _refusal_log(request, 429, message, "RateLimited", key.id, key.org_id)
        raise Problem(429, message, headers={"Retry-After": retry_after})
    return key, headers


def check_scope(request: web.Request, key: VerifiedKey, access: Access) -> None:
    """Step 3: 403 naming the missing scope when the key lacks what the route declares."""
    missing = access.missing(key.scopes)
    if missing:
        message = f"this API key lacks the scope {', '.join(missing)}"
        _refusal_log(request, 403, message, "MissingScope", key.id, key.org_id)
        raise Problem(403, message, missing_scopes=missing)


def log_admitted(
    request: web.Request,
    key: VerifiedKey,
    status: int,
    error: str | None,
    error_class: str | None,
    body: Any,
    started: float,
) -> None:
    """Step 4's row: one integration log row (``integration_type = 'api'``) per admitted
    request, whatever its outcome."""
    writer = _runtime(request).log_writer
    status_word = "success" if status < 400 else ("warning" if status < 500 else "error")
    duration_ms = int((time.perf_counter() - started) * 1000)
    if body is None and error is None and error_class is None:  # most requests: no text
        writer.add_plain(
            key.org_id,
            "api",
            _route_label(request),
            "inbound",
            status_word,
            status,
            api_key_id=key.id,
            duration_ms=duration_ms,
        )
        return
    writer.add(
        LogEntry(
            org_id=key.org_id,
            integration_type="api",
            event_type=_route_label(request),
            direction="inbound",
            status=status_word,
            http_status=status,
            request_body=body,
            error_message=error,
            error_class=error_class,
            api_key_id=key.id,
            duration_ms=duration_ms,
        )
    )


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authentication -> rate limit -> scope check -> integration log, in that order.

    One aiohttp middleware running four steps rather than four middlewares: every layer of
    middleware costs a closure call and a coroutine frame on the hottest path there is.
    Routes marked ``public`` skip all four.
    """
    access = access_of(_handler(request))
    if access.public:
        return await handler(request)
    unmatched = request.match_info.http_exception
    if unmatched is not None:
        # No route (404) or not this method (405): there is nothing to guard, and the
        # routes are no secret (the OpenAPI document is public). Answering "missing API
        # key" would tell a person who mistyped a page's address the wrong thing.
        raise unmatched
    key = await authenticate(request)
    key, headers = await rate_limit(request, key)
    check_scope(request, key, access)
    # Step 4, the handler and its log row, inline: one coroutine frame fewer per request.
    started = time.perf_counter()
    status, error, error_class = 500, None, None
    try:
        response = await handler(request)
        status = response.status
        response.headers.update(headers)
        return response
    except web.HTTPException as exc:
        status = exc.status_code
        error, error_class = (getattr(exc, "detail", None) or exc.text), type(exc).__name__
        raise
    except (ValidationError, NotFoundError) as exc:
        status = 422 if isinstance(exc, ValidationError) else 404
        error, error_class = str(exc), type(exc).__name__
        raise
    except Exception as exc:
        error, error_class = f"{type(exc).__name__}: {exc}", type(exc).__name__
        if database_unavailable(exc):
            status = 503
        raise
    finally:
        body: Any = None
        if request.method in ("POST", "PUT", "PATCH") and request.body_exists:
            length = request.content_length or 0
            if length > LOG_BODY_LIMIT:
                body = {"_truncated": True, "size": length}
            elif request.content_length is None and not request.content.at_eof():
                # A chunked body the handler stopped reading (an upload refused as too
                # large): reading the rest here would take it in after all.
                body = {"_unread": True}
            else:
                try:
                    body = await request.read()
                except web.RequestPayloadError as exc:
                    unreadable_body(request, exc)  # (for its closing of the connection)
                    body = {"_unreadable": unreadable_reason(exc), "size": length}
        log_admitted(request, key, status, error, error_class, body, started)


API_MIDDLEWARES = (edge_middleware, api_middleware)


def api_key_middlewares() -> list[Any]:
    """The middlewares MonoPilot appends to its own aiohttp app (in this order).

    The app must hold the kernel: ``app[KERNEL] = integrations``.
    """
    return list(API_MIDDLEWARES)
