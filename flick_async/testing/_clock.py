"""A clock that tests move by hand, or that jumps ahead whenever every task is asleep."""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

__all__ = ["FakeClock"]

T = TypeVar("T")


class FakeClock:
    """A fake `Clock`: time stands still until moved.

    `advance(seconds)` moves time and wakes every sleeper that is due. With
    `autojump=True`, run `clock.run_autojump()` in a task group: whenever every task is
    blocked, time jumps straight to the next sleeper's deadline, so code that sleeps for
    minutes finishes at once, on asyncio and trio alike.

    Example:
        clock = FakeClock(start=1_781_200_500.0)
        async with anyio.create_task_group() as tg:
            tg.start_soon(clock.run_autojump)
            ...  # code under test, built with clock=clock
            tg.cancel_scope.cancel()
    """

    def __init__(self, start: float = 1_781_200_500.0, *, monotonic_start: float = 1_000.0) -> None:
        self._wall_offset = start - monotonic_start
        self._now = monotonic_start
        self._sleepers: list[tuple[float, int, anyio.Event]] = []
        self._counter = itertools.count()
        self.slept: list[float] = []  # every sleep requested, for assertions

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._now + self._wall_offset

    def set_wall_time(self, unix_time: float) -> None:
        """Jump the wall clock (as NTP might) without moving monotonic time."""
        self._wall_offset = unix_time - self._now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if seconds <= 0:
            await anyio.lowlevel.checkpoint()
            return
        event = anyio.Event()
        entry = (self._now + seconds, next(self._counter), event)
        heapq.heappush(self._sleepers, entry)
        try:
            await event.wait()
        finally:
            if not event.is_set():  # cancelled: autojump must not wake for a sleeper that left
                self._sleepers.remove(entry)
                heapq.heapify(self._sleepers)

    def advance(self, seconds: float) -> None:
        """Move time forward and wake the sleepers that are due."""
        if seconds < 0 or math.isnan(seconds):
            raise ValueError(f"time only moves forward, not by {seconds!r}")
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, event = heapq.heappop(self._sleepers)
            event.set()

    def next_deadline(self) -> float | None:
        """When the earliest sleeper wakes, or None when nobody sleeps."""
        return self._sleepers[0][0] if self._sleepers else None

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        """Await `call()` while time jumps to each sleeper's deadline; its exception comes out as itself.

        Example:
            profile = await clock.run(flick.me)   # retries and throttle waits take no real time
        """
        results: list[T] = []
        errors: list[BaseException] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(self.run_autojump)
            try:
                results.append(await call())
            except Exception as exc:  # re-raised below, outside the task group's ExceptionGroup
                errors.append(exc)
            finally:
                tg.cancel_scope.cancel()
        if errors:
            raise errors[0]
        return results[0]

    async def run_autojump(self) -> None:
        """Jump to the next deadline whenever all other tasks are blocked. Runs until cancelled."""
        while True:
            await anyio.wait_all_tasks_blocked()
            deadline = self.next_deadline()
            if deadline is None:
                await anyio.sleep(0.001)  # nothing to jump to: let real I/O make progress
                continue
            self.advance(max(0.0, deadline - self._now))
            await anyio.lowlevel.checkpoint()

    def __repr__(self) -> str:
        return f"FakeClock(time={self.time():.3f})"
