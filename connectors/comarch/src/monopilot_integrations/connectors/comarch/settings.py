"""Process-wide knobs of the Comarch connector (``MONOPILOT_COMARCH_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ComarchSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONOPILOT_COMARCH_", extra="ignore")

    #: Seconds one call to the bridge may take (connect, send, answer). The architecture
    #: document's target is under 5 s per invoice; a bridge slower than this is retried.
    timeout: float = Field(default=20.0, gt=0)
    #: Connections to one bridge at once per worker loop.
    connections_per_bridge: int = Field(default=8, ge=1)


def comarch_settings() -> ComarchSettings:
    """Read now (not cached), so a changed environment applies to the next connection."""
    return ComarchSettings()
