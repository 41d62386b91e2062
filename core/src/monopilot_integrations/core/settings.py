"""Settings: one pydantic-settings model, environment prefix ``MONOPILOT_``.

With nothing set, everything runs embedded: a SQLite file under ``data_dir``, an in-process
broker and worker, an in-memory rate limiter, a key file for secrets. Production points the
URLs at PostgreSQL, Redis and a Redis or RabbitMQ broker.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

CommaList = Annotated[list[str], NoDecode]

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    # Errors never echo the input: it holds database URLs with their passwords.
    model_config = SettingsConfigDict(
        env_prefix="MONOPILOT_", extra="ignore", hide_input_in_errors=True
    )

    # --- storage ------------------------------------------------------------------------
    data_dir: Path = Field(
        default=Path(".monopilot"),
        description="Folder for the embedded database, key file, export files, mailboxes.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default: sqlite+aiosqlite:///<data_dir>/monopilot.db",
    )
    database_tenant_role: str = Field(
        default="monopilot_tenant",
        pattern=_ROLE.pattern,
        description="PostgreSQL login role of tenant sessions, created by `migrate`; subject "
        "to row-level security (no BYPASSRLS, not the table owner).",
    )
    tenant_database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL tenant sessions log in with; unset: database_url with "
        "database_tenant_role as user and no password. Its user must be the tenant role.",
        repr=False,
    )
    database_pool_size: int = Field(
        default=10, ge=1, description="Pool of tenant connections per engine (and as overflow)."
    )
    database_system_pool_size: int | None = Field(
        default=None,
        ge=1,
        description="Pool of the kernel's own connections per engine; unset: database_pool_size.",
    )
    database_echo: bool = False

    # --- services -----------------------------------------------------------------------
    redis_url: str | None = Field(default=None, description="Redis for rate limits, caches.")
    broker_url: str | None = Field(
        default=None,
        description="Dramatiq broker: redis://... or amqp://...; unset: in-process stub broker.",
    )

    broker_namespace: str = Field(
        default="monopilot",
        pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
        description="Names this deployment's broker queues (<namespace>.<connector>) and "
        "the Redis broker's key prefix: deployments sharing a Redis or a RabbitMQ vhost "
        "need different namespaces.",
    )

    # --- process ------------------------------------------------------------------------
    gc_young_threshold: int = Field(
        default=10_000,
        ge=0,
        description="`serve` and `worker`: freeze the objects loaded at startup and run the "
        "garbage collector's young generation every this many allocations (Python: 700); "
        "0 leaves Python's settings alone.",
    )

    # --- plugins ------------------------------------------------------------------------
    plugins: CommaList | None = Field(
        default=None, description="Allow-list of entry-point plugin names (unset: all)."
    )
    disable_plugins: CommaList = Field(
        default_factory=list, description="Block-list of entry-point plugin names."
    )

    # --- secrets ------------------------------------------------------------------------
    secret_keys: str | None = Field(
        default=None,
        description="AES-256-GCM keys, 'kid:base64,kid2:base64'; unset: a key file in data_dir.",
        repr=False,
    )
    active_secret_key: str | None = None

    # --- jobs ---------------------------------------------------------------------------
    embedded_worker: bool = Field(
        default=True,
        description="Run the dispatcher, worker, sweeper and scheduler inside this process.",
    )
    worker_threads: int = Field(
        default=32,
        ge=1,
        description="Threads of the Dramatiq worker; each holds one batch message until "
        "its attempts are recorded (or job_batch_hold passes).",
    )
    worker_prefetch: int = Field(
        default=0,
        ge=0,
        description="Broker messages a worker process holds ahead; 0: twice worker_threads.",
    )
    worker_shutdown_grace: float = Field(
        default=10.0,
        ge=0,
        description="On shutdown, seconds running attempts get to finish before they are "
        "cut short and handed back.",
    )
    job_batch_size: int = Field(
        default=100, ge=1, le=1000, description="Job ids per broker message (one claim)."
    )
    job_concurrency: int = Field(
        default=256, ge=1, description="Attempts running at once on one worker loop."
    )
    connector_concurrency: dict[str, int] = Field(
        default_factory=dict,
        description="Per-connector bound on attempts running at once on one worker loop, "
        "as JSON ('{\"comarch\": 4}'); overrides what the connector declares.",
    )
    job_batch_hold: float = Field(
        default=1.0,
        gt=0,
        description="Seconds a batch holds its worker thread before its slow attempts go on "
        "in the background.",
    )
    job_finish_linger: float = Field(
        default=0.005,
        ge=0,
        description="Seconds finished attempts wait for others to share their transaction.",
    )
    job_finish_batch: int = Field(
        default=200, ge=1, description="Most finished attempts recorded in one transaction."
    )
    dispatch_interval: float = Field(default=0.5, gt=0)
    sweep_interval: float = Field(default=1.0, gt=0)
    requeue_after: float = Field(
        default=60.0, gt=0, description="Re-enqueue a queued job whose message was not consumed."
    )
    job_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Lease of a claimed job, renewed every third of it while its worker "
        "lives: a dead worker's jobs are re-run within this many seconds.",
    )
    job_attempt_timeout: float = Field(
        default=270.0,
        gt=0,
        description="An attempt still running after this is cut off and retried.",
    )
    heartbeat_interval: float = Field(
        default=10.0,
        gt=0,
        description="Seconds between the heartbeats of worker and scheduler processes; one "
        "silent for three intervals counts as gone (readiness, metrics).",
    )
    retry_jitter: float = Field(default=0.1, ge=0, le=1)
    retry_after_cap_seconds: float = Field(default=6 * 3600, gt=0)
    dead_letter_retention_days: int = Field(default=30, ge=1)
    log_retention_days: int = Field(
        default=90, ge=1, description="Integration log rows older than this are purged."
    )

    # --- logs ---------------------------------------------------------------------------
    log_flush_interval: float = Field(default=0.2, gt=0)
    log_batch_size: int = Field(default=500, gt=0)
    log_body_limit: int = Field(
        default=64 * 1024, gt=0, description="Characters of a body's JSON text kept in a log row."
    )

    # --- API keys and rate limits -------------------------------------------------------
    api_key_environment: Literal["live", "test"] = Field(
        default="live", description="Prefix of new keys: mp_live_ or mp_test_."
    )
    api_key_bcrypt_rounds: int = Field(
        default=12, ge=4, le=16, description="bcrypt cost of stored key hashes (document: 12)."
    )
    api_key_cache_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="How long a verified key is trusted without bcrypt (a change of the key "
        "is seen on the next request regardless).",
    )
    api_key_attempts_per_address: str = Field(
        default="30/600/60",
        description="Budget of API key authentications a client address may make that the "
        "cache of verified keys cannot answer (wrong, unknown, malformed keys; a valid key's "
        "first request), as per_minute/per_hour/burst; past it, 429. Also each key's budget "
        "of wrong secrets before its organisation is warned. Keys are never suspended "
        "automatically.",
    )
    trusted_proxy_hops: int = Field(
        default=0,
        ge=0,
        le=10,
        description="Reverse proxies in front of the server that append to X-Forwarded-For: "
        "the client address is that many entries from its end (0: the TCP peer).",
    )
    api_key_last_used_flush: float = Field(
        default=30.0, gt=0, description="Seconds between batched writes of last_used_at."
    )
    rate_limit_tiers: str | None = Field(
        default=None,
        description="Extra or changed tiers: 'name=per_minute/per_hour/burst,...'.",
    )

    # --- web sign-in (portals, dashboard) -----------------------------------------------
    web_session_idle_minutes: float = Field(
        default=30.0,
        gt=0,
        description="A web session without a request for this long is over.",
    )
    web_session_absolute_hours: float = Field(
        default=8.0,
        gt=0,
        description="A web session is over this long after sign-in, active or not.",
    )
    web_session_cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="Secure session cookies (with the __Host- prefix): 'auto' when the "
        "request is HTTPS, 'always' behind a TLS-terminating proxy, 'never' for local HTTP.",
    )
    web_trusted_origins: CommaList = Field(
        default_factory=list,
        description="Origins besides the server's own that may send state-changing "
        "requests to web pages and portal APIs: 'https://portal.example.com,...'.",
    )
    web_password_time_cost: int | None = Field(
        default=None,
        ge=1,
        le=20,
        description="argon2id time cost of new password hashes (unset: libpass's default).",
    )
    web_password_memory_kib: int | None = Field(
        default=None,
        ge=8,
        le=4 * 1024 * 1024,
        description="argon2id memory cost in KiB of new password hashes (unset: libpass's "
        "default).",
    )
    web_lockout_free_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins of one e-mail before lockouts start.",
    )
    web_lockout_first_seconds: float = Field(
        default=60.0,
        gt=0,
        description="The first lockout; each further failure doubles it.",
    )
    web_lockout_max_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="The longest lockout.",
    )

    # --- network ------------------------------------------------------------------------
    allow_private_targets: bool = Field(
        default=False,
        description="Allow http:// and private/loopback targets (development and tests only).",
    )
    allowed_private_targets: CommaList = Field(
        default_factory=list,
        description="Private targets outbound connections may reach anyway: "
        "'10.0.0.5:8443,10.20.0.0/16,erp.internal' (address, network or name, port optional).",
    )

    environment: Literal["production", "test", "development"] = "production"

    @field_validator("api_key_attempts_per_address")
    @classmethod
    def _attempt_budget(cls, value: str) -> str:
        from monopilot_integrations.core.apikeys.throttle import attempt_tier

        attempt_tier(value)  # a ValueError names the setting's expected form
        return value

    @field_validator(
        "plugins",
        "disable_plugins",
        "allowed_private_targets",
        "web_trusted_origins",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split(value)

    @model_validator(mode="after")
    def _tenant_role_of_the_tenant_url(self) -> Settings:
        """The tenant URL names the tenant role: one name, or a clear error."""
        if not self.tenant_database_url:
            return self
        user = make_url(self.tenant_database_url).username
        if not user:
            raise ValueError("MONOPILOT_TENANT_DATABASE_URL must name the tenant role as user")
        if "database_tenant_role" in self.model_fields_set and user != self.database_tenant_role:
            raise ValueError(
                f"MONOPILOT_TENANT_DATABASE_URL logs in as {user!r} but "
                f"MONOPILOT_DATABASE_TENANT_ROLE is {self.database_tenant_role!r}: set one"
            )
        if not _ROLE.match(user):
            raise ValueError(f"tenant role {user!r}: use lowercase letters, digits and '_'")
        self.database_tenant_role = user
        return self

    @property
    def tenant_database_password(self) -> str | None:
        """The tenant role's password from the tenant URL (``migrate`` sets it)."""
        if not self.tenant_database_url:
            return None
        return make_url(self.tenant_database_url).password

    @field_validator("allowed_private_targets")
    @classmethod
    def _parseable_targets(cls, value: list[str]) -> list[str]:
        from monopilot_integrations.core.net.allowlist import parse_allowed_targets

        parse_allowed_targets(value)  # a typo fails at start, not at the first connection
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'monopilot.db').resolve()}"

    @property
    def is_postgres(self) -> bool:
        return self.resolved_database_url.startswith("postgresql")
