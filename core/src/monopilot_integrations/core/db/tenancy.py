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


# --- portal sessions: one supplier's or one customer's rows within the organisation ------

#: Transaction-local settings a portal session sets next to ``app.current_org_id``
#: (:func:`restrict_to_portal_party`); restrictive policies compare rows with them.
PORTAL_SUPPLIER_SETTING = "app.portal_supplier_id"
PORTAL_CUSTOMER_SETTING = "app.portal_customer_id"
PORTAL_SUPPLIER = f"nullif(current_setting('{PORTAL_SUPPLIER_SETTING}', true), '')::uuid"
PORTAL_CUSTOMER = f"nullif(current_setting('{PORTAL_CUSTOMER_SETTING}', true), '')::uuid"


def enable_portal_restriction(
    op: Any, table: str, *, supplier: str | None = None, customer: str | None = None
) -> None:
    """Add the restrictive policy ``portal_party`` to ``table``.

    In a transaction that set neither portal setting the policy lets every row through
    (tenant isolation alone applies). In a supplier portal's transaction only rows for
    which the SQL condition ``supplier`` holds are visible and writable, ``None`` meaning
    none at all; likewise ``customer``. Conditions name the party as
    :data:`PORTAL_SUPPLIER` / :data:`PORTAL_CUSTOMER`, e.g. ``f"supplier_id = {PORTAL_SUPPLIER}"``
    or an ``EXISTS`` over a parent table (itself under these policies).
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    table = _ident(table)
    as_supplier = f"({supplier})" if supplier else "false"
    as_customer = f"({customer})" if customer else "false"
    op.execute(f"DROP POLICY IF EXISTS portal_party ON {table}")
    op.execute(
        f"CREATE POLICY portal_party ON {table} AS RESTRICTIVE "
        f"USING (({PORTAL_SUPPLIER} IS NULL OR {as_supplier}) "
        f"AND ({PORTAL_CUSTOMER} IS NULL OR {as_customer}))"
    )


def disable_portal_restriction(op: Any, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS portal_party ON {_ident(table)}")


async def restrict_to_portal_party(
    session: Any, *, supplier_id: Any = None, customer_id: Any = None
) -> None:
    """In a tenant transaction (``Database.session``) on PostgreSQL, limit every read and
    write to one supplier's or one customer's rows (the ``portal_party`` policies).
    Ends with the transaction. A no-op on SQLite, where the portal's queries filter by the
    party themselves."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for setting, value in (
        (PORTAL_SUPPLIER_SETTING, supplier_id),
        (PORTAL_CUSTOMER_SETTING, customer_id),
    ):
        await session.execute(
            text("SELECT set_config(:name, :value, true)"),
            {"name": setting, "value": str(value) if value is not None else ""},
        )
