"""``monopilot-integrations comarch-simulator``: the Optima bridge simulator, served.

For the demo and for trying the connector without an Optima: point the configuration's
``api_url`` at it (with ``MONOPILOT_ALLOW_PRIVATE_TARGETS=true``, since it is on loopback)
and use the key, secret and company printed at start.
"""

from __future__ import annotations

import argparse
import asyncio

from monopilot_integrations.connectors.comarch.simulator import BridgeSimulator, serve


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--key", default="optima-key")
    parser.add_argument("--secret", default="optima-secret-value")
    parser.add_argument("--company", action="append", default=None, help="repeatable; default DEMO")


async def run(args: argparse.Namespace) -> int:
    simulator = BridgeSimulator(api_key=args.key, api_secret=args.secret, companies={})
    for code in args.company or ["DEMO"]:
        simulator.add_company(code)
    runner, url = await serve(simulator, args.host, args.port)
    print(
        f"Optima bridge simulator on {url}: key {args.key!r}, "
        f"companies {sorted(simulator.companies)}"
    )
    print("the secret is the one given with --secret (default: the simulator's); Ctrl-C stops it")
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
    return 0
