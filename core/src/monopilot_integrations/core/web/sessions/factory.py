"""The sign-in parts as the settings describe them (``MONOPILOT_WEB_*``)."""

from __future__ import annotations

from datetime import timedelta

from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.web.sessions.lockout import LockoutPolicy
from monopilot_integrations.core.web.sessions.passwords import PasswordHasher
from monopilot_integrations.core.web.sessions.policy import SessionPolicy
from monopilot_integrations.core.web.sessions.redis_store import RedisSessionStore
from monopilot_integrations.core.web.sessions.store import DatabaseSessionStore, SessionStore


def session_policy(settings: Settings, realm: str) -> SessionPolicy:
    return SessionPolicy(
        realm=realm,
        idle_timeout=timedelta(minutes=settings.web_session_idle_minutes),
        absolute_timeout=timedelta(hours=settings.web_session_absolute_hours),
        secure=settings.web_session_cookie_secure,
    )


def lockout_policy(settings: Settings) -> LockoutPolicy:
    return LockoutPolicy(
        free_failures=settings.web_lockout_free_failures,
        first_lockout=timedelta(seconds=settings.web_lockout_first_seconds),
        max_lockout=timedelta(seconds=settings.web_lockout_max_seconds),
    )


def session_store(settings: Settings, database: Database) -> SessionStore:
    """Redis when ``MONOPILOT_REDIS_URL`` is set, else the database."""
    if settings.redis_url:
        return RedisSessionStore.from_url(settings.redis_url)
    return DatabaseSessionStore(database)


def password_hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.web_password_time_cost, memory_kib=settings.web_password_memory_kib
    )
