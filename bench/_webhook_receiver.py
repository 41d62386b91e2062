"""The webhook receiver of the delivery benchmark, run in its own process.

    python bench/_webhook_receiver.py PORT

It listens on 127.0.0.1 to 127.0.0.10, the same port on each: the benchmark gives every
endpoint its own loopback host, as separate receivers would be. ``POST /hooks/{n}`` verifies the ``X-MonoPilot-Signature`` HMAC in constant time, counts the
delivery once per ``X-MonoPilot-Delivery-ID`` (at-least-once senders may repeat one) and,
when the event carries ``data.published_at``, notes the latency from ``publish`` to now. It
answers 200. ``GET /stats`` returns the counts, the first and last arrival and the
latencies; ``POST /reset`` clears them between runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
import time
from typing import Any

from aiohttp import web

SECRET = ("whsec_" + base64.b64encode(bytes(range(32))).decode()).encode()  # see _webhook_plugin


class Tally:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.posts = 0
        self.bad_signatures = 0
        self.seen: set[str] = set()
        self.latencies: list[float] = []
        self.first: float | None = None
        self.last: float | None = None


TALLY = Tally()


async def hook(request: web.Request) -> web.Response:
    body = await request.read()
    now = time.time()
    TALLY.posts += 1
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-MonoPilot-Signature", "")):
        TALLY.bad_signatures += 1
        return web.Response(status=401)
    delivery = request.headers.get("X-MonoPilot-Delivery-ID", "")
    if delivery not in TALLY.seen:
        TALLY.seen.add(delivery)
        if TALLY.first is None:
            TALLY.first = now
        TALLY.last = now
        published = json.loads(body).get("data", {}).get("published_at")
        if published is not None:
            TALLY.latencies.append(now - float(published))
    return web.Response(text="ok")


async def stats(request: web.Request) -> web.Response:
    result: dict[str, Any] = {
        "posts": TALLY.posts,
        "unique": len(TALLY.seen),
        "bad_signatures": TALLY.bad_signatures,
        "first": TALLY.first,
        "last": TALLY.last,
    }
    if request.query.get("latencies"):
        result["latencies"] = TALLY.latencies
    return web.json_response(result)


async def reset(request: web.Request) -> web.Response:
    TALLY.reset()
    return web.json_response({"ok": True})


def main(port: int) -> None:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_post("/hooks/{n}", hook)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    # Every endpoint is its own host: 127.0.0.1 to 127.0.0.10 (all of 127/8 is loopback).
    hosts = [f"127.0.0.{n}" for n in range(1, 11)]
    web.run_app(app, host=hosts, port=port, print=None, access_log=None)


if __name__ == "__main__":
    main(int(sys.argv[1]))
