"""A real webhook receiver on 127.0.0.1 whose answers a test scripts."""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "ok"
    delay: float = 0.0


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    #: Requests in flight at the other receiver of the test when this one arrived (set
    #: through ``watch``), to show deliveries to one endpoint did not wait for another.
    watched_in_flight: int | None = None


class Receiver:
    """Answers from the ``script`` queue in order, then ``default``."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.script: deque[Answer] = deque()
        self.default = Answer()
        self.received: list[Received] = []
        self.in_flight = 0
        self.watch: Receiver | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answer(self, *answers: Answer) -> None:
        self.script.extend(answers)

    async def _handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        try:
            body = await request.read()
            self.received.append(
                Received(
                    dict(request.headers),
                    body,
                    self.watch.in_flight if self.watch is not None else None,
                )
            )
            answer = self.script.popleft() if self.script else self.default
            if answer.delay:
                await asyncio.sleep(answer.delay)
            return web.Response(status=answer.status, text=answer.body, headers=answer.headers)
        finally:
            self.in_flight -= 1

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def delivery_ids(self) -> list[str]:
        return [r.headers["X-MonoPilot-Delivery-ID"] for r in self.received]

    def bodies(self) -> list[Any]:
        import json

        return [json.loads(r.body) for r in self.received]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
