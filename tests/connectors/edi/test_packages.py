"""Pallets as packages, from the public API to the DESADV: a package is stored with its
SSCC, type and gross weight and carries one or more lines (a mixed pallet); the DESADV
writes ``CPS+1`` with the package totals, then one CPS per package with its PAC, MEA,
PCI+33E/GIN+BJ and its lines."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from monopilot_integrations.connectors.edi.edifact import (
    Message,
    read_interchanges,
    validate_message,
    with_check_digit,
)
from monopilot_integrations.connectors.edi.outbound.desadv import build_desadv
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.kernel import Kernel
from tests.server.public_api_support import SHIPMENTS

from .conftest import EdiApi
from .support import Org, setup_org
from .test_outbound import out_file

PALLET_A = with_check_digit("35901234000009001")
PALLET_B = with_check_digit("35901234000009002")
PALLET_C = with_check_digit("35901234000009003")
GTIN = {"CHL-ZYT-500": "5901234100014", "CHL-PSZ-600": "5901234100021"}
GTIN |= {"BUL-KAJ-60": "5901234100038"}


async def _client(edi_api: EdiApi) -> dict[str, str]:
    _, key = await edi_api.server.kernel.api_keys.create(
        edi_api.a.id,
        name="shipping",
        scopes=["write:orders", "read:shipping", "edi:manage", "read:orders"],
        rate_limit_tier="premium",
    )
    return {"Authorization": f"Bearer {key}"}


async def _call(edi_api: EdiApi, auth: dict[str, str], method: str, path: str, status: int,
                **kw: Any) -> Any:  # fmt: skip
    response = await edi_api.server.client.request(method, path, headers=auth, **kw)
    body = await response.json(content_type=None)
    assert response.status == status, body
    return body


async def _orzel_order(edi_api: EdiApi) -> uuid.UUID:
    orders = (await edi_api.server.kernel.domain.list_sales_orders(edi_api.a.id)).items
    return next(o.id for o in orders if o.number == "SO-2026-00001")


async def _desadv_through_the_api(
    edi_api: EdiApi, number: str, packages: list[dict[str, Any]]
) -> tuple[dict[str, Any], Message]:
    """Create the shipment with the public API, read it back, send its DESADV through the
    EDI API, run the job and read what reached the partner's mailbox."""
    auth = await _client(edi_api)
    kernel = edi_api.server.kernel
    body = {"number": number, "sales_order_id": str(await _orzel_order(edi_api))}
    created = await _call(
        edi_api, auth, "POST", SHIPMENTS, 201, json={**body, "packages": packages}
    )
    shown = await _call(edi_api, auth, "GET", f"{SHIPMENTS}/{created['id']}", 200)
    assert shown == created
    queued = await _call(
        edi_api,
        auth,
        "POST",
        "/api/integrations/edi/send",
        202,
        json={"message_type": "DESADV", "record_id": created["id"]},
    )
    outcome = await kernel.run_job(edi_api.a.id, uuid.UUID(queued["job_id"]))
    assert outcome.status == "succeeded", outcome
    async with kernel.session(edi_api.a.id) as session:
        row = await session.scalar(
            select(EdiMessage).where(EdiMessage.id == uuid.UUID(queued["id"]))
        )
    assert row is not None
    (result,) = read_interchanges(out_file(kernel, edi_api.a, row))
    assert result.interchange is not None
    (message,) = result.interchange.messages
    assert validate_message(message, outbound=True) == []
    return shown, message


def _packing(message: Message) -> list[list[tuple[str, ...]]]:
    """Each CPS group from ``CPS+1`` on: its package segments (tag and first values), then
    the GTIN of each line (what follows a LIN, its batch and dates, is left out)."""
    groups: list[list[tuple[str, ...]]] = []
    in_line = False
    for segment in message.segments:
        if segment.tag == "CPS":
            groups.append([])
            in_line = False
        if not groups or segment.tag in ("CNT", "UNT"):
            continue
        if segment.tag == "LIN":
            groups[-1].append(("LIN", segment.value(2, 0) or ""))
            in_line = True
        elif not in_line and segment.tag in ("CPS", "PAC", "MEA", "PCI", "GIN"):
            values = [segment.value(i, 0) or segment.value(i) or "" for i in range(3)]
            if segment.tag == "MEA":
                values[2] = segment.value(2, 1) or ""
            groups[-1].append((segment.tag, *values))
    return groups


async def test_a_mixed_pallet_is_one_package_carrying_several_lines(edi_api: EdiApi) -> None:
    lines = [
        {"product_code": "CHL-ZYT-500", "qty": "240", "batch": "Z261201"},
        {"product_code": "CHL-PSZ-600", "qty": "120"},
        {"product_code": "BUL-KAJ-60", "qty": "600"},
    ]
    package = {"sscc": PALLET_A, "gross_weight": "412.5", "lines": lines}

    shown, message = await _desadv_through_the_api(edi_api, "WZ-2026-0900", [package])

    (stored,) = shown["packages"]
    assert (stored["package_no"], stored["sscc"], stored["package_type"]) == (1, PALLET_A, "201")
    assert stored["gross_weight"] == "412.5"
    assert [line["line_no"] for line in stored["lines"]] == [1, 2, 3]
    assert {line["package_id"] for line in shown["lines"]} == {stored["id"]}
    assert {line["sscc"] for line in shown["lines"]} == {PALLET_A}
    assert _packing(message) == [
        [("CPS", "1", "", ""), ("PAC", "1", "", "201")],
        [
            ("CPS", "2", "1", ""),
            ("PAC", "1", "", "201"),
            ("MEA", "PD", "AAB", "412.5"),
            ("PCI", "33E", "", ""),
            ("GIN", "BJ", PALLET_A, ""),
            ("LIN", GTIN["CHL-ZYT-500"]),
            ("LIN", GTIN["CHL-PSZ-600"]),
            ("LIN", GTIN["BUL-KAJ-60"]),
        ],
    ]
    assert message.find("CNT").value(0, 1) == "3"  # type: ignore[union-attr]


async def test_two_lines_on_two_pallets_are_two_packages(edi_api: EdiApi) -> None:
    packages = [
        {"sscc": PALLET_B, "lines": [{"product_code": "CHL-ZYT-500", "qty": "240"}]},
        {"sscc": PALLET_C, "package_type": "09", "lines": [{"product_code": "BUL-KAJ-60", "qty": "1200"}]},
    ]  # fmt: skip

    shown, message = await _desadv_through_the_api(edi_api, "WZ-2026-0901", packages)

    assert [(p["sscc"], p["package_type"], len(p["lines"])) for p in shown["packages"]] == [
        (PALLET_B, "201", 1),
        (PALLET_C, "09", 1),
    ]
    assert _packing(message) == [
        [("CPS", "1", "", ""), ("PAC", "1", "", "201"), ("PAC", "1", "", "09")],
        [
            ("CPS", "2", "1", ""),
            ("PAC", "1", "", "201"),
            ("PCI", "33E", "", ""),
            ("GIN", "BJ", PALLET_B, ""),
            ("LIN", GTIN["CHL-ZYT-500"]),
        ],
        [
            ("CPS", "3", "1", ""),
            ("PAC", "1", "", "09"),
            ("PCI", "33E", "", ""),
            ("GIN", "BJ", PALLET_C, ""),
            ("LIN", GTIN["BUL-KAJ-60"]),
        ],
    ]


async def test_lines_no_package_carries_travel_last_in_a_cps_without_pac(
    kernel: Kernel,
) -> None:
    data = _seed_with_loose_lines()
    org: Org = await setup_org(kernel, seed_data=data)
    shipment = await kernel.domain.find_shipment_by_number(org.id, "WZ-2026-0950")
    organization = await kernel.domain.get_organization(org.id)
    assert shipment is not None and organization is not None
    assert [line.package_id is None for line in shipment.lines] == [False, True]

    message = build_desadv(shipment, organization, issued=shipment.created_at.date())

    tags = [(tag, values[0]) for tag, values in message.segments if tag in ("CPS", "PAC", "LIN")]
    assert tags == [
        ("CPS", "1"),
        ("PAC", "1"),
        ("CPS", "2"),
        ("PAC", "1"),
        ("LIN", "1"),
        ("CPS", "3"),
        ("LIN", "2"),
    ]


def _seed_with_loose_lines() -> dict[str, Any]:
    from .support import seed

    data = seed("demo")
    data["shipments"] = [
        *data["shipments"],
        {
            "number": "WZ-2026-0950",
            "sales_order_number": "SO-2026-00001",
            "packages": [{"lines": [{"product_code": "CHL-ZYT-500", "qty": "10"}]}],
            "lines": [{"product_code": "BUL-KAJ-60", "qty": "5"}],
        },
    ]
    return data
