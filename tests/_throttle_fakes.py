"""A fake Flick server with the API's fixed windows, in fake time, and clients to drive a throttle with."""

from __future__ import annotations

import collections
import email.utils
import math
from collections.abc import Sequence
from typing import Protocol

import anyio
import httpx

from flick_async.testing._clock import FakeClock


class Limiter(Protocol):
    async def acquire(self) -> None: ...

    def observe(self, *, status_code: int, headers: httpx.Headers, sent_at: float, received_at: float) -> None: ...


START = 1_781_200_500.0  # FakeClock's default wall time; a multiple of 60


class FakeServer:
    """Fixed windows aligned on Unix time, on a server clock of its own; a 429 spends nothing."""

    def __init__(
        self,
        clock: FakeClock,
        *,
        limit: int = 60,
        window: float = 60.0,
        daily: int = 5000,
        server_time: float = START + 23.4,
        send_date: bool = True,
        date_ahead: float = 0.0,
        counter_lag: float = 0.0,
    ) -> None:
        self.clock = clock
        self.limit, self.window, self.daily = limit, window, daily
        self.offset = server_time - clock.monotonic()
        self.send_date = send_date
        self.date_ahead = date_ahead  # how far the clock that stamps `Date` (a proxy) runs ahead of the counter's
        # How far the counter (a store with a clock of its own) runs behind the clock that writes
        # `Reset` and `Date`: no answer shows it, but a request sent as `Reset` passes is refused.
        self.counter_lag = counter_lag
        self.counts: collections.Counter[int] = collections.Counter()
        self.day_counts: collections.Counter[int] = collections.Counter()
        self.log: list[tuple[float, int]] = []  # (server time, status)
        self.extra_used = 0  # requests by another client of the key, counted like ours

    def now(self) -> float:
        return self.clock.monotonic() + self.offset

    def other_client(self, n: int) -> None:
        """Spend `n` requests of the current window as another client of the key would."""
        now = self.now()
        self.counts[math.floor(now / self.window)] += n
        self.day_counts[math.floor(now / 86_400)] += n

    def set_limits(self, *, limit: int, window: float) -> None:
        """Change the limit and the window's length now, mid-window: the window that holds the
        present counts what the old one had (as `FlickServer.set_limits`)."""
        now = self.now() - self.counter_lag
        spent = self.counts[math.floor(now / self.window)]
        self.limit, self.window = limit, window
        self.counts[math.floor(now / window)] = spent

    def hit(self) -> tuple[int, httpx.Headers]:
        shown = self.now()  # the clock the headers are written on
        now = shown - self.counter_lag  # the counter's
        index, day = math.floor(now / self.window), math.floor(now / 86_400)
        status = 200
        retry_after: int | None = None
        if self.day_counts[day] >= self.daily:
            status, retry_after = 429, math.ceil((day + 1) * 86_400 - now)
        elif self.counts[index] >= self.limit:
            status, retry_after = 429, max(1, math.ceil((index + 1) * self.window - now))
        else:
            self.counts[index] += 1
            self.day_counts[day] += 1
        self.log.append((now, status))
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - self.counts[index])),
            "X-RateLimit-Reset": str(math.ceil((math.floor(shown / self.window) + 1) * self.window)),
            "X-RateLimit-Limit-Day": str(self.daily),
            "X-RateLimit-Remaining-Day": str(max(0, self.daily - self.day_counts[day])),
        }
        if self.send_date:
            headers["Date"] = email.utils.formatdate(math.floor(shown + self.date_ahead), usegmt=True)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return status, httpx.Headers(headers)

    def hit_count_free(self) -> tuple[int, httpx.Headers]:
        """The headers of the current state, counting nothing."""
        self.counts[math.floor(self.now() / self.window)] -= 1
        self.day_counts[math.floor(self.now() / 86_400)] -= 1
        status, headers = self.hit()
        self.log.pop()
        return status, headers

    def accepted_per_window(self) -> collections.Counter[int]:
        return collections.Counter(math.floor(t / self.window) for t, status in self.log if status == 200)

    def count(self, status: int) -> int:
        return sum(1 for _, s in self.log if s == status)


async def call(limiter: Limiter, server: FakeServer, *, latency: float = 0.02) -> int:
    """One request as the client makes it: acquire, travel, the server counts, travel back, observe."""
    await limiter.acquire()
    sent_at = server.clock.monotonic()
    await server.clock.sleep(latency)
    status, headers = server.hit()
    await server.clock.sleep(latency)
    limiter.observe(status_code=status, headers=headers, sent_at=sent_at, received_at=server.clock.monotonic())
    return status


async def answered_at_once(limiter: Limiter, clock: FakeClock, answer: httpx.Headers, *, status: int = 200) -> None:
    """One request granted, then answered with `answer` in no time (the wire's latency left out)."""
    await limiter.acquire()
    now = clock.monotonic()
    limiter.observe(status_code=status, headers=answer, sent_at=now, received_at=now)


async def bulk(
    limiter: Limiter | Sequence[Limiter], server: FakeServer, n: int, tasks: int, *, latency: float = 0.02
) -> list[float]:
    """`n` requests from `tasks` workers (spread over the limiters given); returns when each was answered."""
    limiters = [limiter] if not isinstance(limiter, Sequence) else list(limiter)
    todo = iter(range(n))
    times: list[float] = []

    async def worker(mine: Limiter) -> None:
        for _ in todo:
            while await call(mine, server, latency=latency) == 429:
                pass
            times.append(server.now())

    async with anyio.create_task_group() as tg:
        tg.start_soon(server.clock.run_autojump)
        async with anyio.create_task_group() as workers:
            for i in range(tasks):
                workers.start_soon(worker, limiters[i % len(limiters)])
        tg.cancel_scope.cancel()
    return times


def headers(
    *, remaining: int, reset: float, date: float, remaining_day: int = 4000, retry_after: int | None = None
) -> httpx.Headers:
    """The headers of one answer, as the API sends them."""
    values = {
        "X-RateLimit-Limit": "60",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(reset)),
        "X-RateLimit-Limit-Day": "5000",
        "X-RateLimit-Remaining-Day": str(remaining_day),
        "Date": email.utils.formatdate(math.floor(date), usegmt=True),
    }
    if retry_after is not None:
        values["Retry-After"] = str(retry_after)
    return httpx.Headers(values)


class LatencyTransport(httpx.AsyncBaseTransport):
    """Wraps a transport with a one-way delay each way on the fake clock, as a network would.

    `fail_before_send` makes the first requests (their numbers, 1-based) raise `httpx.ConnectError`
    without reaching the server: connection errors the server never counted.
    """

    def __init__(
        self, inner: httpx.AsyncBaseTransport, clock: FakeClock, latency: float, *, fail_before_send: Sequence[int] = ()
    ) -> None:
        self._inner, self._clock, self._latency = inner, clock, latency
        self._fail = set(fail_before_send)
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        await self._clock.sleep(self._latency)
        if self.sent in self._fail:
            raise httpx.ConnectError("connection refused (injected)", request=request)
        response = await self._inner.handle_async_request(request)
        await self._clock.sleep(self._latency)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
