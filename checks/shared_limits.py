"""Limits that hold across every process of a deployment (Celery workers, several runners), in Redis.

- **Pace**: turns handed out one interval (1/rate) apart in Redis server time, whoever asks (a
  generic cell rate algorithm: one key holds the next free turn; taking a turn moves it on by one
  interval and tells the caller how long to wait for it). Openings are spaced evenly across all
  processes, with no burst at all, and clocks of the machines do not matter (only durations travel).
  A turn taken by a caller that then gives up (check timeout) is lost, never reused: slower, never
  faster. (The `limits` library's moving window was the first choice; it stamps entries with each
  client's clock before the round trip and lets a whole second's allowance go at once, which the
  scanned host sees as bursts above the rate.)
- **Slots**: a semaphore per key as a Redis sorted set of leases (member: a random token, score: when
  the lease ends, in Redis server time, so machines' clocks do not matter). Taking a slot drops the
  leases that ended, then adds ours if fewer than `capacity` remain, in one Lua script. The holder
  renews its leases every third of the lease time; a process that dies stops renewing, and its slots
  come back at most `lease_seconds` later. A waiter polls every few tens of milliseconds (no fairness
  promised: the limit is what matters here, not the order).

When Redis cannot be reached, the limiter says so in the log and falls back to in-process limits for
`FALLBACK_SECONDS` before trying Redis again: scans go on, as polite as a single process would be.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time

import redis.asyncio
from redis.exceptions import RedisError

from checks.limits import LocalLimiter, NoSlot, Slot

logger = logging.getLogger(__name__)

FALLBACK_SECONDS = 30.0
POLL_SECONDS = 0.03  # between two attempts at a slot (with jitter)
REDIS_TIMEOUT = 2.0  # seconds, for connecting and for each command

# KEYS[1]: the next free turn (seconds, Redis time); ARGV[1]: the interval. Returns the wait for the
# turn taken, in microseconds.
_TURN = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local interval = tonumber(ARGV[1])
local turn = tonumber(redis.call('GET', KEYS[1]) or '0')
if turn < t then turn = t end
local ttl = math.ceil((turn + interval - t) * 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.6f', turn + interval), 'PX', ttl)
return math.floor((turn - t) * 1000000)
"""

# KEYS[1]: the slot's sorted set; ARGV: capacity, lease seconds, token. 1 when the slot is ours.
_TAKE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
  return 1
end
return 0
"""

# KEYS: sorted sets; ARGV[1]: lease seconds, ARGV[i+1]: our token in KEYS[i]. Only leases still there
# are extended (XX): a lease that ran out may already be someone else's slot.
_RENEW = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local lease = tonumber(ARGV[1])
local renewed = 0
for i, key in ipairs(KEYS) do
  renewed = renewed + redis.call('ZADD', key, 'XX', 'CH', t + lease, ARGV[i + 1])
  redis.call('PEXPIRE', key, math.ceil(lease * 1000) + 1000)
end
return renewed
"""


class _Lease:
    def __init__(self, limiter: RedisLimiter, key: str, token: str) -> None:
        self._limiter: RedisLimiter | None = limiter
        self.key = key
        self.token = token

    def release(self) -> None:
        if self._limiter is not None:
            self._limiter._release(self)
            self._limiter = None


class RedisLimiter:
    def __init__(
        self,
        url: str,
        *,
        connections_per_second: float,
        lease_seconds: float,
        prefix: str = "cyberreponse:limits",
    ) -> None:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"shared limits need a redis://, rediss:// or unix:// URL, not {url!r}")
        if lease_seconds <= 0:
            raise ValueError("the lease must be positive")
        self.lease_seconds = lease_seconds
        self.prefix = prefix
        self._pool = redis.asyncio.ConnectionPool.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        self._redis = redis.asyncio.Redis(connection_pool=self._pool)
        self._take = self._redis.register_script(_TAKE)
        self._renew = self._redis.register_script(_RENEW)
        self._turn = self._redis.register_script(_TURN)
        self._interval = 1.0 / connections_per_second if connections_per_second > 0 else 0.0
        self._local = LocalLimiter(connections_per_second)
        self._held: dict[str, _Lease] = {}  # token → lease, renewed until released
        self._tasks: set[asyncio.Task[None]] = set()
        self._renewer: asyncio.Task[None] | None = None
        self._fallback_until = 0.0

    # The overall rate

    async def pace(self) -> None:
        if not self._interval:
            return
        if not self._degraded():
            try:
                wait = int(await self._turn(keys=[f"{self.prefix}:turns"], args=[self._interval]))
            except RedisError as error:
                self._degrade(error)
            else:
                if wait > 0:
                    await asyncio.sleep(wait / 1_000_000)
                return
        await self._local.pace()

    # Slots

    async def slot(self, key: str, capacity: int) -> Slot:
        if capacity <= 0:
            return NoSlot()
        name = f"{self.prefix}:slots:{key}"
        token = secrets.token_hex(12)
        while not self._degraded():
            try:
                if await self._take(keys=[name], args=[capacity, self.lease_seconds, token]):
                    lease = _Lease(self, name, token)
                    self._held[token] = lease
                    self._start_renewing()
                    return lease
            except RedisError as error:
                self._degrade(error)
                break
            await asyncio.sleep(POLL_SECONDS * (0.5 + random.random()))  # noqa: S311 (jitter)
        return await self._local.slot(key, capacity)

    def _release(self, lease: _Lease) -> None:
        self._held.pop(lease.token, None)
        try:
            task = asyncio.get_running_loop().create_task(self._remove(lease))
        except RuntimeError:
            return  # no loop any more: the lease runs out by itself
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _remove(self, lease: _Lease) -> None:
        try:
            await self._redis.zrem(lease.key, lease.token)
        except RedisError as error:
            logger.warning("scan.shared_limits_release_failed key=%s error=%s", lease.key, error)

    def _start_renewing(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew_forever())

    async def _renew_forever(self) -> None:
        while self._held:
            await asyncio.sleep(self.lease_seconds / 3)
            leases = list(self._held.values())
            if not leases:
                break
            try:
                await self._renew(
                    keys=[lease.key for lease in leases],
                    args=[self.lease_seconds, *(lease.token for lease in leases)],
                )
            except RedisError as error:
                logger.warning("scan.shared_limits_renew_failed error=%s", error)

    # Redis out of reach

    def _degraded(self) -> bool:
        return time.monotonic() < self._fallback_until

    def _degrade(self, error: Exception) -> None:
        logger.warning(
            "scan.shared_limits_unreachable fallback=in_process seconds=%s error=%s",
            FALLBACK_SECONDS,
            error,
        )
        self._fallback_until = time.monotonic() + FALLBACK_SECONDS

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
        for lease in list(self._held.values()):
            lease.release()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._redis.aclose()
        await self._pool.disconnect()
