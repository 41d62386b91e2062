"""The SFTP mailbox against a real in-process asyncssh server on 127.0.0.1."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncssh
import pytest
from sqlalchemy import select

from monopilot_integrations.connectors.edi import partner_store
from monopilot_integrations.connectors.edi.inbound.poller import poll_organization
from monopilot_integrations.connectors.edi.outbound.records import send_record
from monopilot_integrations.connectors.edi.profiles import PartnerIn
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.settings import Settings

from .sftp_server import PASSWORD, USER, SftpServer
from .support import ORZEL, edi_context, sample, setup_org


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Loopback SFTP servers allowed, as in development (the guard's own tests are in
    ``test_sftp_guard.py``)."""
    return settings.model_copy(update={"allow_private_targets": True})


async def sftp_partner(
    kernel: Kernel, org_id: uuid.UUID, server: SftpServer, **over: str | None
) -> None:
    edi = edi_context(kernel)
    async with kernel.session(org_id) as session:
        existing = await partner_store.find_by_interchange_id(session, org_id, ORZEL)
        assert existing is not None
        settings = {
            "host": "127.0.0.1",
            "port": server.port,
            "username": USER,
            "password": PASSWORD,
            "host_key": server.host_key,
            **over,
        }
        settings = {k: v for k, v in settings.items() if v is not None}
        data = PartnerIn.model_validate(
            {
                **partner_store.to_out(existing).model_dump(include=set(PartnerIn.model_fields)),
                "transport": "edi-sftp",
                "transport_settings": settings,
            }
        )
        await partner_store.save(edi, session, org_id, data, existing=existing)


async def test_orders_collected_over_sftp_become_a_sales_order_and_are_archived_there(
    kernel: Kernel, sftp_server: SftpServer
) -> None:
    org = await setup_org(kernel)
    await sftp_partner(kernel, org.id, sftp_server)
    (sftp_server.root / "in").mkdir()
    (sftp_server.root / "in" / "orders-0457.edi").write_bytes(sample("orders_d96a.edi"))
    (sftp_server.root / "in" / "upload.edi.part").write_bytes(b"half a fi")

    report = await poll_organization(edi_context(kernel), org.id)

    assert report.failures == [] and (report.files, report.archived) == (1, 1)
    assert (sftp_server.root / "archive" / "orders-0457.edi").read_bytes() == sample(
        "orders_d96a.edi"
    )
    assert (sftp_server.root / "in" / "upload.edi.part").exists()  # not ready: left alone
    async with kernel.session(org.id) as session:
        (message,) = (
            await session.execute(select(EdiMessage).where(EdiMessage.org_id == org.id))
        ).scalars()
    assert message.outcome == "sales_order_created"


async def test_an_invoic_is_uploaded_to_the_partners_sftp_out_folder(
    kernel: Kernel, sftp_server: SftpServer
) -> None:
    org = await setup_org(kernel)
    await sftp_partner(kernel, org.id, sftp_server)
    invoice = (await kernel.domain.list_invoices(org.id)).items[0]
    async with kernel.session(org.id) as session:
        queued = await send_record(
            edi_context(kernel), session, org.id, message_type="INVOIC", record_id=invoice.id
        )

    outcome = await kernel.run_job(org.id, queued.job_id)

    assert outcome.status == "succeeded"
    (uploaded,) = list((sftp_server.root / "out").iterdir())
    assert uploaded.name == f"INVOIC_{ORZEL}_1.edi"
    assert uploaded.read_bytes() == queued.message.raw_bytes


async def test_a_wrong_host_key_or_password_is_reported_and_the_poll_goes_on(
    kernel: Kernel, sftp_server: SftpServer
) -> None:
    org = await setup_org(kernel)
    other_key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    await sftp_partner(kernel, org.id, sftp_server, host_key=other_key)

    report = await poll_organization(edi_context(kernel), org.id)

    assert len(report.failures) == 1 and "host key" in report.failures[0]
    await sftp_partner(kernel, org.id, sftp_server, password="wrong")
    report = await poll_organization(edi_context(kernel), org.id)
    assert len(report.failures) == 1 and "login refused" in report.failures[0]
    invoice = (await kernel.domain.list_invoices(org.id)).items[0]
    async with kernel.session(org.id) as session:
        queued = await send_record(
            edi_context(kernel), session, org.id, message_type="INVOIC", record_id=invoice.id
        )
    outcome = await kernel.run_job(org.id, queued.job_id)
    assert outcome.status == "dead" and "login refused" in (outcome.error or "")
    async with kernel.session(org.id) as session:
        row = await session.scalar(select(EdiMessage).where(EdiMessage.id == queued.message.id))
    assert (
        row is not None and row.status == "error" and "login refused" in (row.error_message or "")
    )
    assert PASSWORD not in (outcome.error or "")


async def test_a_private_key_logs_in_and_stays_sealed(kernel: Kernel, tmp_path: Path) -> None:
    root = tmp_path / "key-root"
    root.mkdir()
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())
    acceptor = await asyncssh.listen(
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        authorized_client_keys=authorized,
        sftp_factory=lambda channel: asyncssh.SFTPServer(channel, chroot=str(root).encode()),
    )
    try:
        server = SftpServer(
            root, acceptor.sockets[0].getsockname()[1], host_key.export_public_key().decode()
        )
        org = await setup_org(kernel)
        private = client_key.export_private_key().decode()
        await sftp_partner(kernel, org.id, server, password=None, private_key=private)
        (root / "in").mkdir()
        (root / "in" / "orders.edi").write_bytes(sample("orders_d96a.edi"))

        report = await poll_organization(edi_context(kernel), org.id)

        assert report.failures == [] and report.processed == 1
        async with kernel.session(org.id) as session:
            partner = await partner_store.find_by_interchange_id(session, org.id, ORZEL)
        assert partner is not None and partner.transport_secrets
        assert "PRIVATE KEY" not in partner.transport_secrets
        assert partner_store.to_out(partner).secrets_set == ["private_key"]
    finally:
        acceptor.close()
        await acceptor.wait_closed()
