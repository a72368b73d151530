"""How fast and how many connections a scan opens: the limiter interface and its in-process version.

Two kinds of limit, asked for by the connector (and by the nmap batcher for its runs):

- a **pace**: new connections per second overall, spaced evenly;
- **slots**: at most `capacity` holders of one key at once (the connections open to one address, the
  nmap runs in progress). A slot is held until released; the connector releases an address's slot when
  the connection is closed, not when it is opened, so the limit is what the peer sees.

`LocalLimiter` holds these within one event loop (one runner). `checks.shared_limits.RedisLimiter`
holds them across every process of a deployment, through Redis.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class Slot(Protocol):
    def release(self) -> None:
        """Give the slot back; idempotent, and may finish in the background (a shared store)."""


class ConnectionLimiter(Protocol):
    async def pace(self) -> None:
        """Wait for the right to open one more connection (the overall rate)."""

    async def slot(self, key: str, capacity: int) -> Slot:
        """Wait for one of `capacity` slots of `key`; capacity 0 or less means no limit."""

    async def close(self) -> None:
        """Give back what is still held and close connections to a shared store."""


class RateLimiter:
    """At most `rate` acquisitions per second, spread evenly (0: no limit). Shared by one event loop."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if not self.interval:
            return
        async with self._lock:
            loop = asyncio.get_running_loop()
            wait = self._next - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next = max(self._next, loop.time()) + self.interval


class NoSlot:
    """What an unlimited key hands out."""

    def release(self) -> None:
        return None


class _SemaphoreSlot:
    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore: asyncio.Semaphore | None = semaphore

    def release(self) -> None:
        if self._semaphore is not None:
            self._semaphore.release()
            self._semaphore = None


class LocalLimiter:
    """The limits within one event loop: enough for one runner, N times too generous for N runners."""

    def __init__(self, connections_per_second: float) -> None:
        self._rate = RateLimiter(connections_per_second)
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    async def pace(self) -> None:
        await self._rate.acquire()

    async def slot(self, key: str, capacity: int) -> Slot:
        if capacity <= 0:
            return NoSlot()
        semaphore = self._semaphores.setdefault(key, asyncio.Semaphore(capacity))
        await semaphore.acquire()
        return _SemaphoreSlot(semaphore)

    async def close(self) -> None:
        return None
