"""A clock that tests move by hand, or that jumps ahead whenever every task is asleep."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import sniffio

__all__ = ["FakeClock", "wait_all_tasks_blocked"]

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
            await wait_all_tasks_blocked()
            deadline = self.next_deadline()
            if deadline is None:
                await anyio.sleep(0.001)  # nothing to jump to: let real I/O make progress
                continue
            self.advance(max(0.0, deadline - self._now))
            await anyio.lowlevel.checkpoint()

    def __repr__(self) -> str:
        return f"FakeClock(time={self.time():.3f})"


async def wait_all_tasks_blocked() -> None:
    """Return once every other task of the event loop is blocked: `anyio.wait_all_tasks_blocked`, faster.

    On asyncio, anyio looks at every task and, when one can still run, sleeps 0.1 s of real time
    before it looks again. A test on the fake clock whose tasks keep waking each other (a
    throttle queue, a bulk write) spends almost all its time in those sleeps: the throttle's
    tests used 7 s of CPU in 46 s. This looks again after one turn of the loop instead (every
    task that could run has then run once). Trio has an exact `wait_all_tasks_blocked` of its
    own, which anyio uses; so does this.
    """
    if sniffio.current_async_library() != "asyncio":
        await anyio.wait_all_tasks_blocked()
        return
    loop = asyncio.get_running_loop()
    this_task = asyncio.current_task()
    while True:
        # A turn of the loop (each task that can run runs a step), spent awaiting a future rather
        # than in `sleep(0)`: a task in `sleep(0)` looks runnable, so two tasks waiting here at
        # once (a test's and `run_autojump`'s) would each wait for the other for good.
        turn = loop.create_future()
        loop.call_soon(_settle, turn)
        await turn
        if not any(_can_run(task) for task in asyncio.all_tasks() if task is not this_task):
            return


def _settle(turn: asyncio.Future[None]) -> None:
    if not turn.done():  # (cancelled with its waiter)
        turn.set_result(None)


def _can_run(task: asyncio.Task[object]) -> bool:
    # A task blocked in an await has a pending future it waits on (as anyio reads it).
    waiter: asyncio.Future[object] | None = getattr(task, "_fut_waiter", None)
    return waiter is None or waiter.done()
