"""Row-level security holds against the tenant session itself: its connection logs in as
the tenant role, so no ``RESET ROLE`` or ``SET ROLE`` reaches a role that sees more."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.roles import tenant_database_url
from monopilot_integrations.core.db.tables import EventRow
from monopilot_integrations.core.db.tenancy import (
    ensure_tenant_login,
    ensure_tenant_role,
    tenant_role_var,
)
from monopilot_integrations.core.errors import ConfigError
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.settings import Settings
from tests.core.helpers import ORG_A, ORG_B
from tests.support import services
from tests.support.schema import truncate_all

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Database]:
    db = Database(postgres_url)
    await truncate_all(db)
    async with db.system_session() as session:
        await session.execute(insert(EventRow), [event(ORG_A), event(ORG_A), event(ORG_B)])
    yield db
    await db.dispose()


def event(org: uuid.UUID) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "org_id": org,
        "event_type": "test.ping",
        "data": {},
        "occurred_at": datetime.now(UTC),
    }


async def seen_orgs(db: Database, escape: str, params: dict[str, str] | None = None) -> set[str]:
    """The organisations an A session sees after running ``escape``; a refusal by
    PostgreSQL is reported as ``{"refused"}``."""
    try:
        async with db.session(ORG_A) as session:
            await session.execute(text(escape), params or {})
            rows = await session.execute(text("SELECT DISTINCT org_id FROM integration_events"))
            return {str(row[0]) for row in rows}
    except sqlalchemy.exc.DBAPIError as exc:
        assert "permission denied" in str(exc)
        return {"refused"}


async def test_tenant_sessions_log_in_as_the_tenant_role(pg: Database) -> None:
    async with pg.session(ORG_A) as session:
        users = (await session.execute(text("SELECT session_user, current_user"))).one()
    assert tuple(users) == ("monopilot_tenant", "monopilot_tenant")


async def test_reset_role_leaves_the_session_with_its_organisation(pg: Database) -> None:
    assert await seen_orgs(pg, "RESET ROLE") == {str(ORG_A)}
    assert await seen_orgs(pg, "SELECT set_config('role', 'none', false)") == {str(ORG_A)}


async def test_no_role_switch_reaches_another_organisation(pg: Database) -> None:
    async with pg.system_session() as session:
        owner = await session.scalar(text("SELECT current_user"))
        roles = list(await session.scalars(text("SELECT rolname FROM pg_roles")))
    assert await seen_orgs(pg, f'SET ROLE "{owner}"') == {"refused"}
    assert await seen_orgs(pg, f'SET SESSION AUTHORIZATION "{owner}"') == {"refused"}
    for role in roles:
        for local in ("true", "false"):
            seen = await seen_orgs(pg, f"SELECT set_config('role', :role, {local})", {"role": role})
            assert seen in ({str(ORG_A)}, {"refused"}, set()), (role, seen)
    # Whatever was tried, the pooled connections still answer for the tenant role only.
    assert await seen_orgs(pg, "SELECT 1") == {str(ORG_A)}


async def test_a_tenant_connection_without_an_organisation_sees_nothing(pg: Database) -> None:
    async with pg.tenant_engine.connect() as conn:
        await conn.execute(text("RESET ROLE"))
        assert await conn.scalar(text("SELECT count(*) FROM integration_events")) == 0


def test_the_tenant_url_is_the_main_url_as_the_tenant_role() -> None:
    main = "postgresql+asyncpg://owner:secret@db:5432/mp"
    assert tenant_database_url(main, "mp_tenant") == "postgresql+asyncpg://mp_tenant@db:5432/mp"
    given = "postgresql+asyncpg://mp_tenant:pw@db:5432/mp"
    assert tenant_database_url(main, "mp_tenant", given) == given
    sqlite = "sqlite+aiosqlite:///x.db"
    assert tenant_database_url(sqlite, "mp_tenant", given) == sqlite


def test_the_tenant_url_names_the_tenant_role(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://mp_tenant:hunter2@db:5432/mp"
    settings = Settings(data_dir=tmp_path, tenant_database_url=url)
    assert settings.database_tenant_role == "mp_tenant"
    assert settings.tenant_database_password == "hunter2"
    assert "hunter2" not in repr(settings)
    with pytest.raises(ValueError, match="MONOPILOT_DATABASE_TENANT_ROLE is 'other'") as error:
        Settings(data_dir=tmp_path, tenant_database_url=url, database_tenant_role="other")
    assert "hunter2" not in str(error.value)  # the URL's password is not echoed


def _unique_role() -> str:
    return f"mp_role_test_{uuid.uuid4().hex[:10]}"


async def _drop_role(db: Database, role: str) -> None:
    async with db.engine.connect() as conn:
        await conn.execute(text(f"DROP OWNED BY {role}"))
        await conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        await conn.commit()


async def test_migrations_on_one_cluster_create_the_role_at_once(pg: Database) -> None:
    """Role names are cluster-wide: migrations of several databases at once each find or
    create the same role, none fails."""
    role = _unique_role()
    names = [f"{role}_db{n}" for n in range(4)]
    admin = create_async_engine(services.need("postgres", services.POSTGRES_URL))
    admin = admin.execution_options(isolation_level="AUTOCOMMIT")

    def ensure(connection: Connection) -> None:
        token = tenant_role_var.set(role)
        try:
            ensure_tenant_role(Operations(MigrationContext.configure(connection)))
        finally:
            tenant_role_var.reset(token)

    async def migrate_one(name: str) -> None:
        url = make_url(pg.url).set(database=name)
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(ensure)
        finally:
            await engine.dispose()

    try:
        async with admin.connect() as conn:
            for name in names:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await asyncio.gather(*(migrate_one(name) for name in names))
        async with admin.connect() as conn:
            login, bypass = (
                await conn.execute(
                    text("SELECT rolcanlogin, rolbypassrls FROM pg_roles WHERE rolname = :r"),
                    {"r": role},
                )
            ).one()
        assert (login, bypass) == (True, False)
    finally:
        async with admin.connect() as conn:
            for name in names:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        await admin.dispose()


async def test_migrate_gives_an_old_nologin_role_login_and_sets_its_password(
    pg: Database, postgres_url: str
) -> None:
    role = _unique_role()
    async with pg.engine.connect() as conn:
        await conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        await conn.commit()
    try:
        async with pg.engine.begin() as conn:
            await conn.run_sync(ensure_tenant_login, role, "s3cret'; --")
        async with pg.engine.connect() as conn:
            login, password_set = (
                await conn.execute(
                    text(
                        "SELECT rolcanlogin, rolpassword IS NOT NULL FROM pg_authid "
                        "WHERE rolname = :r"
                    ),
                    {"r": role},
                )
            ).one()
            leftover = await conn.scalar(
                text("SELECT current_setting('monopilot.tenant_password', true)")
            )
        assert (login, password_set) == (True, True)
        assert leftover in (None, "")
    finally:
        await _drop_role(pg, role)


@pytest.mark.parametrize("grant", ["BYPASSRLS", "membership of the owner"])
async def test_migrate_refuses_a_tenant_role_that_defeats_rls(pg: Database, grant: str) -> None:
    role = _unique_role()
    async with pg.engine.connect() as conn:
        owner = await conn.scalar(text("SELECT current_user"))
        if grant == "BYPASSRLS":
            await conn.execute(text(f"CREATE ROLE {role} LOGIN BYPASSRLS"))
        else:
            await conn.execute(text(f"CREATE ROLE {role} LOGIN IN ROLE {owner}"))
        await conn.commit()
    try:
        with pytest.raises(ConfigError, match="row-level security would not hold"):
            async with pg.engine.begin() as conn:
                await conn.run_sync(ensure_tenant_login, role, None)
    finally:
        await _drop_role(pg, role)


async def test_the_kernel_refuses_a_tenant_url_that_bypasses_rls(
    postgres_url: str, tmp_path: Path
) -> None:
    owner = make_url(postgres_url).username
    settings = Settings(
        database_url=postgres_url,
        tenant_database_url=postgres_url,
        data_dir=tmp_path,
        embedded_worker=False,
    )
    with pytest.raises(ConfigError, match=f"tenant sessions log in as '{owner}'"):
        await Kernel.start(settings)


async def test_the_kernel_says_when_the_tenant_role_cannot_log_in(
    postgres_url: str, tmp_path: Path
) -> None:
    missing = _unique_role()
    settings = Settings(
        database_url=postgres_url,
        database_tenant_role=missing,
        data_dir=tmp_path,
        embedded_worker=False,
    )
    with pytest.raises(ConfigError, match=f"cannot log in as '{missing}'"):
        await Kernel.start(settings)
