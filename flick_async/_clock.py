"""The one source of time for the facade: throttling, backoff and timeouts read it.

Injecting a clock is what lets tests move time by hand instead of sleeping
(`flick_async.testing.FakeClock`).
"""

from __future__ import annotations

import time
from typing import Protocol

import anyio

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    """Where the SDK reads time and sleeps."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards; only differences mean anything."""
        ...

    def time(self) -> float:
        """Unix time in seconds (wall clock; may jump)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep for `seconds` of this clock's time."""
        ...


class SystemClock:
    """The real clock: the process's monotonic time and the system's wall time."""

    def monotonic(self) -> float:
        """Seconds on the system's monotonic clock."""
        # Not `anyio.current_time()`: trio's clock starts at a random offset in each `trio.run`,
        # and what is measured on it (a limiter's pause, its windows) outlives the event loop in
        # the per-process registry. Sleeps are relative, so `anyio.sleep` agrees with this.
        return time.monotonic()

    def time(self) -> float:
        """Unix time from the system clock."""
        return time.time()

    async def sleep(self, seconds: float) -> None:
        """Sleep on the event loop."""
        await anyio.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"
