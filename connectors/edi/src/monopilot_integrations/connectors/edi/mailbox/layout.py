"""The mailbox layout shared by every mailbox transport.

A mailbox is a root with five subfolders::

    in/          partners drop files here (write to a dot-name or *.part, then rename)
    processing/  a poller claims a file by renaming it here (atomic: one poller wins)
    archive/     files whose messages are all stored
    error/       files with an unreadable interchange, or refused unread (too large)
    out/         our outbound interchanges, for the partner to collect

A file is moved out of ``processing/`` only after its messages are committed to the
database. A poller that dies in between leaves it in ``processing/``; after
``claim_timeout`` seconds another poll claims it again, and the database recognises the
file (same name and content) as already stored, so it is moved on, not stored twice.
"""

from __future__ import annotations

from pydantic import Field

from monopilot_integrations.core.transport import TransportSettings

#: Names that are not (yet) files to read: partial uploads and hidden files.
PARTIAL_SUFFIXES = (".part", ".tmp", ".filepart")


class MailboxLayout(TransportSettings):
    """Subfolder names (relative to the mailbox root) and the claim rules."""

    inbound: str = "in"
    processing: str = "processing"
    archive: str = "archive"
    error: str = "error"
    outbound: str = "out"
    claim_timeout: float = Field(default=900.0, gt=0)
    max_file_bytes: int = Field(default=20 * 1024 * 1024, gt=0)


def is_ready(name: str) -> bool:
    """A name a poller may take: not hidden, not a partial upload."""
    return bool(name) and not name.startswith(".") and not name.endswith(PARTIAL_SUFFIXES)


def safe_name(name: str) -> str:
    """The last path component only, so no name can leave its folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if base in ("", ".", ".."):
        raise ValueError(f"not a usable file name: {name!r}")
    return base
