"""The portal API is in the OpenAPI document (public, with its refusals); the pages are
not (HTML, not the JSON API)."""

from __future__ import annotations

from typing import Any


async def test_portal_routes_in_the_document_and_pages_out(new_client: Any) -> None:
    client = await new_client()
    document = await (await client.get("/api/openapi.json")).json()
    paths = document["paths"]
    for path in (
        "/api/portal/supplier/login",
        "/api/portal/supplier/orders",
        "/api/portal/supplier/orders/{id}",
        "/api/portal/supplier/orders/{id}/confirm",
        "/api/portal/customer/orders/{id}",
        "/api/portal/customer/shipments/{id}",
        "/api/integrations/portals/supplier/users/{id}/suspend",
    ):
        assert path in paths, path
    confirm = paths["/api/portal/supplier/orders/{id}/confirm"]["post"]
    assert "security" not in confirm  # no API key: the session cookie authenticates
    assert {"401", "403", "404", "422"} <= set(confirm["responses"])
    admin = paths["/api/integrations/portals/supplier/users"]["post"]
    assert admin["x-required-scopes"] == {"all_of": ["integrations:admin"]}
    assert not [p for p in paths if p.startswith("/portal/")]
