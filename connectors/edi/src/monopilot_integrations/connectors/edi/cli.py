"""``monopilot-integrations edi-poll``: poll the EDI mailboxes once, now.

For an operator who does not want to wait for the periodic task (a partner on the phone,
a first file after onboarding), and for cron when no process runs the scheduler.
"""

from __future__ import annotations

import argparse
import uuid

from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.inbound.poller import (
    PollReport,
    poll_all,
    poll_organization,
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--org",
        type=uuid.UUID,
        default=None,
        help="one organisation's id (default: every organisation with EDI enabled)",
    )


async def run(args: argparse.Namespace) -> int:
    from monopilot_integrations.core.kernel import Kernel

    kernel = Kernel(args.settings, plugins=args.registry.plugins)
    try:
        if args.org is None:
            report = await poll_all(kernel)
        else:
            report = await poll_organization(EdiContext.of(kernel), args.org)
    finally:
        await kernel.close()
    print(describe(report))
    return 1 if report.failures else 0


def describe(report: PollReport) -> str:
    lines = [
        f"files {report.files}: archived {report.archived}, moved to error/ {report.rejected}, "
        f"seen before {report.already_stored}; messages processed {report.processed}"
    ]
    lines += [f"problem: {failure}" for failure in report.failures]
    return "\n".join(lines)
