"""Row-level security on PostgreSQL: the database itself keeps organisations apart."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy.exc
from sqlalchemy import insert, text

from monopilot_integrations.core.db.base import tenant_tables
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import EventRow
from tests.core.helpers import ORG_A, ORG_B

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg(postgres_url: str) -> Database:
    db = Database(postgres_url)
    from tests.support.schema import truncate_all

    await truncate_all(db)
    yield db  # type: ignore[misc]
    await db.dispose()


def event(org: uuid.UUID) -> dict:
    return {
        "id": uuid.uuid4(),
        "org_id": org,
        "event_type": "test.ping",
        "data": {"org": str(org)},
        "occurred_at": datetime.now(UTC),
    }


async def test_raw_select_without_where_sees_only_the_sessions_organisation(pg: Database) -> None:
    async with pg.system_session() as session:
        await session.execute(insert(EventRow), [event(ORG_A), event(ORG_A), event(ORG_B)])
    async with pg.session(ORG_A) as session:
        rows = (await session.execute(text("SELECT * FROM integration_events"))).mappings().all()
        role = await session.scalar(text("SELECT current_user"))
    assert len(rows) == 2
    assert {r["org_id"] for r in rows} == {ORG_A}
    assert role == "monopilot_tenant"
    async with pg.session(ORG_B) as session:
        count = await session.scalar(text("SELECT count(*) FROM integration_events"))
    assert count == 1


async def test_inserting_a_row_for_another_organisation_fails(pg: Database) -> None:
    with pytest.raises(sqlalchemy.exc.DBAPIError, match="row-level security"):
        async with pg.session(ORG_A) as session:
            await session.execute(insert(EventRow), [event(ORG_B)])


async def test_updating_a_row_into_another_organisation_fails(pg: Database) -> None:
    async with pg.session(ORG_A) as session:
        await session.execute(insert(EventRow), [event(ORG_A)])
    with pytest.raises(sqlalchemy.exc.DBAPIError, match="row-level security"):
        async with pg.session(ORG_A) as session:
            await session.execute(text("UPDATE integration_events SET org_id = :b"), {"b": ORG_B})


async def test_settings_do_not_leak_past_the_transaction(pg: Database) -> None:
    async with pg.session(ORG_A) as session:
        await session.execute(insert(EventRow), [event(ORG_A)])
    async with pg.engine.connect() as conn:
        # A pooled connection reused outside a tenant session is not still ORG_A's.
        org = await conn.scalar(text("SELECT current_setting('app.current_org_id', true)"))
        assert org in (None, "")


async def test_every_tenant_table_has_forced_rls_and_a_policy(pg: Database) -> None:
    async with pg.system_session() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                    "(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r'"
                )
            )
        ).all()
        owner_is_tenant = await session.scalar(
            text(
                "SELECT bool_or(tableowner = 'monopilot_tenant') FROM pg_tables "
                "WHERE schemaname = 'public'"
            )
        )
        tenant = (
            await session.execute(
                text(
                    "SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = 'monopilot_tenant'"
                )
            )
        ).one()
    by_name = {r.relname: r for r in rows}
    expected = set(tenant_tables()) | {"organizations"}
    missing = [
        name
        for name in expected
        if name in by_name
        and not (
            by_name[name].relrowsecurity
            and by_name[name].relforcerowsecurity
            and by_name[name].policies >= 1
        )
    ]
    assert missing == []
    assert expected <= set(by_name)
    assert owner_is_tenant is False
    assert tuple(tenant) == (False, False)


async def test_the_kernel_refuses_a_connecting_role_that_cannot_bypass_rls(
    postgres_url: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    from monopilot_integrations.core.errors import ConfigError
    from monopilot_integrations.core.kernel import Kernel
    from monopilot_integrations.core.settings import Settings

    # Role names are cluster-wide: one of its own, whatever else runs on the cluster.
    plain = f"mp_plain_login_{uuid.uuid4().hex[:10]}"
    admin = Database(postgres_url)
    async with admin.engine.connect() as conn:
        await conn.execute(text(f"CREATE ROLE {plain} LOGIN NOBYPASSRLS"))
        await conn.commit()
    url = make_url(postgres_url).set(username=plain).render_as_string(False)
    try:
        with pytest.raises(ConfigError, match="BYPASSRLS"):
            await Kernel.start(Settings(database_url=url, data_dir=tmp_path, embedded_worker=False))
    finally:
        async with admin.engine.connect() as conn:
            await conn.execute(text(f"DROP ROLE IF EXISTS {plain}"))
            await conn.commit()
        await admin.dispose()
