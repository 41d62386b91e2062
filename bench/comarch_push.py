"""Benchmark: 1,000 invoices of 20 lines pushed to the Optima bridge simulator.

Targets: the architecture document's "under 5 s per invoice"; ours, 1,000 invoices in
under 20 s with bounded concurrency, and the connector's own time per invoice (building
the Optima document, the Polish checks, the bridge JSON, masking the attempt's log body,
the guarded client) at most 1.5x the bare HTTP round trip to the simulator, measured in
the same run.

Both sides post the same documents to the same simulator on loopback with the same
concurrency: the **bare** side posts pre-serialised bodies with a plain aiohttp session;
the **connector** side starts from MonoPilot invoice records and does everything the push
job does outside the database: ``build_document``, ``check_document``, ``to_bridge``, the
log masking of request and response, and ``BridgeClient.push`` through the SSRF-guarded
pool. The simulator is reset between the sides (the same numbers are posted by both).
Rounds alternate bare / connector so a load spike hits both alike.

    .venv/bin/python bench/comarch_push.py [--invoices 1000] [--lines 20] [--concurrency 16] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import aiohttp
from _report import emit

from monopilot_integrations.connectors.comarch.bridge_client import BridgeClient, guarded
from monopilot_integrations.connectors.comarch.bridge_json import to_bridge
from monopilot_integrations.connectors.comarch.document import (
    Postings,
    build_document,
    check_document,
)
from monopilot_integrations.connectors.comarch.simulator import BridgeSimulator, serve
from monopilot_integrations.core.domain.invoices import Invoice
from monopilot_integrations.core.domain.money import invoice_totals, line_net, vat_label, vat_of
from monopilot_integrations.core.logs.masking import Masker
from monopilot_integrations.core.net import OutboundGuard, OutboundHttp, OutboundHttpOptions

KEY, SECRET = "bench-key", "bench-secret-value-0001"
RATES: list[tuple[str, str | None]] = [("23", None), ("8", None), ("5", None), ("0", "zw")]
NOW = datetime(2026, 3, 12, tzinfo=UTC)
TARGET_S = 20.0
TARGET_RATIO = 1.5


def invoices(count: int, lines: int) -> list[Invoice]:
    out = []
    customer = {
        "id": uuid.uuid4(),
        "org_id": uuid.uuid4(),
        "code": "ORZEL",
        "name": "Supermarkety Orzeł S.A.",
        "tax_id": "5220000074",
        "country": "PL",
        "address_line": "al. Jerozolimskie 180",
        "postal_code": "02-486",
        "city": "Warszawa",
        "active": True,
        "created_at": NOW,
        "updated_at": NOW,
    }
    for n in range(count):
        built, priced = [], []
        for i in range(lines):
            rate, exemption = RATES[i % len(RATES)]
            qty, price = Decimal(10 + i), Decimal("3.3333") + Decimal(n % 7)
            net = line_net(qty, price)
            priced.append((vat_label(Decimal(rate), exemption), Decimal(rate), net))
            built.append(
                {
                    "id": uuid.uuid4(),
                    "line_no": i + 1,
                    "product_code": f"CHL-{i:03d}",
                    "description": f"Chleb {i}",
                    "qty": qty,
                    "unit": "szt",
                    "unit_price": price,
                    "vat_rate": Decimal(rate),
                    "vat_exemption": exemption,
                    "net_amount": net,
                    "vat_amount": vat_of(net, Decimal(rate)),
                }
            )
        totals = invoice_totals(priced)
        out.append(
            Invoice.model_validate(
                {
                    "id": uuid.uuid4(),
                    "org_id": customer["org_id"],
                    "number": f"FV/BENCH/{n:06d}",
                    "customer_id": customer["id"],
                    "customer": customer,
                    "issue_date": date(2026, 3, 12),
                    "due_date": date(2026, 3, 26),
                    "currency": "PLN",
                    "net_total": totals.net,
                    "vat_total": totals.vat,
                    "gross_total": totals.gross,
                    "sync_status": "not_synced",
                    "created_at": NOW,
                    "updated_at": NOW,
                    "lines": built,
                }
            )
        )
    return out


async def bounded(
    items: list[Any], concurrency: int, work: Callable[[Any], Awaitable[float]]
) -> list[float]:
    """Run ``work`` over ``items`` with at most ``concurrency`` at once; per-item seconds."""
    semaphore = asyncio.Semaphore(concurrency)
    times: list[float] = []

    async def one(item: Any) -> None:
        async with semaphore:
            times.append(await work(item))

    await asyncio.gather(*(one(item) for item in items))
    return times


async def run(count: int, lines: int, concurrency: int, rounds: int) -> None:
    simulator = BridgeSimulator(api_key=KEY, api_secret=SECRET)
    runner, url = await serve(simulator)
    records = invoices(count, lines)
    postings = Postings(revenue_account={"CHL": "701-1"})
    bodies = [
        json.dumps(
            to_bridge(build_document(i, postings, company_code="DEMO", test_mode=False))
        ).encode()
        for i in records
    ]
    headers = {
        "X-Api-Key": KEY,
        "X-Api-Secret": SECRET,
        "X-Firma": "DEMO",
        "Content-Type": "application/json",
    }
    masker = Masker.from_log_masks([])
    guard = OutboundGuard(allow_private=True)
    http = OutboundHttp(guarded(guard, url), OutboundHttpOptions(limit_per_host=concurrency))
    client = BridgeClient(http, url, KEY, SECRET, "DEMO")
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit_per_host=concurrency))

    async def bare(body: bytes) -> float:
        started = time.perf_counter()
        async with session.post(url + "/api/faktury", data=body, headers=headers) as response:
            await response.read()
            assert response.status == 201, response.status
        return time.perf_counter() - started

    async def connector(invoice: Invoice) -> float:
        started = time.perf_counter()
        doc = build_document(invoice, postings, company_code="DEMO", test_mode=False)
        check_document(doc)
        body = json.dumps(to_bridge(doc), ensure_ascii=False)  # sent and logged as is
        masker.mask(body, secrets=(SECRET,))  # the attempt's log row
        answer = await client.push(body)
        assert answer.status == 201, answer.body
        masker.mask(answer.body, secrets=(SECRET,))
        return time.perf_counter() - started

    results: dict[str, list[tuple[float, float]]] = {"bare": [], "connector": []}
    for _ in range(rounds):
        for side, items, work in (("bare", bodies, bare), ("connector", records, connector)):
            simulator.companies.clear()
            simulator.add_company("DEMO")
            started = time.perf_counter()
            times = await bounded(items, concurrency, work)
            wall = time.perf_counter() - started
            results[side].append((wall, statistics.median(times)))
    await session.close()
    await http.close()
    await runner.cleanup()

    print(
        f"{count} invoices x {lines} lines, concurrency {concurrency}, {rounds} rounds (alternated)"
    )
    for side in ("bare", "connector"):
        walls = [w for w, _ in results[side]]
        medians = [m * 1000 for _, m in results[side]]
        print(
            f"  {side:9s}: wall {statistics.median(walls):6.2f} s (rounds {', '.join(f'{w:.2f}' for w in walls)}), "
            f"per invoice {statistics.median(walls) / count * 1000:.2f} ms, median latency {statistics.median(medians):.2f} ms"
        )
    ratio = statistics.median(w for w, _ in results["connector"]) / statistics.median(
        w for w, _ in results["bare"]
    )
    per_round = [
        c / b for (c, _), (b, _) in zip(results["connector"], results["bare"], strict=True)
    ]
    wall = statistics.median(w for w, _ in results["connector"])
    print(
        f"  connector / bare round trip: {ratio:.2f}x (per round {', '.join(f'{r:.2f}' for r in per_round)}; target <= {TARGET_RATIO}x)"
    )
    print(
        f"  {count} invoices in {wall:.2f} s (target < {TARGET_S:.0f} s): {'OK' if wall < TARGET_S else 'MISSED'}"
    )
    workload = f"{count} invoices x {lines} lines to the bridge simulator, {concurrency} at a time"
    bare_wall = statistics.median(w for w, _ in results["bare"])
    emit(
        "Comarch push, 1,000 invoices",
        workload=workload,
        figure=wall,
        unit="s",
        baseline=bare_wall,
        ratio=ratio,
        target=f"< {TARGET_S:.0f} s",
        passed=wall < TARGET_S,
    )
    emit(
        "Comarch connector / bare round trip",
        workload=workload + "; mapping, checks, masking per invoice",
        figure=wall / count * 1000,
        unit="ms/invoice",
        baseline=bare_wall / count * 1000,
        ratio=ratio,
        target=f"<= {TARGET_RATIO}x the bare HTTP round trip",
        passed=ratio <= TARGET_RATIO,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.invoices, args.lines, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
