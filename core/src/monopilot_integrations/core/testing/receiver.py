"""A real HTTP server on 127.0.0.1 that records what a connector sends it.

Connector tests point their partner URL at it instead of mocking the HTTP client: the
request goes through the real client, the real SSRF guard (with private targets allowed)
and a real socket, and the test scripts the partner's answers.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Answer:
    """One scripted response: status, headers, body, and a delay before answering."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "ok"
    delay: float = 0.0


@dataclass
class Received:
    """One recorded request."""

    headers: dict[str, str]
    body: bytes
    #: Requests in flight at the watched receiver (``watch``) when this one arrived: shows
    #: that requests to one endpoint did not wait for another's.
    watched_in_flight: int | None = None
    method: str = "POST"
    path: str = "/hook"

    def json(self) -> Any:
        return json.loads(self.body)


class LoopbackReceiver:
    """Answers every method on every path: from the ``script`` queue in order, then with
    ``default``. The port is chosen up front, so a test can hand out ``url`` before
    ``start`` (connections are refused until then)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.script: deque[Answer] = deque()
        self.default = Answer()
        self.received: list[Received] = []
        self.in_flight = 0
        self.watch: LoopbackReceiver | None = None
        self.runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """A URL on the receiver (``/hook``); any other path is answered the same way."""
        return f"{self.base_url}/hook"

    def answer(self, *answers: Answer) -> None:
        """Queue answers for the next requests, in order."""
        self.script.extend(answers)

    def header_values(self, name: str) -> list[str]:
        """The ``name`` header of every request received, in order (missing ones left out)."""
        return [r.headers[name] for r in self.received if name in r.headers]

    def bodies(self) -> list[Any]:
        """Every request's body, parsed as JSON."""
        return [r.json() for r in self.received]

    async def handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        try:
            body = await request.read()
            self.received.append(
                Received(
                    dict(request.headers),
                    body,
                    self.watch.in_flight if self.watch is not None else None,
                    request.method,
                    request.path,
                )
            )
            answer = self.script.popleft() if self.script else self.default
            if answer.delay:
                await asyncio.sleep(answer.delay)
            return web.Response(status=answer.status, text=answer.body, headers=answer.headers)
        finally:
            self.in_flight -= 1

    async def start(self) -> LoopbackReceiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def __aenter__(self) -> LoopbackReceiver:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
