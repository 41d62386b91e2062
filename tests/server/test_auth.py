"""API keys on a real server: every status code, the key lifecycle (failed attempts:
``test_auth_throttle.py``)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from monopilot_integrations.core.apikeys import format as key_format
from monopilot_integrations.core.db.tables import ApiKeyRow, LogRow

from .conftest import ORG_A, Server

PRODUCTS = "/api/integrations/api-keys"  # any admin route will do for authentication tests


async def logs(server: Server) -> list[LogRow]:
    await server.kernel.runtime().log_writer.flush()
    async with server.kernel.database.system_session() as session:
        return list((await session.execute(select(LogRow))).scalars().all())


async def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status == status, await response.text()
    assert response.content_type == "application/problem+json"
    body = await response.json()
    assert body["status"] == status and body["detail"] and body["type"].startswith("https://")
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "missing API key"),
        ({"Authorization": "Bearer nonsense"}, "malformed API key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "missing API key"),
    ],
)
async def test_401_for_missing_and_malformed_keys(server: Server, headers, detail) -> None:  # type: ignore[no-untyped-def]
    response = await server.client.get(PRODUCTS, headers=headers)
    body = await problem(response, 401)
    assert detail in body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_typo_is_caught_by_the_checksum_before_any_lookup(server: Server) -> None:
    key = server.keys["a"]
    typo = key[:-8] + ("A" if key[-8] != "A" else "B") + key[-7:]
    verifier = server.kernel.runtime().api_keys.verifier
    before = verifier.bcrypt_checks
    body = await problem(
        await server.client.get(PRODUCTS, headers={"Authorization": f"Bearer {typo}"}), 401
    )
    assert "checksum" in body["detail"]
    assert verifier.bcrypt_checks == before


async def test_401_for_an_unknown_key(server: Server) -> None:
    stranger = key_format.generate("live").text
    body = await problem(
        await server.client.get(PRODUCTS, headers={"Authorization": f"Bearer {stranger}"}), 401
    )
    assert body["detail"] == "unknown API key"


async def test_key_lifecycle_suspend_activate_regenerate_revoke(server: Server) -> None:
    admin = server.auth("a")
    created = await server.client.post(
        PRODUCTS,
        json={"name": "erp", "scopes": ["read:products", "integrations:admin"]},
        headers=admin,
    )
    assert created.status == 201
    body = await created.json()
    key, key_uuid = body["key"], body["id"]
    assert key.startswith("mp_live_") and len(key) <= 72
    assert body["masked_key"] == f"mp_live_…{key[-4:]}"
    mine = {"Authorization": f"Bearer {key}"}

    listed = await (await server.client.get(PRODUCTS, headers=admin)).json()
    assert all("key" not in item for item in listed["items"])  # never shown again
    assert key not in str(listed)

    assert (await server.client.get(PRODUCTS, headers=mine)).status == 200
    assert (await server.client.post(f"{PRODUCTS}/{key_uuid}/suspend", headers=admin)).status == 200
    body = await problem(await server.client.get(PRODUCTS, headers=mine), 401)
    assert body["detail"] == "this API key is suspended"
    assert (
        await server.client.post(f"{PRODUCTS}/{key_uuid}/activate", headers=admin)
    ).status == 200
    assert (await server.client.get(PRODUCTS, headers=mine)).status == 200

    regenerated = await (
        await server.client.post(f"{PRODUCTS}/{key_uuid}/regenerate", headers=admin)
    ).json()
    new = {"Authorization": f"Bearer {regenerated['key']}"}
    assert regenerated["key_id"] == body.get("key_id", regenerated["key_id"])
    await problem(await server.client.get(PRODUCTS, headers=mine), 401)  # the old key
    assert (await server.client.get(PRODUCTS, headers=new)).status == 200

    revoked = await server.client.delete(f"{PRODUCTS}/{key_uuid}", headers=admin)
    assert (await revoked.json())["status"] == "revoked"
    body = await problem(await server.client.get(PRODUCTS, headers=new), 401)
    assert body["detail"] == "this API key has been revoked"
    still = await (await server.client.get(f"{PRODUCTS}/{key_uuid}", headers=admin)).json()
    assert still["status"] == "revoked"  # the row stays for the audit trail


async def test_an_expired_key_is_refused(server: Server, clock) -> None:  # type: ignore[no-untyped-def]
    _, key = await server.kernel.api_keys.create(
        ORG_A,
        name="short",
        scopes=["integrations:admin"],
        expires_at=clock.now() + timedelta(hours=1),
    )
    headers = {"Authorization": f"Bearer {key}"}
    assert (await server.client.get(PRODUCTS, headers=headers)).status == 200
    clock.advance(hours=1)
    body = await problem(await server.client.get(PRODUCTS, headers=headers), 401)
    assert body["detail"] == "this API key has expired"


async def test_403_names_the_missing_scope_and_is_logged(server: Server) -> None:
    _, key = await server.kernel.api_keys.create(ORG_A, name="reader", scopes=["read:products"])
    response = await server.client.get(PRODUCTS, headers={"Authorization": f"Bearer {key}"})
    body = await problem(response, 403)
    assert "integrations:admin" in body["detail"]
    assert body["missing_scopes"] == ["integrations:admin"]
    rows = [r for r in await logs(server) if r.http_status == 403]
    assert rows and rows[0].org_id == ORG_A and rows[0].integration_type == "api"


async def test_bcrypt_runs_once_per_key_then_the_cache_answers(server: Server) -> None:
    verifier = server.kernel.runtime().api_keys.verifier
    before = verifier.bcrypt_checks
    responses = await asyncio.gather(
        *[server.client.get(PRODUCTS, headers=server.auth("b")) for _ in range(20)]
    )
    assert {r.status for r in responses} == {200}
    assert verifier.bcrypt_checks - before <= 1


async def test_the_verification_cache_keeps_at_most_its_size_oldest_out(
    server: Server,
) -> None:
    verifier = server.kernel.runtime().api_keys.verifier
    verifier.cache_size = 1
    first = (await server.kernel.api_keys.create(ORG_A, name="one", scopes=["read:products"]))[1]
    second = (await server.kernel.api_keys.create(ORG_A, name="two", scopes=["read:products"]))[1]
    before = verifier.bcrypt_checks
    for key in (first, second, first, first):
        response = await server.client.get(PRODUCTS, headers={"Authorization": f"Bearer {key}"})
        assert response.status == 403  # verified (it lacks the admin scope)
    assert verifier.bcrypt_checks - before == 3  # the second pushed the first out once


async def test_stored_hash_is_bcrypt_and_never_the_key(server: Server) -> None:
    async with server.kernel.database.system_session() as session:
        rows = (await session.execute(select(ApiKeyRow))).scalars().all()
    for row in rows:
        assert row.key_value_hash.startswith("$2b$")
        assert row.key_id in server.keys["a"] or row.key_id in server.keys["b"]
        assert server.keys["a"] not in row.key_value_hash


def test_the_default_bcrypt_cost_is_the_documents_12() -> None:
    from monopilot_integrations.core.settings import Settings

    assert Settings().api_key_bcrypt_rounds == 12


async def test_every_response_carries_rate_limit_headers(server: Server) -> None:
    response = await server.client.get(PRODUCTS, headers=server.auth("a"))
    assert response.headers["X-RateLimit-Limit"] == "1000"
    assert int(response.headers["X-RateLimit-Remaining"]) < 200
    assert "X-RateLimit-Reset" in response.headers
    bad = await server.client.get(f"{PRODUCTS}/not-a-uuid", headers=server.auth("a"))
    assert bad.status == 404 and "X-RateLimit-Limit" in bad.headers


async def test_429_with_retry_after_once_the_burst_is_spent(server: Server) -> None:
    _, key = await server.kernel.api_keys.create(
        ORG_A, name="basic", scopes=["integrations:admin"], rate_limit_tier="basic"
    )
    headers = {"Authorization": f"Bearer {key}"}
    statuses = [(await server.client.get(PRODUCTS, headers=headers)).status for _ in range(10)]
    assert statuses == [200] * 10
    response = await server.client.get(PRODUCTS, headers=headers)
    body = await problem(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert "basic" in body["detail"]


async def test_admitted_calls_are_logged_with_masked_bodies(server: Server) -> None:
    await server.client.post(
        PRODUCTS,
        json={"name": "x", "scopes": ["nope:nope"], "password": "hunter2"},
        headers=server.auth("a"),
    )
    rows = [r for r in await logs(server) if r.event_type == "POST /api/integrations/api-keys"]
    assert rows[-1].http_status == 422 and rows[-1].status == "warning"
    assert "hunter2" not in str(rows[-1].request_body)


async def test_unknown_route_and_wrong_method_are_problems(server: Server) -> None:
    await problem(await server.client.get("/api/nowhere", headers=server.auth("a")), 404)
    response = await server.client.patch(PRODUCTS, headers=server.auth("a"))
    await problem(response, 405)


async def test_made_up_key_ids_leave_no_trace_in_the_verifier(server: Server) -> None:
    verifier = server.kernel.runtime().api_keys.verifier
    for _ in range(50):
        stranger = key_format.generate("live").text
        await server.client.get(PRODUCTS, headers={"Authorization": f"Bearer {stranger}"})
    import gc

    gc.collect()
    assert len(verifier._locks) == 0


async def test_a_nul_in_a_request_body_does_not_stop_the_log(server: Server) -> None:
    await server.client.post(
        PRODUCTS,
        data='{"name": "x\\u0000y", "scopes": ["read:products"]}',
        headers={**server.auth("b"), "Content-Type": "application/json"},
    )
    for _ in range(3):
        await server.client.get(PRODUCTS, headers=server.auth("a"))
    rows = await logs(server)
    assert server.kernel.runtime().log_writer.pending == 0
    assert any(r.org_id == ORG_A and r.event_type == "GET /api/integrations/api-keys" for r in rows)
    assert any("x\ufffdy" in str(r.request_body) for r in rows)


async def test_the_text_backslash_u0000_is_not_a_nul(server: Server) -> None:
    # JSON "\\u0000" is a backslash and "u0000": ordinary text, accepted and logged as sent.
    response = await server.client.post(
        PRODUCTS,
        data='{"name": "C:\\\\u0000dir", "scopes": ["read:products"]}',
        headers={**server.auth("a"), "Content-Type": "application/json"},
    )
    assert response.status == 201, await response.text()
    assert (await response.json())["name"] == "C:\\u0000dir"
    rows = await logs(server)
    bodies = [r.request_body for r in rows if isinstance(r.request_body, dict)]
    assert any(body.get("name") == "C:\\u0000dir" for body in bodies)
