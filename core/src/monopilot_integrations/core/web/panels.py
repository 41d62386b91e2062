"""Dashboard panels: what a plugin shows on the integrations dashboard, and how it is steered.

A panel is data, not markup. A plugin returns a :class:`PanelView` (figures, tables,
forms) and the dashboard renders it with its own templates, so every value is escaped in
one place and a plugin cannot break the page or inject script into it.

Every action on a panel names a route of the JSON API (method and path, the path with its
parameters filled in). The dashboard sends it to that very route's handler, through the same
scope check as an API key's call: a panel has no way around the management API's
permissions, and an action works the same from the dashboard and from a script.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from monopilot_integrations.core.kernel import Kernel
    from monopilot_integrations.core.logs.rollup_read import OpenHours, RollupReader

__all__ = [
    "DashboardPanel",
    "DashboardUser",
    "PanelAction",
    "PanelContext",
    "PanelField",
    "PanelForm",
    "PanelTable",
    "PanelView",
]


@dataclass(frozen=True)
class DashboardUser:
    """Who is signed in to the dashboard: one organisation's admin.

    ``scopes`` are what the user may do, checked exactly as an API key's scopes are checked
    by the JSON API (an organisation admin holds ``integrations:admin`` and every scope a
    plugin registered).
    """

    org_id: uuid.UUID
    user_id: uuid.UUID | str
    display_name: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class PanelContext:
    """What a panel's loader receives: the kernel and the signed-in user (whose
    organisation every query must be scoped by).

    ``open_hours`` is what the page already read of the log's open hours (set on the
    overview page, whose own figures read it first; ``None`` elsewhere). A panel reading
    log figures takes its reader from :meth:`log_reader`, so that the open hour is counted
    from the log once per page however many panels show log figures.
    """

    kernel: Kernel
    user: DashboardUser
    open_hours: OpenHours | None = None

    @property
    def org_id(self) -> uuid.UUID:
        return self.user.org_id

    def log_reader(self, session: AsyncSession) -> RollupReader:
        """A reader of the organisation's log figures within ``session``, sharing the
        page's open hours when it has any (then at the page's ``now``), else at the
        kernel clock's ``now``."""
        from monopilot_integrations.core.logs.rollup_read import RollupReader

        if self.open_hours is not None:
            return RollupReader(session, self.org_id, shared=self.open_hours)
        return RollupReader(session, self.org_id, self.kernel.clock.now())


@dataclass(frozen=True)
class PanelAction:
    """A button: a call to the JSON API route ``method path`` (parameters filled in) with
    ``body`` as its JSON body. ``confirm`` asks before sending; ``reveal`` names a field of
    the JSON answer shown once to the user (a new secret)."""

    label: str
    method: str
    path: str
    body: Mapping[str, Any] | None = None
    confirm: str | None = None
    reveal: str | None = None
    style: Literal["normal", "danger"] = "normal"


@dataclass(frozen=True)
class PanelField:
    """One input of a :class:`PanelForm`. ``kind`` ``list`` splits the text on commas;
    ``choice`` offers ``options``; ``json`` parses the text as JSON."""

    name: str
    label: str
    kind: Literal["text", "url", "number", "list", "choice", "checkbox", "json"] = "text"
    required: bool = False
    options: tuple[str, ...] = ()
    default: str = ""


@dataclass(frozen=True)
class PanelForm:
    """A form whose fields become the JSON body of a call to ``method path``."""

    label: str
    method: str
    path: str
    fields: tuple[PanelField, ...]
    submit: str = "Save"
    reveal: str | None = None


@dataclass(frozen=True)
class PanelTable:
    """Rows of text with, per row, the actions that apply to it."""

    columns: tuple[str, ...]
    rows: Sequence[tuple[Sequence[str], Sequence[PanelAction]]]
    caption: str = ""
    empty: str = "Nothing here yet."


@dataclass(frozen=True)
class PanelView:
    """What one panel shows now: headline figures, tables and forms."""

    figures: tuple[tuple[str, str], ...] = ()
    tables: tuple[PanelTable, ...] = ()
    forms: tuple[PanelForm, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DashboardPanel:
    """A panel of the dashboard, registered through ``register_dashboard_panels``.

    ``name`` is unique and appears in the panel's address (``/dashboard/panels/<name>``);
    ``connector`` ties it to an integration (its overview row links to the panel);
    ``order`` sorts the panels in the navigation; ``scope`` is what a user needs to see it;
    ``overview`` shows the panel on the overview page as well (keep such a panel short).
    """

    name: str
    title: str
    load: Callable[[PanelContext], Awaitable[PanelView]]
    connector: str | None = None
    order: int = 100
    scope: str | None = "integrations:admin"
    overview: bool = False
    description: str = field(default="")
