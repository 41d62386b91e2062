"""Every hook a plugin can implement. Declarations only: no behaviour lives here.

Two kinds of hooks:

* **Collecting hooks** (``register_*``) receive a ``register`` callback and call it once per
  thing they contribute, as in ``llm``. The registry (:mod:`.registry`) supplies the
  callback, remembers which plugin registered what and refuses duplicates, so no plugin has
  to return lists that the kernel then flattens.
* **"Who handles this" hooks** are ``firstresult``: pluggy stops at the first
  implementation that returns something other than ``None``. Built-in defaults are
  registered ``trylast``, so any installed plugin wins over them.

Arguments a hook implementation does not name are not passed to it (pluggy's rule), so an
implementation may take only ``register``.

The reference with an example for every hook is ``docs/hooks.md``; a test fails when a hook
here is missing there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from uuid import UUID

    from monopilot_integrations.core.connector import Connector
    from monopilot_integrations.core.db.database import Database
    from monopilot_integrations.core.domain.port import DomainStore
    from monopilot_integrations.core.kernel import Kernel
    from monopilot_integrations.core.mapper import Mapper
    from monopilot_integrations.core.plugins.registration import (
        CliCommand,
        DemoLogin,
        EventType,
        JobHandler,
        LogMask,
        MigrationBranch,
        PeriodicTask,
        Route,
        Scope,
        SealedColumn,
    )
    from monopilot_integrations.core.settings import Settings
    from monopilot_integrations.core.transport import Transport
    from monopilot_integrations.core.web.panels import DashboardPanel, DashboardUser

PROJECT_NAME = "monopilot_integrations"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- the three extension points ---------------------------------------------------------


@hookspec
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Register connector classes (subclasses of :class:`~.connector.Connector`).

    A connector is a named integration: its settings model, the event types it consumes,
    how an event becomes jobs and how a job is carried out. Names are unique across plugins.
    """


@hookspec
def register_mappers(register: Callable[[Mapper[Any, Any]], None]) -> None:
    """Register mapper instances, keyed by their ``(format, record_kind)``.

    A mapper is a pure conversion between a MonoPilot record and an external format
    (``("edifact-d96a", "sales_order")``, ``("csv", "product")``). One mapper per key.
    """


@hookspec
def register_transports(register: Callable[[type[Transport]], None]) -> None:
    """Register transport classes, keyed by their ``name`` (``"folder"``, ``"sftp"``, ...).

    A transport moves bytes to and from a partner. Connectors pick one by configuration,
    so the same connector can talk to one partner over SFTP and to another through a folder.
    """


# --- assembly ---------------------------------------------------------------------------


@hookspec
def register_event_types(register: Callable[[EventType], None]) -> None:
    """Register event types with the JSON Schema their ``data`` must satisfy.

    ``publish`` refuses unknown types and invalid data, so consumers can rely on the schema.
    """


@hookspec
def register_scopes(register: Callable[[Scope], None]) -> None:
    """Register API key scopes (``"read:products"``) with a description."""


@hookspec
def register_routes(register: Callable[[Route], None]) -> None:
    """Register HTTP routes served by the assembled server.

    Each route declares its pydantic models (request, query, response) so the OpenAPI
    document can be built from them, and the scope an API key needs to call it.
    """


@hookspec
def register_job_handlers(register: Callable[[JobHandler], None]) -> None:
    """Register job handlers that are not a connector's own ``handle`` method.

    Use it for background work started by something other than an event: an import run, a
    mailbox poll turned into per-file jobs, a manual resend.
    """


@hookspec
def register_periodic_tasks(register: Callable[[PeriodicTask], None]) -> None:
    """Register coroutines the scheduler runs every ``interval`` seconds (mailbox polls,
    purges). The scheduler never runs two instances of one task at a time in a process."""


@hookspec
def register_migrations(register: Callable[[MigrationBranch], None]) -> None:
    """Register an Alembic branch: a label and the folder holding its version scripts.

    The branch's first revision must depend on core's (``depends_on="core@head"`` is not
    allowed by Alembic; name core's head revision id instead). ``migrate`` upgrades every
    installed branch to its head.
    """


@hookspec
def register_cli_commands(register: Callable[[CliCommand], None]) -> None:
    """Register subcommands of the ``monopilot-integrations`` command line."""


@hookspec
def register_log_masks(register: Callable[[LogMask], None]) -> None:
    """Register extra key names or value patterns to mask in integration log rows.

    The kernel already masks keys named like password, secret, token, api_key and
    authorization, and anything that looks like a MonoPilot API key.
    """


@hookspec
def register_sealed_columns(register: Callable[[SealedColumn], None]) -> None:
    """Register the columns of the plugin's tables that hold keyring tokens (encrypted
    secrets), so a key rotation re-encrypts them (``secrets rotate``). One entry per
    ``(table, column)``."""


@hookspec(firstresult=True)
def provide_domain_store(settings: Settings, database: Database) -> DomainStore | None:
    """Return the store for MonoPilot's own records, or ``None`` to let the next plugin try.

    ``database`` is the kernel's database for the calling event loop (the reference store
    keeps MonoPilot's records there); a store of MonoPilot's own may ignore it.

    Stops at the first non-``None`` result. The reference store (the distribution
    monopilot-integrations-domain) is registered ``trylast``; MonoPilot supplies its own
    store through this hook.
    """


# --- the integrations dashboard ---------------------------------------------------------


@hookspec
def register_dashboard_panels(register: Callable[[DashboardPanel], None]) -> None:
    """Register panels of the integrations dashboard (:class:`~.web.panels.DashboardPanel`).

    A panel returns data (figures, tables, forms), never markup; each of its actions names a
    route of the JSON API, which the dashboard calls with the same scope check as an API
    key's call. A connector that is not installed simply has no panel.
    """


@hookspec(firstresult=True)
def provide_dashboard_user(request: Any) -> DashboardUser | None:
    """Return the user signed in to the dashboard for this aiohttp ``request``, or ``None``.

    MonoPilot implements it to hand the dashboard its own signed-in user (read from its own
    session cookie), with the organisation and the scopes that user holds. Stops at the
    first non-``None`` result; the dashboard's own sign-in is consulted when no plugin
    answers.
    """


# --- the demo ---------------------------------------------------------------------------


@hookspec
def seed_demo(
    kernel: Kernel, org_id: UUID, register: Callable[[DemoLogin], None]
) -> Awaitable[None] | None:
    """Add the plugin's own demo data to the demo organisation ``org_id``; ``register``
    each login a person trying the demo needs (:class:`~.registration.DemoLogin`).

    Called by ``serve --demo`` on every start, after the demo organisation is loaded (or
    found) and the tables are migrated, so it must be repeatable: find what an earlier run
    made and give it a fresh password rather than fail on a duplicate. The server knows
    nothing of a connector's tables, which is why the connector seeds them itself, through
    its own services. The implementation may be a coroutine function; the caller awaits it.
    Data the demo organisation lacks (MonoPilot's own store, other parties) is skipped.
    """
