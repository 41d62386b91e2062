"""What every public API handler shares: ids from paths, and kernel errors as problem
details. (The event payloads the handlers publish are built in
:mod:`monopilot_integrations.core.domain.payloads`, shared with the connectors.)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from monopilot_integrations.core.domain.port import DomainStore
from monopilot_integrations.core.errors import NotFoundError, ValidationError
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.web.request import request_kernel, request_org
from monopilot_integrations.server.problems import Problem


class Caller:
    """The authenticated organisation, the kernel and its domain store, for one request."""

    __slots__ = ("kernel", "org", "store")

    def __init__(self, kernel: Kernel, org: uuid.UUID) -> None:
        self.kernel = kernel
        self.org = org
        self.store: DomainStore = kernel.domain


def caller(request: web.Request) -> Caller:
    return Caller(request_kernel(request), request_org(request))


async def party_filter(
    code: str | None,
    party_id: uuid.UUID | None,
    find_by_code: Callable[[str], Awaitable[Any]],
) -> tuple[bool, uuid.UUID | None]:
    """Combine a list's ``?supplier=CODE`` / ``?customer=CODE`` with its ``..._id`` filter.

    Returns ``(matches_nothing, id_to_filter_by)``: an unknown code, or a code naming
    another party than the id, matches nothing (an empty page, not an error).
    """
    if code is None:
        return False, party_id
    party = await find_by_code(code)
    if party is None or party_id not in (None, party.id):
        return True, None
    return False, party.id


def not_found(kind: str, record_id: object) -> Problem:
    """The same 404 whether the id is unknown, another organisation's or malformed."""
    return Problem(404, f"{kind} {record_id} not found")


def path_id(request: web.Request, kind: str, name: str = "id") -> uuid.UUID:
    """The UUID in the path; anything else is a 404 like an unknown id."""
    raw = request.match_info.get(name, "")
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise not_found(kind, repr(raw)) from None


def invalid(problems: list[dict[str, str]], what: str = "invalid body") -> Problem:
    """A 422 listing every problem (``path`` is a JSON pointer into the body)."""
    errors = [{"location": "body", **p} for p in problems]
    summary = "; ".join(f"{p['path']}: {p['message']}" for p in problems[:3])
    return Problem(422, f"{what}: {summary}", errors=errors)


_INDEX = re.compile(r"\[(\w+)\]")


def _pointer(path: str) -> str:
    """A store's ``lines[0].qty`` as a JSON pointer ``/lines/0/qty``."""
    if path.startswith("/"):
        return path
    return "/" + _INDEX.sub(r".\1", path).strip(".").replace(".", "/")


@contextmanager
def domain_errors(
    conflict: str = "the request conflicts with an existing record",
) -> Iterator[None]:
    """Kernel errors as problem details: NotFoundError -> 404, ValidationError -> 422
    (every problem listed), a unique constraint refusing a concurrent write -> 409."""
    try:
        yield
    except NotFoundError as exc:
        raise Problem(404, str(exc)) from exc
    except ValidationError as exc:
        problems = [
            {"path": _pointer(str(e.get("path", ""))), "message": str(e.get("message", ""))}
            for e in exc.errors
        ] or [{"path": "/", "message": str(exc)}]
        raise Problem(422, str(exc), errors=[{"location": "body", **p} for p in problems]) from exc
    except IntegrityError as exc:
        raise Problem(409, conflict) from exc
