"""Every EDI route, as ``Route`` records for ``register_routes``."""

from __future__ import annotations

from typing import Any

from monopilot_integrations.connectors.edi.api import message_routes as messages
from monopilot_integrations.connectors.edi.api import setup_routes as setup
from monopilot_integrations.connectors.edi.api.common import BASE, SCOPE, TAGS
from monopilot_integrations.connectors.edi.api.models import (
    InboxReceipt,
    MessageDetail,
    MessageItem,
    MessagePage,
    MessageQuery,
    PageQuery,
    SendRequest,
)
from monopilot_integrations.connectors.edi.profiles import (
    EdiConfigIn,
    EdiConfigOut,
    PartnerIn,
    PartnerList,
    PartnerOut,
)
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.problems import ProblemDetail


def _route(method: str, path: str, handler: Any, name: str, summary: str, **options: Any) -> Route:
    return Route(
        method,
        BASE + path,
        handler,
        name=f"edi-{name}",
        scope=SCOPE,
        summary=summary,
        tags=TAGS,
        **options,
    )


ROUTES: tuple[Route, ...] = (
    _route(
        "GET",
        "/config",
        setup.get_config,
        "config-get",
        "The EDI configuration",
        response_model=EdiConfigOut,
    ),
    _route(
        "PUT",
        "/config",
        setup.put_config,
        "config-put",
        "Replace the EDI configuration",
        request_model=EdiConfigIn,
        response_model=EdiConfigOut,
    ),
    _route(
        "GET",
        "/partners",
        setup.list_partners,
        "partners-list",
        "Trading partner profiles",
        query_model=PageQuery,
        response_model=PartnerList,
    ),
    _route(
        "POST",
        "/partners",
        setup.create_partner,
        "partners-create",
        "Create a trading partner profile",
        request_model=PartnerIn,
        response_model=PartnerOut,
        status_code=201,
    ),
    _route(
        "GET",
        "/partners/{id}",
        setup.get_partner,
        "partners-get",
        "One trading partner profile",
        response_model=PartnerOut,
    ),
    _route(
        "PUT",
        "/partners/{id}",
        setup.replace_partner,
        "partners-put",
        "Replace a trading partner profile (omitted secrets are kept)",
        request_model=PartnerIn,
        response_model=PartnerOut,
    ),
    _route(
        "DELETE",
        "/partners/{id}",
        setup.delete_partner,
        "partners-delete",
        "Delete a trading partner profile",
        status_code=204,
    ),
    _route(
        "GET",
        "/inbox",
        messages.list_inbox,
        "inbox-list",
        "Inbound messages with their outcome",
        query_model=MessageQuery,
        response_model=MessagePage,
    ),
    _route(
        "POST",
        "/inbox",
        messages.receive_interchange,
        "inbox-receive",
        # ``Route`` documents only JSON request bodies (``request_model``), so the raw body
        # is described here, in the operation's summary.
        "Receive a raw EDIFACT interchange. Request body: the interchange bytes as sent by "
        "the partner (any Content-Type, e.g. application/EDIFACT; at most "
        "MONOPILOT_EDI_MAX_FILE_BYTES; optional X-File-Name header). Answers with the "
        "stored messages and their outcome (201; 200 when the same file was received before)",
        response_model=InboxReceipt,
        status_code=201,
        responses={200: InboxReceipt, 409: ProblemDetail, 413: ProblemDetail, 422: ProblemDetail},
    ),
    _route(
        "GET",
        "/outbox",
        messages.list_outbox,
        "outbox-list",
        "Outbound messages",
        query_model=MessageQuery,
        response_model=MessagePage,
    ),
    _route(
        "GET",
        "/messages/{id}",
        messages.get_message,
        "messages-get",
        "One message with its EDIFACT text",
        response_model=MessageDetail,
    ),
    _route(
        "POST",
        "/process/{id}",
        messages.reprocess,
        "process",
        "Process an inbound message again (after fixing what made it fail)",
        response_model=MessageItem,
        responses={409: ProblemDetail},
    ),
    _route(
        "POST",
        "/send",
        messages.send,
        "send",
        "Build and send INVOIC (invoice), DESADV (shipment) or ORDRSP (sales order)",
        request_model=SendRequest,
        response_model=MessageItem,
        status_code=202,
        responses={409: ProblemDetail},
    ),
)
