"""Whatever the bytes in the mailbox, the poller stores every file, raises nothing and goes on.

Hypothesis mutates and truncates the realistic samples; every file must end up recorded
(``error`` messages with a useful text, or messages processed), moved out of ``in/`` and
``processing/``, and the next file must still be taken.
"""

from __future__ import annotations

import itertools
import uuid

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from monopilot_integrations.connectors.edi.inbound.poller import poll_organization
from monopilot_integrations.connectors.edi.tables import EdiInboundFile, EdiMessage
from monopilot_integrations.core.kernel import Kernel
from tests.support.fuzz import fuzz_settings

from .support import edi_context, inbox, sample, setup_org

SAMPLES = ("orders_d96a.edi", "orders_d01b.edi", "recadv_d96a.edi", "two_interchanges.edi")
COUNTER = itertools.count()


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(sample(draw(st.sampled_from(SAMPLES))))
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["truncate", "flip", "delete", "insert", "separator"]))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=12))
        else:
            data[at:at] = draw(st.sampled_from([b"'", b"+", b":", b"?", b"UNH+", b"UNZ+1+X'"]))
    return bytes(data)


@pytest.mark.fuzz
@fuzz_settings(40, cost=200)  # a database round per case: 500 cases in the nightly run
@given(body=mutated())
# Found by this test: the *text* \u0000 (not a NUL) was refused as a NUL when the
# message's failure event was published, so the file stayed claimed and was retried forever.
@example(body=sample("orders_d96a.edi").replace(b"QTY+21:", b"QTY+21:2\\u0000", 1))
async def test_mutated_files_are_all_recorded_and_never_stop_the_poller(
    kernel: Kernel, body: bytes
) -> None:
    org_id = await _org(kernel)
    name = f"fuzz-{next(COUNTER)}-{uuid.uuid4().hex[:6]}.edi"
    folder = inbox(kernel, org_id) / "in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(body)

    report = await poll_organization(edi_context(kernel), org_id)

    assert report.failures == []
    assert not (folder / name).exists()
    assert not (inbox(kernel, org_id) / "processing" / name).exists()
    async with kernel.session(org_id) as session:
        file = await session.scalar(select(EdiInboundFile).where(EdiInboundFile.name == name))
        assert file is not None
        rows = list(
            (
                await session.execute(select(EdiMessage).where(EdiMessage.file_id == file.id))
            ).scalars()
        )
    assert rows, "every file leaves at least one message row"
    for row in rows:
        assert row.status in ("processed", "error"), (row.status, row.error_message)
        if row.status == "error":
            assert row.error_message and row.errors
            assert all(e["code"] and e["message"] for e in row.errors)
        assert row.raw_bytes is not None or row.message_content


_ORGS: dict[str, uuid.UUID] = {}


async def _org(kernel: Kernel) -> uuid.UUID:
    """One organisation per kernel (the kernel fixture lives for all examples of a test)."""
    key = str(kernel.settings.data_dir)  # a fresh temporary folder per test
    if key not in _ORGS:
        _ORGS[key] = (await setup_org(kernel, f"fuzz{len(_ORGS)}")).id
    return _ORGS[key]
