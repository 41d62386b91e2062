"""Organisation isolation over every route of every installed plugin, found from the
registry rather than listed by hand (a new plugin's routes are covered the day it is
installed):

1. Two organisations, each the demo bakery plus what the connectors' own APIs create
   (a webhook, an EDI partner, an API key, ...), each with an admin key of every scope.
2. Every list route (GET without path parameters) is read with A's key and with B's key:
   no id that A sees ever appears in what B sees.
3. Every route with a path parameter is called with B's key and each id A can read there:
   the answer must be the one B gets for an id that exists nowhere (same status, never a
   success), so B cannot even learn that the record exists; writes included.
4. A's records read the same afterwards: B changed nothing.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.testing import run_pending_jobs
from monopilot_integrations.domain.seed import load_seed, parse_seed
from tests.server.conftest import ALL_SCOPES, Server, server  # noqa: F401
from tests.server.public_api_support import seed_data

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PARAM_RE = re.compile(r"\{[^}]+\}")
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def server_settings(settings: Settings) -> Settings:
    # Loopback webhooks, so that deliveries fail at once (a port nobody listens on); a
    # tier that lets the matrix's thousands of requests through.
    return settings.model_copy(
        update={
            "api_key_bcrypt_rounds": 4,
            "allow_private_targets": True,
            "rate_limit_tiers": "matrix=1000000/100000000/100000",
        }
    )


def ids_in(value: Any) -> set[str]:
    return set(UUID_RE.findall(str(value)))


def routes(api: Server) -> list[Route]:
    return [r for r in api.kernel.registry.routes.values() if not r.public]


async def call(api: Server, key: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = await api.client.request(
        method, path, headers={"Authorization": f"Bearer {key}"}, **kwargs
    )
    if response.content_type.endswith("json"):
        return response.status, await response.json()
    return response.status, await response.read()


async def set_up(api: Server) -> dict[str, str]:
    """Both organisations with data and an every-scope key each; returns the keys."""
    kernel = api.kernel
    keys = {}
    for name in ("a", "b"):
        report = await load_seed(kernel.database, parse_seed(seed_data(f"iso-{name}")))
        scopes = [s.name for s in kernel.registry.scopes.values()] or ALL_SCOPES
        _, keys[name] = await kernel.api_keys.create(
            report.org_id, name=f"iso {name}", scopes=scopes, rate_limit_tier="matrix"
        )
        await make_connector_records(api, keys[name])
        await kernel.publish(
            report.org_id,
            "order.created",
            {
                "po_id": str(uuid.uuid4()),
                "po_number": "PO-9",
                "supplier_code": "M",
                "status": "draft",
            },
        )
    await kernel.dispatch_pending()
    await run_pending_jobs(kernel)  # each fails once: a retry-queue entry per organisation
    return keys


async def make_connector_records(api: Server, key: str) -> None:
    """A record through each connector's own API, where the connector is installed."""
    paths = {r.path for r in api.kernel.registry.routes.values()}
    creations: list[tuple[str, dict[str, Any]]] = [
        (
            "/api/integrations/webhooks",
            # A port nobody listens on: its deliveries fail and wait in the retry queue.
            {"name": "erp", "url": "https://127.0.0.1:9/h", "events": ["order.created"]},
        ),
        (
            "/api/integrations/edi/partners",
            {
                "name": "VAN",
                "partner_id": "5909999000006",
                "transport": "edi-folder",
                "transport_settings": {"path": "van"},
            },
        ),
        (
            "/api/integrations/api-keys",
            {"name": "reader", "scopes": ["read:products"], "rate_limit_tier": "basic"},
        ),
    ]
    for path, body in creations:
        if path in paths:
            status, answer = await call(api, key, "POST", path, json=body)
            assert status == 201, (path, answer)


async def snapshot(api: Server, key: str) -> dict[str, Any]:
    """What every list route shows ``key``."""
    shown = {}
    for route in routes(api):
        if route.method == "GET" and not PARAM_RE.search(route.path):
            status, body = await call(api, key, "GET", route.path)
            shown[route.path] = (status, body)
    return shown


def stable(value: Any) -> Any:
    """``value`` without what A's own use of the API changes (last use, counters)."""
    if isinstance(value, dict):
        return {
            k: stable(v)
            for k, v in value.items()
            if not any(part in k for part in ("last_used", "request_count", "usage"))
        }
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def masked(body: Any, record: str) -> str:
    """An answer with the record's id and the request id blanked, to compare two answers."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "request_id"}
    return str(body).replace(record, "<id>")


def listed_under(write: Route, lists: dict[str, Any]) -> set[str]:
    """The ids the list route that ``write``'s path extends shows (the longest such)."""
    prefixes = [p for p in lists if write.path.startswith(p + "/")]
    return ids_in(lists[max(prefixes, key=len)][1]) if prefixes else set()


def base_of(write: Route, readable: dict[str, set[str]]) -> str | None:
    """The GET route whose record ``write`` acts on: the longest one its path extends."""
    bases = [t for t in readable if write.path == t or write.path.startswith(t + "/")]
    return max(bases, key=len) if bases else None


@pytest.mark.timeout(900)
async def test_no_route_lets_one_organisation_reach_anothers_records(
    server: Server,  # noqa: F811
) -> None:
    keys = await set_up(server)
    lists_a = await snapshot(server, keys["a"])
    lists_b = await snapshot(server, keys["b"])
    # The event-type catalogue is the same for everyone: its examples' ids are no records.
    shared = ids_in(lists_a.get("/api/integrations/event-types", (0, ""))[1])
    ids_a = set().union(*(ids_in(body) for _, body in lists_a.values())) - shared
    ids_b = set().union(*(ids_in(body) for _, body in lists_b.values())) - shared
    assert len(ids_a) > 50, "too little data to test isolation"
    assert ids_a & ids_b == set(), "a list shows one organisation another's records"

    nowhere = str(uuid.uuid4())
    readable: dict[str, set[str]] = {}  # GET route -> ids A reads there
    records_a: dict[str, Any] = {}  # path -> what A read
    for route in routes(server):
        if route.method != "GET" or not PARAM_RE.search(route.path):
            continue
        absent = await call(server, keys["b"], "GET", PARAM_RE.sub(nowhere, route.path))
        for record in sorted(ids_a):
            path = PARAM_RE.sub(record, route.path)
            status, body = await call(server, keys["a"], "GET", path)
            if not 200 <= status < 300:
                continue  # not a record of this route
            readable.setdefault(route.path, set()).add(record)
            records_a[path] = stable(body)
            got = await call(server, keys["b"], "GET", path)
            assert got[0] == absent[0] and not 200 <= got[0] < 300, (route.path, got)
            # Word for word the answer about a record that exists nowhere.
            assert masked(got[1], record) == masked(absent[1], nowhere), route.path
    assert sum(map(len, readable.values())) > 20, f"only {readable} were checked"

    for write in routes(server):
        if write.method not in WRITES or not PARAM_RE.search(write.path):
            continue
        base = base_of(write, readable)
        # No GET of its own (/retries/{id}/retry): the ids its list shows.
        candidates = readable[base] if base else listed_under(write, lists_a) or ids_a
        absent = await call(
            server, keys["b"], write.method, PARAM_RE.sub(nowhere, write.path), json={}
        )
        for record in sorted(candidates):
            got = await call(
                server, keys["b"], write.method, PARAM_RE.sub(record, write.path), json={}
            )
            assert got[0] == absent[0], (write.method, write.path, got, absent)
            assert masked(got[1], record) == masked(absent[1], nowhere), write.path
            assert not 200 <= got[0] < 300, (write.method, write.path, got)

    for path, body in records_a.items():  # B changed nothing of A's
        status, now = await call(server, keys["a"], "GET", path)
        assert status == 200 and stable(now) == body, path
