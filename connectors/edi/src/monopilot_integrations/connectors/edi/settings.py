"""Process-wide settings of the EDI connector (environment variables ``MONOPILOT_EDI_*``).

Per-organisation choices (enabled, test mode, message types) live in ``edi_config`` and
per-partner ones in the partner profiles; these are the operator's knobs, the same for
every organisation served by a process. Documented in ``docs/edi.md``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EdiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONOPILOT_EDI_", extra="ignore")

    mailbox_dir: Path | None = Field(
        default=None,
        description="Root of the organisations' local folder mailboxes "
        "(<mailbox_dir>/<org id>/in|processing|archive|error|out); default <data_dir>/edi.",
    )
    poll_interval: float = Field(
        default=300.0, gt=0, description="Seconds between two mailbox polls (default 5 min)."
    )
    claim_timeout: float = Field(
        default=900.0,
        gt=0,
        description="A file claimed into processing/ and not finished after this many seconds "
        "(its poller died) is picked up again.",
    )
    max_file_bytes: int = Field(
        default=20 * 1024 * 1024,
        gt=0,
        description="Larger inbound files are moved to error/ unread (and recorded).",
    )
    sftp_timeout: float = Field(
        default=30.0, gt=0, description="Seconds to connect and log in to a partner's SFTP."
    )


@lru_cache(maxsize=1)
def edi_settings() -> EdiSettings:
    """The settings read from the environment once per process."""
    return EdiSettings()
