"""``monopilot-integrations seed FILE``: load a seed file into the reference tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.plugins.registration import CliCommand
from monopilot_integrations.core.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="seed file (format: docs/domain.md)")


async def run(args: argparse.Namespace) -> int:
    """Load ``args.file`` with ``args.settings``' database; prints the organisation's id,
    the counts of what was created or updated, and one ``created <kind> <key> <id>`` line
    per record created. Invalid files raise the kernel's ``ValidationError`` (the CLI lists
    it)."""
    from monopilot_integrations.domain.seed import load_seed, read_seed_file

    settings: Settings = args.settings
    seed = read_seed_file(args.file)
    database = Database.from_settings(settings)
    try:
        report = await load_seed(database, seed)
    finally:
        await database.dispose()
    print(report.summary())
    for line in report.created_lines():
        print(line)
    return 0


SEED_COMMAND = CliCommand(
    name="seed",
    help="load reference records from a JSON seed file",
    configure=configure,
    run=run,
)
