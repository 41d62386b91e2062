"""Process-wide settings of the files connector (environment variables ``MONOPILOT_FILES_*``).

The same for every organisation a process serves; documented in ``docs/files.md``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FilesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONOPILOT_FILES_", extra="ignore")

    export_dir: Path | None = Field(
        default=None,
        description="Where export files are written (<export_dir>/<org id>/<export id>.<ext>); "
        "default <data_dir>/exports. Servers and workers must share it.",
    )
    expiry_hours: float = Field(
        default=24.0, gt=0, description="An export file can be downloaded for this long."
    )
    purge_interval: float = Field(
        default=600.0, gt=0, description="Seconds between two purges of expired export files."
    )
    batch_size: int = Field(
        default=2000, ge=1, le=100_000, description="Rows read from the database at a time."
    )
    max_import_bytes: int = Field(
        default=64 * 1024 * 1024,
        gt=0,
        description="Larger import files are refused (413) before they are read to the end.",
    )
    max_listed_errors: int = Field(
        default=10_000,
        ge=1,
        description="Validation errors listed in one answer (all are counted).",
    )


@lru_cache(maxsize=1)
def files_settings() -> FilesSettings:
    """The settings read from the environment once per process."""
    return FilesSettings()
