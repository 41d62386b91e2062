"""A typed facade over the collecting hooks.

Callers never touch ``pm.hook.register_x(...)``: they ask the registry for "the connector
named edi" or "the mapper for (csv, product)". The registry calls each plugin's
implementation with a ``register`` callback that remembers which plugin registered what,
so a duplicate is reported with both plugins' names.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from monopilot_integrations.core.connector import Connector
from monopilot_integrations.core.errors import (
    DuplicateRegistrationError,
    PluginError,
    UnknownNameError,
)
from monopilot_integrations.core.mapper import Mapper
from monopilot_integrations.core.plugins.manager import PluginManager
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
from monopilot_integrations.core.transport import Transport
from monopilot_integrations.core.web.panels import DashboardPanel, DashboardUser

if TYPE_CHECKING:
    import uuid

    from monopilot_integrations.core.db.database import Database
    from monopilot_integrations.core.domain.port import DomainStore
    from monopilot_integrations.core.kernel import Kernel
    from monopilot_integrations.core.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class Registered(Generic[T]):
    """One registered thing and the plugin it came from."""

    item: T
    plugin: str


class Catalog(Generic[T]):
    """Registered things of one kind, by key, in plugin call order."""

    def __init__(self, kind: str, entries: dict[Hashable, Registered[T]]) -> None:
        self.kind = kind
        self._entries = entries

    def __getitem__(self, key: Hashable) -> T:
        try:
            return self._entries[key].item
        except KeyError:
            known = ", ".join(repr(k) for k in self._entries) or "none"
            raise UnknownNameError(
                f"no {self.kind} {key!r} is registered (known: {known})"
            ) from None

    def get(self, key: Hashable) -> T | None:
        entry = self._entries.get(key)
        return entry.item if entry else None

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Any:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def items(self) -> list[tuple[Hashable, T]]:
        return [(k, e.item) for k, e in self._entries.items()]

    def values(self) -> list[T]:
        return [e.item for e in self._entries.values()]

    def plugin_of(self, key: Hashable) -> str:
        return self._entries[key].plugin


class MapperCatalog(Catalog[Mapper[Any, Any]]):
    def find(self, format: str, record_kind: str) -> Mapper[Any, Any]:
        return self[(format, record_kind)]


class Registry:
    """Everything the installed plugins registered, collected lazily and cached."""

    def __init__(self, plugins: PluginManager) -> None:
        self.plugins = plugins
        self._cache: dict[str, Catalog[Any]] = {}
        self._generation = -1

    # --- the extension points -----------------------------------------------------------

    @property
    def connectors(self) -> Catalog[type[Connector]]:
        return self._catalog("register_connectors", "connector", _connector_key)

    @property
    def mappers(self) -> MapperCatalog:
        return cast(MapperCatalog, self._catalog("register_mappers", "mapper", _mapper_key))

    @property
    def transports(self) -> Catalog[type[Transport]]:
        return self._catalog("register_transports", "transport", _named_class_key)

    # --- assembly -----------------------------------------------------------------------

    @property
    def event_types(self) -> Catalog[EventType]:
        return self._catalog("register_event_types", "event type", _attr("name", EventType))

    @property
    def scopes(self) -> Catalog[Scope]:
        return self._catalog("register_scopes", "scope", _attr("name", Scope))

    @property
    def routes(self) -> Catalog[Route]:
        def key(route: Route) -> Hashable:
            if not isinstance(route, Route):
                raise TypeError(f"register_routes expects Route, got {type(route).__name__}")
            return (route.method.upper(), route.path)

        return self._catalog("register_routes", "route", key)

    @property
    def job_handlers(self) -> Catalog[JobHandler]:
        def key(handler: JobHandler) -> Hashable:
            if not isinstance(handler, JobHandler):
                raise TypeError(f"register_job_handlers expects JobHandler, got {handler!r}")
            return (handler.connector, handler.name)

        return self._catalog("register_job_handlers", "job handler", key)

    @property
    def periodic_tasks(self) -> Catalog[PeriodicTask]:
        return self._catalog(
            "register_periodic_tasks", "periodic task", _attr("name", PeriodicTask)
        )

    @property
    def migrations(self) -> Catalog[MigrationBranch]:
        return self._catalog(
            "register_migrations", "migration branch", _attr("label", MigrationBranch)
        )

    @property
    def cli_commands(self) -> Catalog[CliCommand]:
        return self._catalog("register_cli_commands", "CLI command", _attr("name", CliCommand))

    @property
    def sealed_columns(self) -> Catalog[SealedColumn]:
        return self._catalog("register_sealed_columns", "sealed column", _sealed_column_key)

    @property
    def log_masks(self) -> list[LogMask]:
        return self._catalog("register_log_masks", "log mask", _identity).values()

    @property
    def dashboard_panels(self) -> Catalog[DashboardPanel]:
        """The dashboard's panels by name (sort by ``order`` to show them)."""
        return self._catalog(
            "register_dashboard_panels", "dashboard panel", _attr("name", DashboardPanel)
        )

    # --- lookups ------------------------------------------------------------------------

    def connector(self, name: str) -> type[Connector]:
        return self.connectors[name]

    def consumers_of(self, event_type: str) -> list[type[Connector]]:
        """Connectors whose ``consumes`` names ``event_type`` (or ``"*"``)."""
        return [
            c for c in self.connectors.values() if event_type in c.consumes or "*" in c.consumes
        ]

    def domain_store(self, settings: Settings, database: Database) -> DomainStore:
        store = self.plugins.hook.provide_domain_store(settings=settings, database=database)
        if store is None:
            raise PluginError(
                "no plugin provided a domain store (install monopilot-integrations-domain "
                "or a plugin implementing provide_domain_store)"
            )
        return cast("DomainStore", store)

    def dashboard_user(self, request: Any) -> DashboardUser | None:
        """The user a plugin (MonoPilot) says is signed in for ``request``, if any."""
        self.plugins.load()
        user = self.plugins.hook.provide_dashboard_user(request=request)
        if user is not None and not isinstance(user, DashboardUser):
            raise TypeError(f"provide_dashboard_user must return a DashboardUser, got {user!r}")
        return user

    async def seed_demo(self, kernel: Kernel, org_id: uuid.UUID) -> list[DemoLogin]:
        """Let every plugin add its demo data to ``org_id``; the logins they registered,
        in plugin call order. Implementations that are coroutine functions are awaited one
        after the other (they share the kernel's database)."""
        self.plugins.load()
        logins: list[DemoLogin] = []

        def register(login: DemoLogin) -> None:
            if not isinstance(login, DemoLogin):
                raise TypeError(f"seed_demo's register expects a DemoLogin, got {login!r}")
            logins.append(login)

        results = self.plugins.hook.seed_demo(kernel=kernel, org_id=org_id, register=register)
        for result in results:
            if inspect.isawaitable(result):
                await result
        return logins

    def refresh(self) -> None:
        """Forget what was collected (plugins changed)."""
        self._cache.clear()

    # --- internals ----------------------------------------------------------------------

    def _catalog(
        self, hook_name: str, kind: str, key_of: Callable[[Any], Hashable]
    ) -> Catalog[Any]:
        if self._generation != self.plugins.generation or not self.plugins._loaded:
            self.plugins.load()
            self._cache.clear()
            self._generation = self.plugins.generation
        if hook_name not in self._cache:
            entries = self._collect(hook_name, kind, key_of)
            cls = MapperCatalog if hook_name == "register_mappers" else Catalog
            self._cache[hook_name] = cls(kind, entries)
        return self._cache[hook_name]

    def _collect(
        self, hook_name: str, kind: str, key_of: Callable[[Any], Hashable]
    ) -> dict[Hashable, Registered[Any]]:
        entries: dict[Hashable, Registered[Any]] = {}
        caller = getattr(self.plugins.hook, hook_name)
        # pluggy calls implementations last-registered first, honouring tryfirst/trylast;
        # get_hookimpls() lists them in the opposite order.
        for impl in reversed(caller.get_hookimpls()):
            plugin = impl.plugin_name

            def register(item: Any, *, _plugin: str = plugin) -> None:
                key = key_of(item)
                if key in entries:
                    other = entries[key].plugin
                    raise DuplicateRegistrationError(
                        f"{kind} {key!r} is registered twice: by plugin {other!r} "
                        f"and by plugin {_plugin!r}"
                    )
                entries[key] = Registered(item, _plugin)

            kwargs = {"register": register}
            impl.function(**{k: v for k, v in kwargs.items() if k in impl.argnames})
        return entries


def _identity(item: Any) -> Hashable:
    return id(item)


def _attr(name: str, expected: type) -> Callable[[Any], Hashable]:
    def key(item: Any) -> Hashable:
        if not isinstance(item, expected):
            raise TypeError(f"expected {expected.__name__}, got {type(item).__name__}: {item!r}")
        return cast(Hashable, getattr(item, name))

    return key


def _sealed_column_key(item: Any) -> Hashable:
    if not isinstance(item, SealedColumn):
        raise TypeError(f"register_sealed_columns expects a SealedColumn, got {item!r}")
    return (item.table, item.column)


def _connector_key(item: Any) -> Hashable:
    if not (isinstance(item, type) and issubclass(item, Connector)):
        raise TypeError(f"register_connectors expects a Connector subclass, got {item!r}")
    if not getattr(item, "name", None):
        raise TypeError(f"connector class {item.__qualname__} has no 'name'")
    return item.name


def _named_class_key(item: Any) -> Hashable:
    if not (isinstance(item, type) and issubclass(item, Transport)):
        raise TypeError(f"register_transports expects a Transport subclass, got {item!r}")
    if not getattr(item, "name", None):
        raise TypeError(f"transport class {item.__qualname__} has no 'name'")
    return item.name


def _mapper_key(item: Any) -> Hashable:
    if not isinstance(item, Mapper):
        raise TypeError(f"register_mappers expects a Mapper instance, got {item!r}")
    return item.key
