"""``monopilot-integrations``: the command line.

Built-in commands: ``serve``, ``worker``, ``api-keys create``, ``orgs list``, ``plugins``,
``migrate``, ``generate-secret-key``, ``secrets rotate|add-key``, ``new-connector`` and
``migrations revision``;
installed plugins add theirs through ``register_cli_commands`` (``seed`` comes with the
reference store's plugin).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import logging
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monopilot_integrations.core.errors import IntegrationError, ValidationError
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.server import secrets_command
from monopilot_integrations.server.inventory import plugin_inventory


def build_parser(registry: Registry, settings: Settings | None = None) -> argparse.ArgumentParser:
    tiers = _configured_tiers(settings or Settings())
    parser = argparse.ArgumentParser(
        prog="monopilot-integrations",
        description="MonoPilot Integrations: server, workers and administration.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from monopilot_integrations.server import serve

    p = commands.add_parser("serve", help="run the server (embedded worker by default)")
    serve.configure_serve(p)
    p.set_defaults(run=serve.run_serve)

    p = commands.add_parser("worker", help="run a Dramatiq worker for a production broker")
    serve.configure_worker(p)
    p.set_defaults(run=serve.run_worker)

    p = commands.add_parser("api-keys", help="manage API keys")
    keys = p.add_subparsers(dest="api_keys_command", required=True, metavar="ACTION")
    k = keys.add_parser(
        "create",
        help="create a key and print it (shown once)",
        epilog="configured rate-limit tiers (per minute / per hour / burst; "
        "MONOPILOT_RATE_LIMIT_TIERS): " + _describe_tiers(tiers),
    )
    k.add_argument(
        "--org", required=True, help="organisation id or code (see `orgs list`); must exist"
    )
    k.add_argument("--name", required=True)
    k.add_argument(
        "--scopes", required=True, help="comma-separated, e.g. read:products,read:orders"
    )
    k.add_argument(
        "--tier",
        default="basic",
        choices=sorted(tiers) or None,
        help="rate-limit tier: " + _describe_tiers(tiers) + " (default: basic)",
    )
    k.set_defaults(run=cmd_api_keys_create)

    from monopilot_integrations.server.dashboard import admin_command

    p = commands.add_parser(
        "dashboard-admin", help="create a dashboard admin or set their password (printed once)"
    )
    admin_command.configure(p)
    p.set_defaults(run=admin_command.run)

    p = commands.add_parser("orgs", help="organisations in the domain store")
    orgs = p.add_subparsers(dest="orgs_command", required=True, metavar="ACTION")
    o = orgs.add_parser("list", help="list organisations: id, code, name")
    o.add_argument("--json", action="store_true", help="machine-readable output")
    o.set_defaults(run=cmd_orgs_list)

    p = commands.add_parser("plugins", help="list installed plugins and what they register")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=cmd_plugins)

    p = commands.add_parser("migrate", help="upgrade the database (core and every plugin)")
    p.set_defaults(run=cmd_migrate)

    p = commands.add_parser(
        "generate-secret-key", help="print a new AES-256 key for MONOPILOT_SECRET_KEYS"
    )
    p.add_argument("--id", default=None, help="key id (default: k<date>)")
    p.set_defaults(run=cmd_generate_key)

    secrets_command.configure(commands)

    p = commands.add_parser("new-connector", help="write a new connector package to start from")
    p.add_argument("name", help="plugin name: lowercase letters, digits, underscores")
    p.add_argument("--dir", type=Path, default=Path("."), help="parent folder (default: .)")
    p.set_defaults(run=cmd_new_connector)

    p = commands.add_parser("migrations", help="plugins' migration branches")
    actions = p.add_subparsers(dest="migrations_command", required=True, metavar="ACTION")
    r = actions.add_parser("revision", help="add a revision to a plugin's own branch")
    r.add_argument("--plugin", required=True, help="the plugin owning the branch")
    r.add_argument("--branch", default=None, help="the branch, if the plugin has several")
    r.add_argument("-m", "--message", required=True, help="what the revision changes")
    r.add_argument(
        "--autogenerate",
        action="store_true",
        help="fill it in from the plugin's models (the database must be migrated)",
    )
    r.set_defaults(run=cmd_migrations_revision)

    for command in registry.cli_commands.values():
        p = commands.add_parser(command.name, help=command.help)
        command.configure(p)
        p.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    settings = Settings()
    try:
        plugins = PluginManager(allow=settings.plugins, block=settings.disable_plugins)
        plugins.load()
    except IntegrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    registry = Registry(plugins)
    args = build_parser(registry, settings).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    args.settings = settings
    args.registry = registry
    try:
        result = args.run(args)
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for problem in exc.errors:
            print(f"  {problem.get('path', '')}: {problem.get('message', '')}", file=sys.stderr)
        return 2
    except IntegrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return int(result or 0)


async def _await(awaitable: Any) -> Any:
    return await awaitable


def cmd_plugins(args: argparse.Namespace) -> int:
    inventory = plugin_inventory(args.registry)
    if args.json:
        print(json.dumps(inventory, indent=2))
        return 0
    for plugin in inventory["plugins"]:
        origin = (
            "built-in"
            if plugin["builtin"]
            else (
                f"{plugin['distribution']} {plugin['version']}"
                if plugin["distribution"]
                else "local"
            )
        )
        print(f"{plugin['name']}  ({origin}; {plugin['module']})")
        for kind in (
            "connectors",
            "mappers",
            "transports",
            "event_types",
            "scopes",
            "routes",
            "job_handlers",
            "periodic_tasks",
            "migrations",
            "cli_commands",
        ):
            if plugin[kind]:
                print(f"  {kind.replace('_', ' ')}: {', '.join(plugin[kind])}")
    for name, reason in inventory["skipped"].items():
        print(f"{name}  (skipped: {reason})")
    return 0


async def cmd_migrate(args: argparse.Namespace) -> int:
    from monopilot_integrations.core.db import migrate as migrations

    settings: Settings = args.settings
    heads = await migrations.upgrade(
        settings.resolved_database_url,
        args.registry,
        tenant_role=settings.database_tenant_role,
        tenant_password=settings.tenant_database_password,
    )
    print(f"database at {_safe_url(settings.resolved_database_url)} is at: {', '.join(heads)}")
    return 0


async def cmd_api_keys_create(args: argparse.Namespace) -> int:
    from monopilot_integrations.core.kernel import Kernel

    kernel = Kernel(args.settings, plugins=args.registry.plugins)
    try:
        organization = await find_organization(kernel, args.org)
        if organization is None:
            print(
                f"error: no organisation {args.org!r} (an id or a code; "
                "`monopilot-integrations orgs list` shows them)",
                file=sys.stderr,
            )
            return 2
        key, secret = await kernel.api_keys.create(
            organization.id,
            name=args.name,
            scopes=[s.strip() for s in args.scopes.split(",") if s.strip()],
            rate_limit_tier=args.tier,
        )
    finally:
        await kernel.close()
    print(secret)
    print(
        f"id {key.id}  organisation {organization.code} ({organization.id})  "
        f"name {key.name!r}  scopes {','.join(key.scopes)}  tier {key.rate_limit_tier}"
        "  (the key is shown once: store it now)",
        file=sys.stderr,
    )
    return 0


async def find_organization(kernel: Any, value: str) -> Any:
    """The organisation ``value`` names, by id or else by code, in the domain store."""
    try:
        org_id = uuid.UUID(value)
    except ValueError:
        return await kernel.domain.find_organization_by_code(value)
    found = await kernel.domain.get_organization(org_id)
    return found if found is not None else await kernel.domain.find_organization_by_code(value)


async def cmd_orgs_list(args: argparse.Namespace) -> int:
    from monopilot_integrations.core.kernel import Kernel

    kernel = Kernel(args.settings, plugins=args.registry.plugins)
    try:
        lister = getattr(kernel.domain, "list_organizations", None)
        if lister is None:
            print(
                "error: the installed domain store cannot list organisations "
                "(DomainStore.list_organizations)",
                file=sys.stderr,
            )
            return 2
        organizations = []
        offset = 0
        while True:
            page = await lister(limit=MAX_PAGE, offset=offset)
            organizations += page.items
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
    finally:
        await kernel.close()
    if args.json:
        print(json.dumps([o.model_dump(mode="json") for o in organizations], indent=2))
        return 0
    for org in organizations:
        print(f"{org.id}  {org.code}  {org.name}")
    if not organizations:
        print("no organisations yet (load one with `monopilot-integrations seed FILE`)")
    return 0


MAX_PAGE = 1000


def _configured_tiers(settings: Settings) -> dict[str, Any]:
    from monopilot_integrations.core.ratelimit.tiers import tiers_from_config

    try:
        return dict(tiers_from_config(settings.rate_limit_tiers))
    except ValueError:
        return {}  # the API key store reports the broken setting when a key is created


def _describe_tiers(tiers: dict[str, Any]) -> str:
    if not tiers:
        return "(MONOPILOT_RATE_LIMIT_TIERS is invalid)"
    return ", ".join(
        f"{t.name} ({t.per_minute}/{t.per_hour}/{t.burst})"
        for t in sorted(tiers.values(), key=lambda t: (t.per_minute, t.name))
    )


def cmd_generate_key(args: argparse.Namespace) -> int:
    from datetime import date

    from monopilot_integrations.core.crypto import generate_key

    key_id = args.id or f"k{date.today():%Y%m%d}"
    print(f"{key_id}:{generate_key()}")
    return 0


def cmd_new_connector(args: argparse.Namespace) -> int:
    from monopilot_integrations.server.scaffold import new_connector

    target = new_connector(args.name, args.dir)
    print(target)
    print(
        f"next: pip install -e '{target}[test]', then `monopilot-integrations plugins`, "
        f"`monopilot-integrations migrate` and `pytest {target}`",
        file=sys.stderr,
    )
    return 0


async def cmd_migrations_revision(args: argparse.Namespace) -> int:
    from monopilot_integrations.server.migration_revision import create_revision

    settings: Settings = args.settings
    path = await create_revision(
        args.registry,
        args.plugin,
        args.message,
        label=args.branch,
        autogenerate=args.autogenerate,
        database_url=settings.resolved_database_url,
        tenant_role=settings.database_tenant_role,
    )
    print(path)
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
