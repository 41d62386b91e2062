"""``/edi/config`` and ``/edi/partners``: the organisation's EDI set-up."""

from __future__ import annotations

from aiohttp import web

from monopilot_integrations.connectors.edi import config_store, partner_store
from monopilot_integrations.connectors.edi.api.common import edi_of, path_uuid
from monopilot_integrations.connectors.edi.api.models import PageQuery
from monopilot_integrations.connectors.edi.profiles import EdiConfigIn, PartnerIn, PartnerList
from monopilot_integrations.core.web.request import request_org
from monopilot_integrations.core.web.validation import json_response, parse_body, parse_query


async def get_config(request: web.Request) -> web.Response:
    org_id = request_org(request)
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        row = await config_store.load(session, org_id)
        return json_response(config_store.to_out(row))


async def put_config(request: web.Request) -> web.Response:
    org_id = request_org(request)
    data = await parse_body(request, EdiConfigIn)
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        row = await config_store.put(session, org_id, data, edi.runtime.clock)
        return json_response(config_store.to_out(row))


async def list_partners(request: web.Request) -> web.Response:
    org_id = request_org(request)
    query = parse_query(request, PageQuery)
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        rows, total = await partner_store.list_partners(
            session, org_id, limit=query.limit, offset=query.offset
        )
        return json_response(
            PartnerList(items=[partner_store.to_out(r) for r in rows], total=total)
        )


async def create_partner(request: web.Request) -> web.Response:
    org_id = request_org(request)
    data = await parse_body(request, PartnerIn)
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        row = await partner_store.save(edi, session, org_id, data)
        return json_response(partner_store.to_out(row), status=201)


async def get_partner(request: web.Request) -> web.Response:
    org_id = request_org(request)
    partner_id = path_uuid(request)
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        row = await partner_store.get(session, org_id, partner_id)
        return json_response(partner_store.to_out(row))


async def replace_partner(request: web.Request) -> web.Response:
    org_id = request_org(request)
    partner_id = path_uuid(request)
    data = await parse_body(request, PartnerIn)
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        existing = await partner_store.get(session, org_id, partner_id)
        row = await partner_store.save(edi, session, org_id, data, existing=existing)
        return json_response(partner_store.to_out(row))


async def delete_partner(request: web.Request) -> web.Response:
    org_id = request_org(request)
    partner_id = path_uuid(request)
    edi = edi_of(request)
    async with edi.runtime.database.session(org_id) as session:
        row = await partner_store.get(session, org_id, partner_id)
        await session.delete(row)
    return web.Response(status=204)
