"""Row-level security for tenant tables, as used by migrations (core's and plugins').

On PostgreSQL every tenant table gets

* ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` (FORCE: the table owner is not exempt);
* one policy comparing the row's organisation with ``app.current_org_id``, for reads
  (``USING``) and writes (``WITH CHECK``), so a row of organisation B can neither be seen
  nor written from A's session;
* DML grants to the tenant role that tenant sessions switch to.

On SQLite these are no-ops: isolation there rests on every query's explicit ``org_id``
filter (which PostgreSQL enforces a second time).

A plugin's migration calls :func:`enable_tenant_isolation` for each table it creates.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

#: Set by the migration runner from ``Settings.database_tenant_role``.
tenant_role_var: ContextVar[str] = ContextVar("tenant_role", default="monopilot_tenant")

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

CURRENT_ORG = "nullif(current_setting('app.current_org_id', true), '')::uuid"


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a safe SQL identifier: {name!r}")
    return name


def ensure_tenant_role(op: Any) -> None:
    """Create the tenant role (NOLOGIN, no BYPASSRLS) when missing, and let the migrating
    role switch to it."""
    if op.get_bind().dialect.name != "postgresql":
        return
    role = _ident(tenant_role_var.get())
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN NOBYPASSRLS;
            END IF;
            IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                EXECUTE format('GRANT {role} TO %I', current_user);
            END IF;
        END
        $$;
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")


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
