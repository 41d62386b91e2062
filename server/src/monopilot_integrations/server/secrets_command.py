"""``monopilot-integrations secrets``: rotate the keys that encrypt stored secrets.

``secrets rotate`` re-encrypts every column plugins declared through
``register_sealed_columns`` under the active key (``--dry-run`` only counts);
``secrets add-key`` adds a fresh key to the embedded key file and makes it active, the
key-file counterpart of appending a key to ``MONOPILOT_SECRET_KEYS``. The procedure is in
``docs/operations.md`` (key rotation).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from monopilot_integrations.core.crypto import KEY_BYTES, Keyring
from monopilot_integrations.core.settings import Settings


def configure(commands: Any) -> None:
    """Add ``secrets rotate`` and ``secrets add-key`` to the command line."""
    p = commands.add_parser("secrets", help="rotate the keys that encrypt stored secrets")
    actions = p.add_subparsers(dest="secrets_command", required=True, metavar="ACTION")
    r = actions.add_parser("rotate", help="re-encrypt every stored secret under the active key")
    r.add_argument("--dry-run", action="store_true", help="count what would change; write nothing")
    r.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    r.set_defaults(run=cmd_rotate)
    a = actions.add_parser(
        "add-key", help="add a new key to the embedded key file and make it active"
    )
    a.add_argument("--id", default=None, help="key id (default: k<date>)")
    a.set_defaults(run=cmd_add_key)


async def cmd_rotate(args: argparse.Namespace) -> int:
    from monopilot_integrations.core.kernel import Kernel
    from monopilot_integrations.core.secrets_rotation import rotate_sealed_columns

    kernel = Kernel(args.settings, plugins=args.registry.plugins)
    try:
        reports = await rotate_sealed_columns(
            kernel.database,
            kernel.keyring,
            args.registry.sealed_columns.values(),
            dry_run=args.dry_run,
            batch_size=args.batch_size,
        )
    finally:
        await kernel.close()
    verb = "would re-encrypt" if args.dry_run else "re-encrypted"
    print(f"active key: {kernel.keyring.active_key_id}")
    failed = 0
    for report in reports:
        kids = ", ".join(f"{k}: {n}" for k, n in sorted(report.key_ids.items())) or "empty"
        print(
            f"{report.table}.{report.column}: {report.scanned} sealed ({kids}); "
            f"{verb} {report.rotated}, already current {report.current}"
            + (f", changed meanwhile {report.skipped}" if report.skipped else "")
            + (f", FAILED {len(report.failed)}" if report.failed else "")
        )
        for row_key, reason in report.failed:
            print(f"  row {row_key}: {reason}", file=sys.stderr)
        failed += len(report.failed)
    if failed:
        print(
            f"{failed} secret(s) could not be decrypted: keep every old key until they are "
            "fixed or re-entered",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_add_key(args: argparse.Namespace) -> int:
    settings: Settings = args.settings
    if settings.secret_keys:
        print(
            "error: keys come from MONOPILOT_SECRET_KEYS here: append a key from "
            "`monopilot-integrations generate-secret-key` to it (the last one is active)",
            file=sys.stderr,
        )
        return 2
    path = Path(settings.data_dir) / "secret-keys.json"
    keyring = Keyring.load_or_create(path)  # validates the file (or creates it)
    document = json.loads(path.read_text(encoding="utf-8"))
    key_id = args.id or f"k{date.today():%Y%m%d}"
    if key_id in keyring.key_ids:
        print(f"error: the key file already holds a key {key_id!r}: pass --id", file=sys.stderr)
        return 2
    document["keys"][key_id] = base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")
    document["active"] = key_id
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    Keyring.load_or_create(temporary)  # the new file reads back before it replaces the old
    os.replace(temporary, path)
    print(
        f"key {key_id} added to {path} and made active; restart every process, then run "
        "`monopilot-integrations secrets rotate`"
    )
    return 0
