"""Every route the server mounts that the OpenAPI document does not describe (the portals'
pages and forms, the dashboard's pages, sign-in and sign-out, stylesheets, and whatever an
installed plugin adds), fuzzed with Hypothesis as the signed-in user of its realm.

The routes come from the application's router (:mod:`tests.support.route_table`), so a
route added later is fuzzed without a change here. For each, Hypothesis sends requests
with path parameters that are the user's own ids, other parties' ids, unknown UUIDs and
junk; query strings and form bodies of the fields the pages use and of random names; the
session's CSRF token, a wrong one or none; the server's origin or another. Whatever it
sends:

* no answer is a 5xx;
* a refusal (4xx) is clear: problem details for JSON routes, an HTML page for pages;
* an id of another supplier or customer is never shown (not a 200);
* the server's log has an access line for every refusal.

The document's operations are fuzzed by schemathesis (``test_openapi_property*.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support.fuzz import fuzz_settings
from tests.support.live_server import LiveServer, serve_demo
from tests.support.openapi_fuzz import load_document
from tests.support.route_table import MountedRoute, mounted_routes
from tests.support.web_sessions import (
    TIMEOUT,
    WebUser,
    admin_call,
    dashboard_user,
    parties,
    portal_user,
)

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(300)]

#: Requests per route in CI; ``./dev fuzz`` sends its budget divided by ``COST``.
EXAMPLES = 8
COST = 100

#: Field names the pages and forms read (query strings and form bodies).
FIELDS = (
    "status",
    "page",
    "ordered_from",
    "ordered_until",
    "delivery_date",
    "note",
    "email",
    "password",
    "totp_code",
    "organization",
    "since",
    "until",
    "connector",
    "direction",
    "cursor",
    "integration",
    "event",
    "name",
    "scopes",
    "rate_limit_tier",
    "csrf_token",
)
JUNK_SEGMENTS = ("0", "-1", "null", "%00", "%FF", "..%2F..", "a" * 300, "%E2%80%AE", "{id}")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_demo(tmp_path_factory.mktemp("web-routes")) as server:
        yield server


class World:
    """The signed-in users of each realm, and whose ids are whose."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        supplier = parties(server, "supplier")[0]["id"]
        customer = parties(server, "customer")[0]["id"]
        self.users: dict[str, WebUser] = {
            "supplier": portal_user(server, "supplier", supplier),
            "customer": portal_user(server, "customer", customer),
            "dashboard": dashboard_user(server),
        }
        purchase_orders = _items(server, "/api/planning/purchase-orders")
        sales_orders = _items(server, "/api/sales/orders")
        shipments = _items(server, "/api/shipping/shipments")
        logs = _items(server, "/api/integrations/logs")
        self.own: dict[str, set[str]] = {
            "supplier": {o["id"] for o in purchase_orders if o["supplier_id"] == supplier},
            "customer": {o["id"] for o in sales_orders if o["customer_id"] == customer}
            | {s["id"] for s in shipments if s["customer"]["id"] == customer},
        }
        self.ids = sorted({o["id"] for o in (*purchase_orders, *sales_orders, *shipments, *logs)})
        assert self.own["supplier"] and self.ids, "the demo has no orders to fuzz with"

    def user_for(self, route: MountedRoute) -> WebUser | None:
        for realm in ("supplier", "customer"):
            if route.path.startswith(f"/portal/{realm}"):
                return self.users[realm]
        return self.users["dashboard"] if route.path.startswith("/dashboard") else None

    def foreign(self, realm: str, value: str) -> bool:
        """Is ``value`` an id of a record the portal user of ``realm`` must not see?"""
        return realm in self.own and value in self.ids and value not in self.own[realm]

    def renew(self) -> None:
        for realm, user in self.users.items():
            if not user.still_signed_in():
                self.users[realm] = user.again()


def _items(server: LiveServer, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = admin_call(server, "GET", path, params={"limit": 200})["items"]
    return items


def undocumented(server: LiveServer) -> list[MountedRoute]:
    """Mounted routes the document does not describe (the dashboard's mirror of documented
    operations is described: it is the same operation under ``/dashboard``)."""
    document = load_document(server.base_url).raw_schema
    documented = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    return [
        route
        for route in mounted_routes(server)
        if (route.method, route.path) not in documented
        and (route.method, route.path.removeprefix("/dashboard")) not in documented
    ]


def requests_for(route: MountedRoute, world: World, user: WebUser | None) -> Any:
    """A strategy of (path, query, form, headers) for ``route``."""
    segment = st.one_of(
        st.sampled_from(world.ids),
        st.uuids().map(str),
        st.sampled_from(JUNK_SEGMENTS),
        st.text(min_size=1, max_size=40).map(lambda t: quote(t, safe="")),
    )
    values = st.one_of(
        st.text(max_size=60),
        st.sampled_from(["", "2026-03-12", "0001-01-01", "9999-12-31", "-1", "1e9", "sent"]),
        st.sampled_from(world.ids),
    )
    names = st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=20))
    token = user.csrf_token if user else ""
    csrf = st.sampled_from([token, token, "", "wrong"])
    origin = st.sampled_from([world.server.base_url, world.server.base_url, "https://evil.example"])
    return st.tuples(
        st.fixed_dictionaries({name: segment for name in route.parameters}),
        st.dictionaries(names, values, max_size=5),
        st.dictionaries(names, values, max_size=6),
        csrf,
        origin,
    )


def is_json_route(path: str) -> bool:
    return path.startswith(("/api/", "/dashboard/api/"))


def reaches_no_route(response: requests.Response) -> bool:
    """A path the router matches to no route (an id with ``{`` in it does not match
    ``{id}``): the server's own 404, in problem details, whatever the path looks like."""
    return response.status_code == 404 and "no route matches" in response.text


def media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip()


def test_every_undocumented_route_survives_hostile_input(live_server: LiveServer) -> None:
    world = World(live_server)
    routes = undocumented(live_server)
    paths = {str(route) for route in routes}
    # The list is the router's: these are in it because the portals and dashboard are
    # installed, not because they are named here.
    assert {
        "GET /portal/supplier/orders/{id}",
        "POST /portal/supplier/orders/{id}/confirm",
        "GET /portal/customer/shipments/{id}",
        "GET /dashboard/logs/{id}",
        "POST /dashboard/logout",
    } <= paths, paths
    refusals: list[tuple[str, str, int]] = []
    failures: dict[str, str] = {}

    for route in routes:
        try:
            fuzz_route(route, world, refusals)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures[str(route)] = str(exc)[:2000]
        world.renew()  # a fuzzed sign-out ends a session

    assert not failures, "\n\n".join(f"{route}:\n{text}" for route, text in failures.items())
    assert refusals, "nothing was refused: the fuzz sent nothing hostile"
    missing = _not_logged(live_server, refusals)
    assert not missing, f"refusals without a line in the server's log: {missing[:10]}"


def fuzz_route(route: MountedRoute, world: World, refusals: list[tuple[str, str, int]]) -> None:
    """Hostile requests to ``route`` as the signed-in user of its realm; each refusal
    (method, path as sent, status) is added to ``refusals``."""
    user = world.user_for(route)
    session = user.session if user else requests.Session()
    realm = user.realm if user else ""
    base_url = world.server.base_url

    @given(request=requests_for(route, world, user))
    @settings(
        fuzz_settings(EXAMPLES, cost=COST),
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
    )
    def run(request: Any) -> None:
        params, query, form, csrf, origin = request
        path = route.path
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        headers = {"Origin": origin}
        if csrf:
            headers["X-CSRF-Token"] = csrf
            if route.method == "POST":
                form = {**form, "csrf_token": csrf}
        answer = session.request(
            route.method,
            base_url + path,
            params=query,
            data=form if route.method != "GET" else None,
            headers=headers,
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        sent = answer.request.path_url
        assert answer.status_code < 500, (sent, answer.status_code, answer.text[:500])
        if answer.status_code >= 400:
            kind = media_type(answer)
            wanted = (
                "application/problem+json"
                if is_json_route(path) or reaches_no_route(answer)
                else "text/html"
            )
            assert kind == wanted, (sent, answer.status_code, kind, answer.text[:300])
            assert answer.text.strip(), (sent, answer.status_code, "an empty refusal")
            refusals.append((route.method, sent, answer.status_code))
        if route.method == "GET" and answer.status_code == 200:
            for value in params.values():
                assert not world.foreign(realm, value), (sent, "another party's record")

    run()


def _not_logged(server: LiveServer, refusals: list[tuple[str, str, int]]) -> list[Any]:
    """Refusals the server's access log has no line for (it is written after the answer,
    so the last ones get a moment)."""
    deadline = time.monotonic() + 10
    while True:
        log = server.log_text()
        missing = [r for r in refusals if f'"{r[0]} {r[1]} HTTP/1.1" {r[2]} ' not in log]
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.2)


def test_ids_of_the_fuzz_are_real(live_server: LiveServer) -> None:
    """The ids the fuzz uses exist and belong to whom it thinks: a supplier user reads
    its own order and is told another supplier's does not exist."""
    world = World(live_server)
    user = world.users["supplier"]
    own = sorted(world.own["supplier"])[0]
    other = next(i for i in world.ids if world.foreign("supplier", i))
    assert user.session.get(f"{user.base_url}/api/portal/supplier/orders/{own}").status_code == 200
    refused = user.session.get(f"{user.base_url}/api/portal/supplier/orders/{other}")
    assert refused.status_code == 404
