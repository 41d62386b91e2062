"""Row-level security for tenant tables, as used by migrations (core's and plugins').

On PostgreSQL every tenant table gets

* ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` (FORCE: the table owner is not exempt);
* one policy comparing the row's organisation with ``app.current_org_id``, for reads
  (``USING``) and writes (``WITH CHECK``), so a row of organisation B can neither be seen
  nor written from A's session;
* DML grants to the tenant role, the login role of tenant sessions (see :mod:`.roles`).

On SQLite these are no-ops: isolation there rests on every query's explicit ``org_id``
filter (which PostgreSQL enforces a second time).

A plugin's migration calls :func:`enable_tenant_isolation` for each table it creates.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

from sqlalchemy import text

from monopilot_integrations.core.db.roles import (
    DEFAULT_TENANT_ROLE,
    ROLES_THAT_DEFEAT_RLS,
    describe_defeating_role,
)
from monopilot_integrations.core.errors import ConfigError

#: Set by the migration runner from ``Settings.database_tenant_role``.
tenant_role_var: ContextVar[str] = ContextVar("tenant_role", default=DEFAULT_TENANT_ROLE)
#: Set by the migration runner from the tenant URL's password (None: leave it as it is).
tenant_password_var: ContextVar[str | None] = ContextVar("tenant_password", default=None)

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

CURRENT_ORG = "nullif(current_setting('app.current_org_id', true), '')::uuid"


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return name


def ensure_tenant_role(op: Any) -> None:
    """The tenant role, ready for tenant sessions (:func:`ensure_tenant_login`), may use
    schema ``public``; tables are granted to it by :func:`enable_tenant_isolation`."""
    if op.get_bind().dialect.name != "postgresql":
        return
    role = _ident(tenant_role_var.get())
    ensure_tenant_login(op.get_bind(), role, tenant_password_var.get())
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")


def ensure_tenant_login(bind: Any, role: str, password: str | None = None) -> None:
    """Make ``role`` a login role fit for tenant sessions, on a PostgreSQL connection.

    Created ``LOGIN NOBYPASSRLS`` when missing; an existing ``NOLOGIN`` one (an earlier
    schema switched to it with ``SET ROLE``) is given ``LOGIN``; ``password``, if any, is
    set when the migrating role may (superuser or CREATEROLE). Role names are cluster-wide,
    so migrations of several databases on one cluster may run this at once: "already
    exists" and "tuple concurrently updated" mean another one just did the same.

    Refuses (``ConfigError``) a tenant role that is, or can ``SET ROLE`` to, a superuser,
    a BYPASSRLS role or an owner of the tables: row-level security would not hold.
    """
    role = _ident(role)
    # The password travels as a transaction-local setting: no quoting of it in SQL text.
    bind.execute(
        text("SELECT set_config('monopilot.tenant_password', :password, true)"),
        {"password": password or ""},
    )
    bind.execute(
        text(
            f"""
            DO $$
            DECLARE
                new_password text := current_setting('monopilot.tenant_password', true);
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                    BEGIN
                        CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
                    EXCEPTION WHEN duplicate_object OR unique_violation THEN
                        NULL;
                    END;
                END IF;
                IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}' AND NOT rolcanlogin)
                THEN
                    BEGIN
                        ALTER ROLE {role} LOGIN;
                    EXCEPTION WHEN internal_error THEN
                        NULL;
                    END;
                END IF;
                IF coalesce(new_password, '') <> '' AND EXISTS (
                    SELECT FROM pg_roles WHERE rolname = current_user
                    AND (rolsuper OR rolcreaterole)
                ) THEN
                    BEGIN
                        EXECUTE format('ALTER ROLE %I PASSWORD %L', '{role}', new_password);
                    EXCEPTION WHEN internal_error THEN
                        NULL;
                    END;
                END IF;
            END
            $$
            """
        )
    )
    bind.execute(text("SELECT set_config('monopilot.tenant_password', '', true)"))
    check_tenant_role(bind, role)


def check_tenant_role(bind: Any, role: str) -> None:
    """Raise if ``role`` is, or can become, a role that defeats row-level security."""
    rows = bind.execute(text(ROLES_THAT_DEFEAT_RLS), {"role": role}).all()
    if rows:
        found = ", ".join(describe_defeating_role(*row) for row in rows)
        raise ConfigError(
            f"the tenant role {role!r} is or can become {found}: row-level security would "
            "not hold; use a plain login role (docs/configuration.md, PostgreSQL roles)"
        )


def enable_tenant_isolation(op: Any, table: str, *, column: str = "org_id") -> None:
    """Put ``table`` under row-level security keyed on ``column``."""
    if op.get_bind().dialect.name != "postgresql":
        return
    table, column = _ident(table), _ident(column)
    role = _ident(tenant_role_var.get())
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({column} = {CURRENT_ORG}) WITH CHECK ({column} = {CURRENT_ORG})"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def disable_tenant_isolation(op: Any, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    table = _ident(table)
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
