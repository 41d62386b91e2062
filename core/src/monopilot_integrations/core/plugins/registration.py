"""The small records plugins hand to ``register`` callbacks.

Frozen dataclasses rather than pydantic models: they carry callables and classes, are built
once at start-up and never cross a process boundary.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monopilot_integrations.core.events import EventType

if TYPE_CHECKING:
    from pydantic import BaseModel

    from monopilot_integrations.core.jobs.model import Job

__all__ = [
    "CliCommand",
    "DemoLogin",
    "EventType",
    "JobHandler",
    "LogMask",
    "MigrationBranch",
    "PeriodicTask",
    "Route",
    "Scope",
    "SealedColumn",
]


@dataclass(frozen=True)
class Scope:
    """An API key scope, e.g. ``read:products``."""

    name: str
    description: str


@dataclass(frozen=True)
class Route:
    """An HTTP route of the assembled server.

    ``handler`` is an aiohttp handler (``async def handler(request) -> web.StreamResponse``).
    ``scope`` is what an API key needs: one scope, or ``"a|b"`` for any of them (``None``:
    a valid key of any scope; ``public=True``: no API key at all, e.g. a health check or a
    portal route that authenticates on its own).
    The models feed the OpenAPI document.
    """

    method: str
    path: str
    handler: Callable[..., Awaitable[Any]]
    name: str
    scope: str | None = None
    public: bool = False
    summary: str = ""
    tags: tuple[str, ...] = ()
    request_model: type[BaseModel] | None = None
    query_model: type[BaseModel] | None = None
    response_model: type[BaseModel] | None = None
    responses: Mapping[int, type[BaseModel]] = field(default_factory=dict)
    #: Status of a successful response (201 for creations, 204 without a body, ...).
    status_code: int = 200
    #: ``False`` for routes that are not part of the JSON API (HTML pages, their forms and
    #: stylesheets): served like any other, left out of the OpenAPI document.
    in_openapi: bool = True


@dataclass(frozen=True)
class JobHandler:
    """A named job handler outside a connector's ``handle`` (see ``register_job_handlers``).

    Jobs for it are created with ``JobSpec(kind=name)`` by the connector named ``connector``;
    they run on that connector's queue.
    """

    name: str
    connector: str
    handler: Callable[[Job], Awaitable[None]]


@dataclass(frozen=True)
class PeriodicTask:
    """A coroutine run every ``interval`` seconds by the scheduler.

    The callable receives the kernel (``Kernel``) so it can open sessions, publish
    events and create jobs.
    """

    name: str
    interval: float
    run: Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class MigrationBranch:
    """An Alembic branch owned by a plugin: ``label`` and the folder of its versions."""

    label: str
    versions: Path


@dataclass(frozen=True)
class CliCommand:
    """A ``monopilot-integrations`` subcommand.

    ``configure`` adds arguments to the subparser; ``run`` receives the parsed namespace and
    returns an exit code (it may be a coroutine function).
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], Any]


@dataclass(frozen=True)
class LogMask:
    """Extra masking for integration logs: key names (case-insensitive, matched as
    substrings after removing ``-`` and ``_``) and regular expressions for values.

    ``mapping_keys`` name keys (matched like ``keys``) whose value is a mapping of names to
    secrets, such as a webhook's ``custom_headers``: the names stay readable in the log,
    every value under them is masked (in free text the whole value is masked, like a
    sensitive key's)."""

    keys: tuple[str, ...] = ()
    value_patterns: tuple[str, ...] = ()
    mapping_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class SealedColumn:
    """A column that holds keyring tokens (secrets encrypted at rest), declared so that
    ``monopilot-integrations secrets rotate`` can re-encrypt every stored secret under the
    active key, whichever plugin owns the table.

    ``purpose`` is the associated data the plugin encrypts with: a fixed label, or a
    function of the row (its ``key`` value and the ``reads`` columns) when the label names
    the row, as the EDI partners' ``edi.partner.<id>.transport`` does. ``NULL`` values are
    skipped.
    """

    table: str
    column: str
    purpose: str | Callable[[Mapping[str, Any]], str]
    key: str = "id"
    org_column: str = "org_id"
    reads: tuple[str, ...] = ()

    def purpose_of(self, row: Mapping[str, Any]) -> str:
        """The associated data the token in ``row`` was encrypted with."""
        return self.purpose if isinstance(self.purpose, str) else self.purpose(row)


@dataclass(frozen=True)
class DemoLogin:
    """A sign-in ``serve --demo`` prints for a connector's demo data (see ``seed_demo``).

    ``realm`` names what the login is for (``"supplier portal"``), ``url_path`` is the page
    to sign in on, relative to the server (``"/portal/supplier/login"``). The password is
    fresh on every demo run and shown once, like the demo's API key.
    """

    realm: str
    url_path: str
    email: str
    password: str
    note: str = ""
