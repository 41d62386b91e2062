"""The Redis limiter: one budget per key shared by every server process, one round trip.

A single Lua script (loaded once, then called by SHA with ``EVALSHA`` through redis-py's
``register_script``) does, atomically, what :func:`~.gcra.rate_limit_check` does in
Python: read the key's stamp, run GCRA on the minute bucket, check and count the hourly
quota, and answer allowed / remaining / retry_after / reset_after / stamp. Redis runs a
script without interleaving other commands, so concurrent requests from any number of
processes cannot both spend the last token, and a refusal writes nothing.

The clock is Redis ``TIME``: one clock for every server process, so skew between machines
cannot hand a client extra requests. (Redis 5+ replicates a script's effects rather than
the script, which is what makes a non-deterministic ``TIME`` followed by writes legal; the
script asks for that explicitly on older servers that need it.)

Keys, all under one hash tag per API key so the script's keys share a cluster slot:

* ``<prefix>{<key>}:tat``: the TAT, a float string with 1 µs resolution (Lua's default
  number formatting keeps 14 digits, i.e. only 0.1 ms of an epoch time); it expires a
  second after the bucket is full again, since a missing TAT and a full bucket mean the
  same (the second's margin costs nothing, as an old TAT also reads as a full bucket, and
  lets the parity tests drive the script with fixed times faster than real time).
* ``<prefix>{<key>}:h:<hour number>``: the hour's counter, expiring a minute after its hour.
* ``<prefix>{<stamp_key>}:stamp``: the key-state stamp, written by :meth:`set_stamp`. The
  middleware passes the API key id as both ``key`` and ``stamp_key``; on a Redis Cluster
  they must share a hash tag, or the script's keys would span two slots.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

import redis.asyncio

from monopilot_integrations.core.ratelimit.tiers import RateLimitResult, Tier


class _Pending(NamedTuple):
    """One request's hit waiting for the next batch."""

    keys: list[str]
    args: list[str | int]
    future: asyncio.Future[Any]


# Mirrors gcra.rate_limit_check. ``hits`` applies ``n`` hits of one key in a row, against
# one ``now``: it reads the key's state once, runs GCRA and the hourly quota for each hit
# in Lua numbers, and writes the state back once (the TAT rounded to 1 µs after each hit,
# exactly as if it had been stored and read back between hits). The single-hit script
# (whose ARGV[4], a fixed "now", exists for the parity tests only) is ``hits(..., 1)``; the
# batch script carries the hits of concurrent requests, of any number of keys, in one
# EVALSHA, the hits of one key coalesced into one group.
_HIT_FUNCTION = """
local eps = 1e-6
local function hits(k_tat, k_hour, k_stamp, interval, burst, per_hour, now, n, out)
  local stamp = false
  if k_stamp and k_stamp ~= '' then stamp = redis.call('GET', k_stamp) end

  local tat = tonumber(redis.call('GET', k_tat)) or now
  if tat < now then tat = now end
  local hour = math.floor(now / 3600)
  local hour_key = k_hour .. ':' .. string.format('%d', hour)
  local hour_reset = (hour + 1) * 3600 - now
  local hour_left = per_hour - (tonumber(redis.call('GET', hour_key)) or 0)
  local spent = 0

  for _ = 1, n do
    local new_tat = tat + interval
    local allow_at = new_tat - burst * interval
    local minute_ok = now + eps >= allow_at
    local allowed = 0
    local minute_left = 0
    local retry_after = 0
    local reset_after = tat - now
    if minute_ok and hour_left > 0 then
      allowed = 1
      minute_left = math.floor((now - allow_at + eps) / interval)
      if minute_left > burst - 1 then minute_left = burst - 1 end
      if minute_left < 0 then minute_left = 0 end
      reset_after = new_tat - now
      tat = tonumber(string.format('%.6f', new_tat))
      hour_left = hour_left - 1
      spent = spent + 1
    else
      if not minute_ok then retry_after = allow_at - now end
      if hour_left <= 0 and hour_reset > retry_after then retry_after = hour_reset end
    end
    if hour_left <= minute_left then reset_after = hour_reset end
    local remaining = math.max(math.min(minute_left, hour_left), 0)
    out[#out + 1] = {allowed, remaining, string.format('%.6f', retry_after),
                     string.format('%.6f', reset_after), stamp}
  end
  if spent > 0 then
    redis.call('SET', k_tat, string.format('%.6f', tat),
               'PX', math.ceil((tat - now) * 1000) + 1000)
    if redis.call('INCRBY', hour_key, spent) == spent then
      redis.call('EXPIRE', hour_key, math.ceil(hour_reset) + 60)
    end
  end
  return out
end
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
"""

_SCRIPT = (
    "if redis.replicate_commands then pcall(redis.replicate_commands) end\n"
    + _HIT_FUNCTION
    + """
local now = tonumber(ARGV[4]) or clock()
return hits(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]), tonumber(ARGV[2]),
            tonumber(ARGV[3]), now, 1, {})[1]
"""
)

# KEYS: (tat, hour, stamp or '') per key; ARGV: (interval, burst, per_hour, hits) per key.
# The reply is one result per hit, keys in order, each key's hits in order.
_BATCH_SCRIPT = (
    "if redis.replicate_commands then pcall(redis.replicate_commands) end\n"
    + _HIT_FUNCTION
    + """
local now = clock()
local out = {}
for i = 0, #ARGV / 4 - 1 do
  hits(KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3],
       tonumber(ARGV[i * 4 + 1]), tonumber(ARGV[i * 4 + 2]), tonumber(ARGV[i * 4 + 3]),
       now, tonumber(ARGV[i * 4 + 4]), out)
end
return out
"""
)

#: The most hits one script call carries (Redis runs a script without serving others).
MAX_BATCH = 1000

#: Stamps outlive any cache of a key verification by far; the expiry only collects the
#: stamps of deleted keys. A stamp that expired reads as "unknown", and the caller then
#: re-reads the key from the database and publishes it again.
DEFAULT_STAMP_TTL = 30 * 24 * 3600


class RedisRateLimiter:
    """Rate limiter shared by every process using the same Redis and ``prefix``.

    Given a client, the limiter borrows it (``close`` leaves it open); :meth:`from_url`
    makes a client that the limiter owns and closes.
    """

    def __init__(
        self,
        client: redis.asyncio.Redis,
        *,
        prefix: str = "mp:rl:",
        stamp_ttl: int | None = DEFAULT_STAMP_TTL,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.stamp_ttl = stamp_ttl
        self._owns_client = False
        self._script = client.register_script(_SCRIPT)
        self._batch_script = client.register_script(_BATCH_SCRIPT)
        self._flushes: set[asyncio.Task[None]] = set()
        self._pending: list[_Pending] = []
        self._flushing = False
        self._keys: dict[tuple[str, str | None], list[str]] = {}

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "mp:rl:", **options: Any) -> RedisRateLimiter:
        """A limiter with its own client (``redis.asyncio.Redis.from_url(url, **options)``)."""
        limiter = cls(redis.asyncio.Redis.from_url(url, **options), prefix=prefix)
        limiter._owns_client = True
        return limiter

    async def hit(self, key: str, tier: Tier, *, stamp_key: str | None = None) -> RateLimitResult:
        """One request's hit. Hits travel together in one ``EVALSHA`` of the batch script,
        which applies them in order, atomically, against one ``TIME``: those asked for in
        the same event-loop turn, and, while a batch is on its way, all that arrive
        meanwhile (the next batch leaves when it returns). The round trip and the client's
        per-call cost are paid once per batch instead of once per request, and batches
        grow with the load."""
        keys, args = self._call(key, tier, stamp_key, None)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append(_Pending(keys, args, future))
        if not self._flushing:
            self._flushing = True
            loop.call_soon(self._start_flush)
        return self._result(tier, await future)

    def _start_flush(self) -> None:
        task = asyncio.get_running_loop().create_task(self._send_pending())
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _send_pending(self) -> None:
        """One batch on its way at a time, until no hit is waiting."""
        try:
            while self._pending:
                batch = self._pending[:MAX_BATCH]
                del self._pending[:MAX_BATCH]
                await self._send(batch)
        finally:
            self._flushing = False

    async def _send(self, batch: list[_Pending]) -> None:
        # Coalesce the hits of one key (same keys and tier): one group, applied in order.
        groups: dict[tuple[tuple[str, ...], tuple[str | int, ...]], list[_Pending]] = {}
        for pending in batch:
            groups.setdefault((tuple(pending.keys), tuple(pending.args)), []).append(pending)
        try:
            if len(batch) == 1:
                replies: list[Any] = [await self._script(keys=batch[0].keys, args=batch[0].args)]
            else:
                all_keys: list[str] = []
                all_args: list[str | int] = []
                for (group_keys, group_args), members in groups.items():
                    all_keys += group_keys if len(group_keys) == 3 else [*group_keys, ""]
                    all_args += [*group_args, len(members)]
                replies = await self._batch_script(keys=all_keys, args=all_args)
        except BaseException as exc:
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(
                        exc if isinstance(exc, Exception) else RuntimeError(exc)
                    )
            if not isinstance(exc, Exception):
                raise
            return
        answered = (pending for members in groups.values() for pending in members)
        for pending, reply in zip(answered, replies, strict=True):
            if pending.future.done():  # its caller gave up waiting
                continue
            if isinstance(reply, Exception):
                pending.future.set_exception(reply)
            else:
                pending.future.set_result(reply)

    async def set_stamp(self, stamp_key: str, value: str, *, only_if_absent: bool = False) -> None:
        await self.client.set(
            self._stamp_key(stamp_key), value, ex=self.stamp_ttl, nx=only_if_absent
        )

    async def ping(self) -> None:
        """Raise unless Redis answers (readiness checks)."""
        await self.client.ping()

    async def close(self) -> None:
        """Wait for batches on their way, then close a client of our own."""
        if self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)
        if self._owns_client:
            await self.client.aclose()

    def keys_of(self, key: str) -> tuple[str, str]:
        """The TAT key and the hour-counter prefix of ``key`` (for tests and operators)."""
        base = f"{self.prefix}{{{key}}}"
        return f"{base}:tat", f"{base}:h"

    def _stamp_key(self, stamp_key: str) -> str:
        return f"{self.prefix}{{{stamp_key}}}:stamp"

    def _call(
        self, key: str, tier: Tier, stamp_key: str | None, now: float | None
    ) -> tuple[list[str], list[str | int]]:
        keys = self._keys.get((key, stamp_key))
        if keys is None:
            keys = list(self.keys_of(key))
            if stamp_key is not None:
                keys.append(self._stamp_key(stamp_key))
            if len(self._keys) >= 100_000:  # one per active API key; kept bounded
                self._keys.clear()
            self._keys[(key, stamp_key)] = keys
        args: list[str | int] = [repr(tier.interval), tier.burst, tier.per_hour]
        if now is not None:
            args.append(repr(now))
        return keys, args

    async def _hit(
        self, key: str, tier: Tier, stamp_key: str | None, now: float | None
    ) -> RateLimitResult:
        keys, args = self._call(key, tier, stamp_key, now)
        return self._result(tier, await self._script(keys=keys, args=args))

    @staticmethod
    def _result(tier: Tier, reply: Any) -> RateLimitResult:
        # (allowed, remaining, retry_after, reset_after, stamp)
        stamp = reply[4]
        if isinstance(stamp, bytes):
            stamp = stamp.decode()
        # Positional: a named tuple built from keywords costs twice as much (one per request).
        return RateLimitResult(
            bool(reply[0]), tier.per_minute, int(reply[1]), float(reply[3]), float(reply[2]), stamp
        )
