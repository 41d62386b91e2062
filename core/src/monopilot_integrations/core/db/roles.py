"""The two PostgreSQL roles and their connections: the tenant role, the kernel's role.

Tenant work (every :meth:`~.database.Database.session`) connects as the **tenant role**: a
login role without BYPASSRLS that owns no table and can switch to no role that could. Row
level security therefore holds against the session itself: ``RESET ROLE`` returns to the
tenant role, and ``SET ROLE`` to anything else is refused by PostgreSQL.

The kernel's cross-organisation work (dispatcher, sweeper, log flush, migrations) connects
as the **kernel role**, the user of ``MONOPILOT_DATABASE_URL``, which owns the tables and
bypasses row-level security, on connections of its own that tenant work never receives.

The tenant URL is ``MONOPILOT_TENANT_DATABASE_URL`` when set; otherwise it is the kernel's
URL with the tenant role as user and no password (PostgreSQL's ``trust`` on a private
network, or asyncpg's ``.pgpass`` / ``PGPASSWORD``).
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url

DEFAULT_TENANT_ROLE = "monopilot_tenant"

#: Every role the connecting role can act as (itself included) that would defeat row-level
#: security: superusers, BYPASSRLS roles, owners of tables in ``public``. ``:role`` is the
#: role to examine; empty for a tenant role fit for its work.
ROLES_THAT_DEFEAT_RLS = """
SELECT r.rolname,
       r.rolsuper,
       r.rolbypassrls,
       EXISTS (SELECT FROM pg_tables t
               WHERE t.schemaname = 'public' AND t.tableowner = r.rolname) AS owns_tables
FROM pg_roles r
WHERE pg_has_role(CAST(:role AS name), r.oid, 'MEMBER')
  AND (r.rolsuper OR r.rolbypassrls
       OR EXISTS (SELECT FROM pg_tables t
                  WHERE t.schemaname = 'public' AND t.tableowner = r.rolname))
ORDER BY r.rolname
"""


def tenant_database_url(url: str, role: str, tenant_url: str | None = None) -> str:
    """The URL tenant sessions connect with: ``tenant_url``, or ``url`` as ``role``.

    SQLite has no roles: its tenant sessions use ``url`` itself.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    if tenant_url:
        return tenant_url
    # URL.set() keeps a password set to None: build the URL anew, without one.
    derived = URL.create(
        parsed.drivername,
        username=role,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return derived.render_as_string(hide_password=False)


def describe_defeating_role(name: str, superuser: bool, bypassrls: bool, owns: bool) -> str:
    """``'postgres' (superuser, BYPASSRLS)``: why a role found by the query is unfit."""
    reasons = [
        reason
        for reason, present in (
            ("superuser", superuser),
            ("BYPASSRLS", bypassrls),
            ("owns tables", owns),
        )
        if present
    ]
    return f"{name!r} ({', '.join(reasons)})"
