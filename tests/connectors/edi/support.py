"""Shared set-up of the EDI connector tests: the demo organisation, partners, samples."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from monopilot_integrations.connectors.edi import config_store, partner_store
from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.profiles import EdiConfigIn, PartnerIn
from monopilot_integrations.connectors.edi.settings import EdiSettings
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.domain.seed import load_seed, parse_seed, read_seed_file

SAMPLES = Path(__file__).with_name("samples")
DEMO_SEED = Path(str(files("monopilot_integrations.server.demo") / "demo-org.json"))

ORZEL = "5901234000048"
KLOS = "5901234000055"
LIPA = "5901234000062"
OUR_GLN = "5901234000000"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def seed(code: str) -> dict[str, Any]:
    data: dict[str, Any] = read_seed_file(DEMO_SEED).model_dump(mode="json", exclude_none=True)
    data["organization"] = {**data["organization"], "code": code, "name": f"Bakery {code}"}
    return data


@dataclass
class Org:
    id: uuid.UUID
    customers: dict[str, uuid.UUID]
    partners: dict[str, uuid.UUID]


async def setup_org(
    kernel: Kernel,
    code: str = "demo",
    *,
    test_mode: bool = False,
    partner_test_mode: bool = False,
    enabled: bool = True,
    seed_data: dict[str, Any] | None = None,
    **partner_options: Any,
) -> Org:
    """The demo organisation (or a copy under ``code``, or ``seed_data``) with EDI enabled
    and a partner profile for each demo customer (Orzeł, Kłos, Lipa)."""
    data = seed_data if seed_data is not None else seed(code)
    report = await load_seed(kernel.database, parse_seed(data), clock=kernel.clock)
    org_id = report.org_id
    edi = EdiContext(kernel.runtime(), EdiSettings())
    customers: dict[str, uuid.UUID] = {}
    partners: dict[str, uuid.UUID] = {}
    async with kernel.session(org_id) as session:
        await config_store.put(
            session, org_id, EdiConfigIn(enabled=enabled, test_mode=test_mode), kernel.clock
        )
        for customer_code, gln in (("ORZEL", ORZEL), ("KLOS", KLOS), ("LIPA", LIPA)):
            customer = await kernel.domain.find_customer_by_code(
                org_id, customer_code, session=session
            )
            assert customer is not None
            customers[customer_code] = customer.id
            row = await partner_store.save(
                edi,
                session,
                org_id,
                PartnerIn(
                    name=customer.name,
                    partner_id=gln,
                    customer_id=customer.id,
                    test_mode=partner_test_mode,
                    syntax_identifier="UNOA" if customer_code == "LIPA" else "UNOC",
                    **partner_options,
                ),
            )
            partners[customer_code] = row.id
    return Org(org_id, customers, partners)


def edi_context(kernel: Kernel) -> EdiContext:
    return EdiContext(kernel.runtime(), EdiSettings())


def inbox(kernel: Kernel, org_id: uuid.UUID) -> Path:
    return kernel.settings.data_dir / "edi" / str(org_id)
