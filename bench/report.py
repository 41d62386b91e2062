"""Every benchmark target in one run: a table of figure, baseline measured in the same run,
ratio, target and pass/fail, written as JSON too.

    ./dev run python bench/report.py [--quick] [--only NAME ...] [--postgres URL]
                                     [--out bench/report.json]

Each benchmark is its own script (run it alone for its full output and options); this
runs them one after another, each in a fresh process, and gathers the row each emits
(``bench/_report.py``). ``--quick`` shortens every run (fewer rounds, fewer seconds) for a
look in a few minutes; the figures in ``docs/performance.md`` come from a full run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    args: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()
    #: Passed ``--postgres URL`` when the report has one.
    postgres: bool = False
    needs: tuple[str, ...] = field(default=())


BENCHES = [
    Bench("api", "api_auth.py", (), ("--seconds", "3", "--rounds", "1"), postgres=True),
    Bench("webhook-throughput", "webhook_delivery.py", ("--mode", "throughput"),
          ("--rounds", "1", "--events", "1000")),
    Bench("webhook-e2e", "webhook_delivery.py", ("--mode", "e2e", "--rate", "100"),
          ("--seconds", "5")),
    Bench("webhook-scaling", "webhook_scaling.py", (), ("--events", "1000"), postgres=True,
          needs=("postgres",)),
    Bench("edi-parse", "edi_parse.py", (), ("--rounds", "5")),
    Bench("edi-orders", "edi_orders.py", (), ("--rounds", "60")),
    Bench("comarch", "comarch_push.py", (), ("--invoices", "200")),
    Bench("files", "files_export_import.py", (), ("--rows", "200000", "--medium", "50000")),
    Bench("portal", "portal_pages.py", (), ("--requests", "80")),
    Bench("dashboard", "dashboard_overview.py", ("--baseline-requests", "3"),
          ("--rows", "200000", "--requests", "20", "--baseline-requests", "2")),
]  # fmt: skip


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    with contextlib.suppress(ValueError, OSError):
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def load_average() -> float | None:
    """The one-minute load average: how busy the machine was (other work moves the
    absolute figures; the same-run ratios much less)."""
    with contextlib.suppress(OSError, AttributeError):
        return round(os.getloadavg()[0], 2)
    return None


def run(bench: Bench, args: argparse.Namespace, rows_file: Path) -> tuple[int, float]:
    command = [sys.executable, str(HERE / bench.script), *bench.args]
    if args.quick:
        command += bench.quick
    if bench.postgres and args.postgres:
        command += ["--postgres", args.postgres]
    env = {**os.environ, "MONOPILOT_BENCH_REPORT": str(rows_file)}
    started = time.monotonic()
    print(f"\n=== {bench.name}: {' '.join(command[1:])}", flush=True)
    done = subprocess.run(command, env=env, check=False)
    return done.returncode, time.monotonic() - started


def table(rows: list[dict[str, Any]]) -> str:
    def number(value: Any) -> str:
        return "" if value is None else f"{value:,.2f}"

    header = f"{'benchmark':<34}{'figure':>14} {'unit':<14}{'baseline':>12}{'ratio':>8}  {'target':<44}result"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row['name'][:33]:<34}{number(row['figure']):>14} {row['unit'][:13]:<14}"
            f"{number(row.get('baseline')):>12}{number(row.get('ratio')):>8}  "
            f"{row['target'][:43]:<44}{'pass' if row['passed'] else 'MISS'}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs (a first look)")
    parser.add_argument("--only", nargs="*", default=None, help="benchmark names to run")
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server")
    parser.add_argument("--out", type=Path, default=HERE / "report.json")
    args = parser.parse_args()
    chosen = [b for b in BENCHES if args.only is None or b.name in args.only]
    missing = [b.name for b in chosen if not (HERE / b.script).exists()]
    missing += [b.name for b in chosen if "postgres" in b.needs and not args.postgres]
    chosen = [b for b in chosen if b.name not in missing]
    rows: list[dict[str, Any]] = []
    failures: dict[str, int] = {}
    durations: dict[str, float] = {}
    loads: dict[str, list[float | None]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for bench in chosen:
            rows_file = Path(folder) / f"{bench.name}.jsonl"
            before = load_average()
            code, seconds = run(bench, args, rows_file)
            durations[bench.name] = round(seconds, 1)
            loads[bench.name] = [before, load_average()]
            if code:
                failures[bench.name] = code
            if rows_file.exists():
                for line in rows_file.read_text().splitlines():
                    rows.append({"bench": bench.name, **json.loads(line)})
    document = {
        "machine": machine(),
        "quick": args.quick,
        "postgres": bool(args.postgres),
        "rows": rows,
        "failed_scripts": failures,
        "not_installed": missing,
        "seconds": durations,
        "load_average_before_after": loads,
    }
    args.out.write_text(json.dumps(document, indent=2) + "\n")
    print("\n" + table(rows))
    info = document["machine"]
    print(
        f"\n{info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB, Python "
        f"{info['python']}; {sum(r['passed'] for r in rows)} of {len(rows)} targets met; "
        f"JSON in {args.out}"
    )
    busy = {name: pair for name, pair in loads.items() if max(v or 0 for v in pair) > 1.5}
    if busy:
        print(
            "the machine was busy (one-minute load average before, after): "
            + ", ".join(f"{name} {pair[0]}/{pair[1]}" for name, pair in busy.items())
            + "; absolute figures are slower than on a quiet machine"
        )
    if failures:
        print(f"scripts that failed: {failures}")
    if missing:
        print(f"not run (script absent, or needs --postgres): {', '.join(missing)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
