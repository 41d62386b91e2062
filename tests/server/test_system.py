"""OpenAPI, health, readiness and metrics on a real server."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from monopilot_integrations.core.web.scopes import access_of
from tests.support.examples import requires_acme

from .conftest import Server


@requires_acme
async def test_openapi_document_validates_and_lists_every_mounted_route(server: Server) -> None:
    response = await server.client.get("/api/openapi.json")
    assert response.status == 200
    document = await response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    mounted = {
        (route.method, route.resource.canonical)
        for route in server.client.app.router.routes()
        # The dashboard mirrors the API for its signed-in admins (same handlers, same
        # scopes), and the portals serve web pages: neither are API operations.
        if route.method != "HEAD"
        and not route.resource.canonical.startswith(("/dashboard", "/portal/"))
    }
    assert documented == mounted
    assert ("GET", "/api/acme/exports") in documented  # an installed plugin's route


async def test_every_operation_declares_security_scopes_and_problem_errors(server: Server) -> None:
    document = await (await server.client.get("/api/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            handler = next(
                r.handler
                for r in server.client.app.router.routes()
                if r.method == method.upper() and r.resource.canonical == path
            )
            if access_of(handler).public:
                assert "security" not in operation
                continue
            assert operation["security"] == [{"apiKey": []}], (method, path)
            assert "401" in operation["responses"] and "429" in operation["responses"]
            problem = operation["responses"]["401"]["content"]["application/problem+json"]
            assert problem["schema"]["$ref"] == "#/components/schemas/ProblemDetail"


async def test_health_and_readiness(server: Server) -> None:
    """Ready only with a worker and a scheduler alive (here: the embedded ones); more in
    ``test_readiness.py``."""
    assert await (await server.client.get("/healthz")).json() == {"status": "ok"}
    server.kernel.start_worker()
    server.kernel.start_scheduler()
    ready = await (await server.client.get("/readyz")).json()
    assert ready == {
        "status": "ready",
        "checks": {
            "database": "ok",
            "broker": "ok",
            "workers": "1 alive",
            "scheduler": "1 alive",
        },
    }


async def test_metrics_count_requests_and_report_jobs_per_connector(server: Server) -> None:
    from tests.core.helpers import ORG_A

    await server.client.get("/api/integrations/api-keys", headers=server.auth("a"))
    await server.kernel.publish(ORG_A, "test.ping", {"fatal": True})
    await server.kernel.dispatch_pending()
    text = await (await server.client.get("/metrics")).text()
    assert (
        'monopilot_http_requests_total{method="GET",route="/api/integrations/api-keys",status="200"}'
        in text
    )
    assert 'monopilot_jobs{connector="flaky",status="queued"} 1.0' in text
    assert "monopilot_http_request_duration_seconds_bucket" in text


async def test_request_id_is_echoed_or_made(server: Server) -> None:
    response = await server.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    response = await server.client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert len(response.headers["X-Request-ID"]) == 32


def test_mounting_never_weakens_a_handlers_own_scope() -> None:
    from aiohttp import web

    from monopilot_integrations.core.plugins.registration import Route
    from monopilot_integrations.core.web.scopes import require_scope
    from monopilot_integrations.server.app import mount

    @require_scope("write:orders")
    async def handler(request: web.Request) -> web.Response:
        return web.Response()

    app = web.Application()
    mount(app, Route("POST", "/x", handler, name="x"))
    (route,) = [r for r in app.router.routes() if r.method == "POST"]
    assert access_of(route.handler).all_of == {"write:orders"}


async def test_an_internal_error_is_a_500_without_its_message(server: Server) -> None:
    from aiohttp import web

    from monopilot_integrations.core.errors import ConfigError
    from monopilot_integrations.core.web.middlewares import with_problem_details

    async def failing(request: web.Request) -> web.Response:
        raise ConfigError("invalid settings: password='hunter2'")

    from aiohttp.test_utils import make_mocked_request

    response = await with_problem_details(make_mocked_request("GET", "/x"), failing)
    assert response.status == 500
    assert "hunter2" not in response.text


async def test_optional_query_parameters_are_documented_as_a_query_string_carries_them(
    server: Server,
) -> None:
    """A query string has no null: an optional parameter is its value's schema alone (with
    ``null`` listed, ``?q=243626`` reads as an integer where a string was wanted, and a
    client or a fuzzer takes the server's 200 for accepting an invalid request)."""
    document = await (await server.client.get("/api/openapi.json")).json()
    query = [
        (path, parameter)
        for path, operations in document["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    ]
    assert query
    for path, parameter in query:
        assert "null" not in json.dumps(parameter["schema"]), (path, parameter)
        assert parameter["schema"].get("default", "unset") is not None, (path, parameter)
    (products_q,) = [
        p for path, p in query if path == "/api/technical/products" and p["name"] == "q"
    ]
    assert products_q["schema"] == {"maxLength": 100, "minLength": 1, "type": "string"}
