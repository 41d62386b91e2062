"""One row of the benchmark report, written by each benchmark script.

A script calls :func:`emit` once per target it checks. When ``MONOPILOT_BENCH_REPORT``
names a file (``bench/report.py`` sets it), the row is appended to it as one JSON line;
run alone, the script only prints, as before.

A row says what was measured and against what: the figure, the baseline measured in the
same run, their ratio, the target and whether it is met, and the workload in words.
"""

from __future__ import annotations

import json
import os
from typing import Any

REPORT_FILE = "MONOPILOT_BENCH_REPORT"


def emit(
    name: str,
    *,
    workload: str,
    figure: float,
    unit: str,
    target: str,
    passed: bool,
    baseline: float | None = None,
    ratio: float | None = None,
    **extra: Any,
) -> None:
    """Record one benchmark row (printed only when no report file is set)."""
    path = os.environ.get(REPORT_FILE)
    if not path:
        return
    row = {
        "name": name,
        "workload": workload,
        "figure": round(figure, 4),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 4),
        "ratio": None if ratio is None else round(ratio, 4),
        "target": target,
        "passed": bool(passed),
        **extra,
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
