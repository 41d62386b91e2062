"""The retry queue and the dead-letter queue of the caller's organisation.

* ``GET /retries``: jobs waiting to run (queued), waiting for their next retry (retrying)
  or running; ``POST /retries/{id}/retry`` runs one now, ``POST /retries/{id}/skip`` gives up
  on it (dead-letter queue, reason ``skipped``).
* ``GET /dead-letters``: dead jobs (exhausted, fatal, manual, skipped);
  ``POST /dead-letters/{id}/redrive`` and ``POST /dead-letters/redrive`` (a window) take
  them out with a fresh retry budget.
* ``GET /jobs/{id}``: one job and its attempts (its integration log rows, newest first).

A job's id is its delivery id (``X-MonoPilot-Delivery-ID``). The transitions are the job
store's; an id of another organisation, or of a job in a state that does not allow the
transition, is "not found".
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, func, select

from monopilot_integrations.core.db.tables import jobs_table, logs_table
from monopilot_integrations.core.errors import NotFoundError
from monopilot_integrations.core.web.fields import AwareTimestamp
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response, parse_body, parse_query
from monopilot_integrations.server.management import log_queries
from monopilot_integrations.server.management.common import (
    PageQuery,
    admin_routes,
    path_uuid,
)
from monopilot_integrations.server.management.logs import LogItem

jobs_t = jobs_table

WAITING = ("queued", "retrying", "running")
#: At most this many attempts are listed with a job (newest first).
ATTEMPTS_SHOWN = 200


# --- models -----------------------------------------------------------------------------


class JobItem(BaseModel):
    id: uuid.UUID = Field(description="The job id, also its delivery id")
    connector: str
    kind: str
    event_type: str | None
    subject_id: str | None
    status: str = Field(description="queued, running, retrying, succeeded or dead")
    attempts: int = Field(description="Attempts ever made")
    retries: int = Field(description="Retries in the current run (reset by a redrive)")
    max_retries: int
    retry_policy: str
    next_run_at: datetime
    last_error: str | None
    dead_at: datetime | None
    dead_reason: str | None = Field(description="exhausted, fatal, manual or skipped")
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class JobDetail(JobItem):
    event_id: uuid.UUID | None
    payload: Any = Field(description="The job's payload, masked like a log body")
    attempt_logs: list[LogItem] = Field(
        description=f"The job's integration log rows, newest first (at most {ATTEMPTS_SHOWN})"
    )


class JobList(BaseModel):
    items: list[JobItem]
    total: int
    limit: int
    offset: int


class RetryQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    connector: str | None = Field(default=None, max_length=100)
    status: Literal["queued", "retrying", "running"] | None = None
    subject_id: str | None = Field(default=None, max_length=100)


class DeadLetterQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    connector: str | None = Field(default=None, max_length=100)
    dead_reason: Literal["exhausted", "fatal", "manual", "skipped"] | None = None
    since: AwareTimestamp | None = Field(default=None, description="dead_at >= since")
    until: AwareTimestamp | None = Field(default=None, description="dead_at < until")

    @model_validator(mode="after")
    def _window(self) -> DeadLetterQuery:
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError("'until' must be after 'since'")
        return self


class RedriveWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connector: str | None = Field(
        default=None, max_length=100, description="Only this connector's dead letters"
    )
    since: AwareTimestamp = Field(description="dead_at >= since")
    until: AwareTimestamp = Field(description="dead_at < until")

    @model_validator(mode="after")
    def _window(self) -> RedriveWindow:
        if self.until <= self.since:
            raise ValueError("'until' must be after 'since'")
        return self


class Redriven(BaseModel):
    redriven: int = Field(description="How many dead jobs were queued again")


# --- handlers ---------------------------------------------------------------------------


def _job(row: Any) -> JobItem:
    return JobItem.model_validate(dict(row._mapping))


async def _page(
    request: web.Request,
    conditions: list[ColumnElement[bool]],
    order_by: list[Any],
    query: PageQuery,
) -> web.Response:
    org = request_org(request)
    where = [jobs_t.c.org_id == org, *conditions]
    columns = [c for c in jobs_t.c if c.name != "payload"]
    async with request_kernel(request).session(org) as session:
        total = await session.scalar(select(func.count()).select_from(jobs_t).where(*where))
        rows = (
            await session.execute(
                select(*columns)
                .where(*where)
                .order_by(*order_by)
                .limit(query.limit)
                .offset(query.offset)
            )
        ).all()
    return json_response(
        JobList(
            items=[_job(r) for r in rows],
            total=int(total or 0),
            limit=query.limit,
            offset=query.offset,
        )
    )


async def list_retries(request: web.Request) -> web.Response:
    query = parse_query(request, RetryQuery)
    c = jobs_t.c
    conditions = [c.status == query.status if query.status else c.status.in_(WAITING)]
    if query.connector is not None:
        conditions.append(c.connector == query.connector)
    if query.subject_id is not None:
        conditions.append(c.subject_id == query.subject_id)
    return await _page(request, conditions, [c.next_run_at, c.created_at, c.id], query)


async def list_dead_letters(request: web.Request) -> web.Response:
    query = parse_query(request, DeadLetterQuery)
    c = jobs_t.c
    conditions = [c.status == "dead"]
    if query.connector is not None:
        conditions.append(c.connector == query.connector)
    if query.dead_reason is not None:
        conditions.append(c.dead_reason == query.dead_reason)
    if query.since is not None:
        conditions.append(c.dead_at >= query.since)
    if query.until is not None:
        conditions.append(c.dead_at < query.until)
    return await _page(request, conditions, [c.dead_at.desc(), c.id.desc()], query)


async def _transition(
    request: web.Request,
    action: Callable[[uuid.UUID, uuid.UUID], Awaitable[None]],
    not_found: str,
    status: int,
) -> web.Response:
    org = request_org(request)
    job_id = path_uuid(request)
    try:
        await action(org, job_id)
    except NotFoundError:
        raise Problem(404, not_found.format(id=job_id)) from None
    row = await request_kernel(request).jobs.get(org, job_id)
    return json_response(_job(row), status=status)


async def retry_now(request: web.Request) -> web.Response:
    return await _transition(
        request,
        request_kernel(request).jobs.retry_now,
        "no job {id} waiting to run or for a retry in this organisation",
        202,
    )


async def skip(request: web.Request) -> web.Response:
    return await _transition(
        request,
        request_kernel(request).jobs.skip,
        "no job {id} waiting to run or for a retry in this organisation",
        200,
    )


async def redrive(request: web.Request) -> web.Response:
    return await _transition(
        request,
        request_kernel(request).jobs.redrive,
        "no dead job {id} in this organisation",
        202,
    )


async def redrive_window(request: web.Request) -> web.Response:
    body = await parse_body(request, RedriveWindow)
    count = await request_kernel(request).jobs.redrive_window(
        request_org(request), connector=body.connector, since=body.since, until=body.until
    )
    return json_response(Redriven(redriven=count), status=202)


async def get_job(request: web.Request) -> web.Response:
    org = request_org(request)
    job_id = path_uuid(request)
    kernel = request_kernel(request)
    c = logs_table.c
    dialect = kernel.database.dialect
    async with kernel.session(org) as session:
        job = (
            await session.execute(
                select(jobs_t).where(jobs_t.c.org_id == org, jobs_t.c.id == job_id)
            )
        ).first()
        if job is None:
            raise Problem(404, f"no job {job_id} in this organisation")
        attempts = (
            await session.execute(
                select(
                    *log_queries.LIGHT_COLUMNS,
                    log_queries.has_body(c.request_body, dialect).label("has_request_body"),
                    log_queries.has_body(c.response_body, dialect).label("has_response_body"),
                )
                .where(c.org_id == org, c.job_id == job_id)
                .order_by(c.timestamp.desc(), c.id.desc())
                .limit(ATTEMPTS_SHOWN)
            )
        ).all()
    data = dict(job._mapping)
    data["payload"] = kernel.masker.mask(data.get("payload"))
    data["attempt_logs"] = [LogItem.model_validate(dict(r._mapping)) for r in attempts]
    return json_response(JobDetail.model_validate(data))


_route = admin_routes("/api/integrations", "", ("retries",))


ROUTES = [
    _route(
        "GET",
        "/retries",
        list_retries,
        "retries.list",
        "Jobs queued, running or waiting for a retry",
        query_model=RetryQuery,
        response_model=JobList,
    ),
    _route(
        "POST",
        "/retries/{id}/retry",
        retry_now,
        "retries.retry",
        "Run a waiting job now instead of at next_run_at",
        response_model=JobItem,
        status_code=202,
    ),
    _route(
        "POST",
        "/retries/{id}/skip",
        skip,
        "retries.skip",
        "Give up on a waiting job: it goes to the dead-letter queue (reason skipped)",
        response_model=JobItem,
    ),
    _route(
        "GET",
        "/dead-letters",
        list_dead_letters,
        "dead_letters.list",
        "Dead jobs, newest first",
        query_model=DeadLetterQuery,
        response_model=JobList,
    ),
    _route(
        "POST",
        "/dead-letters/redrive",
        redrive_window,
        "dead_letters.redrive_window",
        "Redrive every dead job that died in a window (optionally of one connector)",
        request_model=RedriveWindow,
        response_model=Redriven,
        status_code=202,
    ),
    _route(
        "POST",
        "/dead-letters/{id}/redrive",
        redrive,
        "dead_letters.redrive",
        "Take a dead job out of the dead-letter queue with a fresh retry budget",
        response_model=JobItem,
        status_code=202,
    ),
    _route(
        "GET",
        "/jobs/{id}",
        get_job,
        "jobs.get",
        "One job with its attempts (log rows)",
        response_model=JobDetail,
    ),
]
