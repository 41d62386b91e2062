"""Which errors mean "the database is away" (a 503), from real failures: a PostgreSQL port
nobody listens on, through asyncpg and through SQLAlchemy; and an outbound HTTP call to
the same closed port, which is not the database's business (a 500 stays a 500)."""

from __future__ import annotations

import aiohttp
import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from monopilot_integrations.core.db.availability import database_unavailable
from tests.support.owned_services import free_port


async def test_a_refused_database_connection_is_unavailability() -> None:
    port = free_port()
    with pytest.raises(OSError) as raw:
        await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/x", timeout=5)
    assert database_unavailable(raw.value)

    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x")
    try:
        with pytest.raises(Exception) as wrapped:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        assert database_unavailable(wrapped.value)
    finally:
        await engine.dispose()


async def test_an_outbound_http_failure_is_not_the_database() -> None:
    port = free_port()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError) as refused:
            await http.get(f"http://127.0.0.1:{port}/")
    assert not database_unavailable(refused.value)
    assert not database_unavailable(ValueError("bad input"))


async def test_a_wrapped_cause_is_followed() -> None:
    port = free_port()
    try:
        await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/x", timeout=5)
    except OSError as exc:
        try:
            raise RuntimeError("while loading the key") from exc
        except RuntimeError as outer:
            assert database_unavailable(outer)
