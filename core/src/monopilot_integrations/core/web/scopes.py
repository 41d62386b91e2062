"""Declaring what a route needs: ``@require_scope(...)`` and ``@public``.

The scope middleware reads these marks from the matched handler, so MonoPilot's own routes
and the server's routes are guarded the same way::

    @require_scope("read:products")
    async def list_products(request): ...

    @require_any_scope("webhook:manage", "integrations:admin")
    async def create_webhook(request): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "__monopilot_access__"


@dataclass(frozen=True)
class Access:
    """What a handler needs: nothing (public), a key, a key with all / any of some scopes."""

    public: bool = False
    all_of: frozenset[str] = frozenset()
    any_of: frozenset[str] = frozenset()

    def missing(self, granted: frozenset[str]) -> list[str]:
        """Scopes the caller lacks (empty when access is granted)."""
        missing = sorted(self.all_of - granted)
        if self.any_of and not (self.any_of & granted):
            missing.append(" or ".join(sorted(self.any_of)))
        return missing

    @classmethod
    def parse(cls, scope: str | None, public: bool = False) -> Access:
        """From a :class:`~..registration.Route` scope: ``"a"`` or ``"a|b"`` (any of)."""
        if public:
            return cls(public=True)
        if not scope:
            return cls()
        if "|" in scope:
            return cls(any_of=frozenset(s.strip() for s in scope.split("|")))
        return cls(all_of=frozenset({scope}))


def require_scope(*scopes: str) -> Callable[[F], F]:
    """The handler needs an API key holding every one of ``scopes``."""

    def mark(handler: F) -> F:
        setattr(handler, ATTRIBUTE, Access(all_of=frozenset(scopes)))
        return handler

    return mark


def require_any_scope(*scopes: str) -> Callable[[F], F]:
    """The handler needs an API key holding at least one of ``scopes``."""

    def mark(handler: F) -> F:
        setattr(handler, ATTRIBUTE, Access(any_of=frozenset(scopes)))
        return handler

    return mark


def public(handler: F) -> F:
    """The handler needs no API key (health checks, the OpenAPI document)."""
    setattr(handler, ATTRIBUTE, Access(public=True))
    return handler


def access_of(handler: Any) -> Access:
    """The handler's declared access; undeclared handlers need a valid key, no scope."""
    access = getattr(handler, ATTRIBUTE, None)
    return access if isinstance(access, Access) else Access()
