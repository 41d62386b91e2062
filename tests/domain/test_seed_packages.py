"""Seed files pack shipments: ``packages`` with their lines, and the older line-level
``sscc`` turned into packages; reloading changes only what the file changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.domain.seed import load_seed, parse_seed
from monopilot_integrations.domain.sql_store import SqlDomainStore
from tests.domain.support import demo_data

SSCC_A, SSCC_B, SSCC_C = "359012340000000049", "359012340000000056", "359012340000000063"


def _with_shipment(**shipment: Any) -> dict[str, Any]:
    data = demo_data()
    data["shipments"] = [
        *data["shipments"],
        {"number": "WZ-2026-0500", "sales_order_number": "SO-2026-00002", **shipment},
    ]
    return data


def _packed(shipment: Any) -> list[tuple[Any, ...]]:
    return [
        (p.package_no, p.sscc, p.package_type, p.gross_weight, [x.line_no for x in p.lines])
        for p in shipment.packages
    ]


async def _load(database: Database, clock: ManualClock, data: dict[str, Any]) -> Any:
    report = await load_seed(database, parse_seed(data), clock=clock)
    store = SqlDomainStore(database, clock=clock)
    shipment = await store.find_shipment_by_number(report.org_id, "WZ-2026-0500")
    return report, shipment


async def test_packages_with_their_lines_and_older_line_ssccs_are_loaded(
    database: Database, clock: ManualClock
) -> None:
    data = _with_shipment(
        packages=[
            {
                "sscc": SSCC_A,
                "package_type": "201",
                "gross_weight": "480.5",
                "lines": [
                    {"product_code": "CHL-RAZ-450", "qty": "40"},
                    {"product_code": "BUL-GRA-80", "qty": "300"},
                ],
            }
        ],
        lines=[
            {"product_code": "CHL-RAZ-450", "qty": "10", "sscc": SSCC_B},
            {"product_code": "BUL-GRA-80", "qty": "20", "sscc": SSCC_A},
            {"product_code": "BUL-GRA-80", "qty": "5"},
        ],
    )

    report, shipment = await _load(database, clock, data)

    assert shipment is not None
    assert _packed(shipment) == [
        (1, SSCC_A, "201", Decimal("480.5"), [1, 2, 4]),
        (2, SSCC_B, "201", None, [3]),
    ]
    assert [line.line_no for line in shipment.unpacked_lines] == [5]
    # the demo's own shipment, in the older format: one pallet per line SSCC
    demo = await SqlDomainStore(database).find_shipment_by_number(report.org_id, "WZ-2026-0001")
    assert demo is not None and len(demo.packages) == 3
    assert [line.sscc for line in demo.lines] == [p.sscc for p in demo.packages]

    again, unchanged = await _load(database, clock, data)

    assert again.counts["shipments"].unchanged == 2 and again.created == 0
    assert unchanged == shipment


async def test_reloading_repacks_what_the_file_changed(
    database: Database, clock: ManualClock
) -> None:
    lines = [{"product_code": "CHL-RAZ-450", "qty": "40"}, {"product_code": "BUL-GRA-80", "qty": "300"}]  # fmt: skip
    mixed = [{"sscc": SSCC_A, "lines": lines}]
    _, first = await _load(database, clock, _with_shipment(packages=mixed))
    assert _packed(first) == [(1, SSCC_A, "201", None, [1, 2])]

    two_pallets = [
        {"sscc": SSCC_A, "gross_weight": "200", "lines": lines[:1]},
        {"sscc": SSCC_C, "package_type": "09", "lines": lines[1:]},
    ]
    report, second = await _load(database, clock, _with_shipment(packages=two_pallets))

    assert report.counts["shipments"].updated == 1
    assert _packed(second) == [
        (1, SSCC_A, "201", Decimal(200), [1]),
        (2, SSCC_C, "09", None, [2]),
    ]
    assert second.packages[0].id == first.packages[0].id  # matched by position, kept

    _, third = await _load(database, clock, _with_shipment(packages=mixed))

    assert _packed(third) == [(1, SSCC_A, "201", Decimal(200), [1, 2])]


@pytest.mark.parametrize(
    ("shipment", "message"),
    [
        ({"packages": [], "lines": []}, "no packages and no lines"),
        (
            {
                "packages": [
                    {"sscc": SSCC_A, "lines": [{"product_code": "BUL-GRA-80", "qty": 1}]},
                    {"sscc": SSCC_A, "lines": [{"product_code": "BUL-GRA-80", "qty": 1}]},
                ]
            },
            f"SSCC {SSCC_A} is on 2 packages",
        ),
        (
            {"lines": [{"product_code": "BUL-GRA-80", "qty": 1, "sscc": "359012340000000018"}]},
            "SSCC 359012340000000018 is also on shipment 'WZ-2026-0001'",
        ),
        (
            {"packages": [{"package_type": "pallet", "lines": [{"product_code": "X", "qty": 1}]}]},
            "String should match pattern",
        ),
    ],
)
def test_a_badly_packed_shipment_is_a_clear_problem(shipment: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_seed(_with_shipment(**shipment))

    assert message in str(refused.value)
