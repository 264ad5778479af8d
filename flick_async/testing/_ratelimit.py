"""Per-key fixed-window rate limits: a short window (the "minute") and the UTC day.

Only accepted requests count. A request answered 429 — by the limiter or by an injected
burst — spends nothing, so a client that retries after `Retry-After` is never punished for
having been told to wait, and the number of accepted requests in any window never exceeds
the limit. Counting happens under one lock with no await inside, so concurrent requests on
one event loop or on several threads are counted exactly.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

__all__ = ["Decision", "RateLimiter"]

_DAY = 86_400


@dataclass(frozen=True)
class Decision:
    """What the limiter said about one request, and the headers that go with it."""

    allowed: bool
    limit: int
    remaining: int
    reset: int
    limit_day: int
    remaining_day: int
    window: str | None = None  # "minute" or "day" when refused
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Limit-Day": str(self.limit_day),
            "X-RateLimit-Remaining-Day": str(self.remaining_day),
        }
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return headers

    def message(self) -> str:
        seconds = self.retry_after or 0
        unit = "second" if seconds == 1 else "seconds"
        return f"Rate limit exceeded for the {self.window} window. Retry after {seconds} {unit}."


class RateLimiter:
    """Fixed windows aligned on Unix time: `[k * window_seconds, (k + 1) * window_seconds)`.

    Args:
        limit: Requests accepted per short window (60 on the real API).
        window_seconds: Length of the short window (60 on the real API; tests use 2).
        daily_limit: Requests accepted per UTC day (5,000 on the real API).
    """

    def __init__(self, *, limit: int = 60, window_seconds: float = 60.0, daily_limit: int = 5000) -> None:
        if limit < 1 or daily_limit < 1 or window_seconds <= 0:
            raise ValueError("limits must be at least 1 and the window longer than 0 seconds")
        self.limit = limit
        self.window_seconds = window_seconds
        self.daily_limit = daily_limit
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # key id -> (window index, count)
        self._days: dict[str, tuple[int, int]] = {}  # key id -> (UTC day index, count)

    def _counts(self, key_id: str | None, now: float) -> tuple[int, int, int, int]:
        """(window index, used in it, UTC day index, used in it)."""
        window = math.floor(now / self.window_seconds)
        day = math.floor(now / _DAY)
        used = used_day = 0
        if key_id is not None:
            w, n = self._windows.get(key_id, (window, 0))
            used = n if w == window else 0
            d, m = self._days.get(key_id, (day, 0))
            used_day = m if d == day else 0
        return window, used, day, used_day

    def _decision(
        self, counts: tuple[int, int, int, int], *, refused: str | None = None, retry_after: int | None = None
    ) -> Decision:
        window, used, _, used_day = counts
        return Decision(
            allowed=refused is None,
            limit=self.limit,
            remaining=max(0, self.limit - used),
            reset=math.ceil((window + 1) * self.window_seconds),
            limit_day=self.daily_limit,
            remaining_day=max(0, self.daily_limit - used_day),
            window=refused,
            retry_after=retry_after,
        )

    def peek(self, key_id: str | None, now: float) -> Decision:
        """The headers for a response that spends nothing (auth failures, unknown routes)."""
        with self._lock:
            return self._decision(self._counts(key_id, now))

    def hit(self, key_id: str, now: float) -> Decision:
        """Count one request if both windows have room; otherwise refuse it, counting nothing."""
        with self._lock:
            counts = window, used, day, used_day = self._counts(key_id, now)
            if used_day >= self.daily_limit:
                return self._decision(counts, refused="day", retry_after=math.ceil((day + 1) * _DAY - now))
            if used >= self.limit:
                retry = max(1, math.ceil((window + 1) * self.window_seconds - now))
                return self._decision(counts, refused="minute", retry_after=retry)
            self._windows[key_id] = (window, used + 1)
            self._days[key_id] = (day, used_day + 1)
            return self._decision((window, used + 1, day, used_day + 1))

    def refuse(self, key_id: str | None, now: float, *, retry_after: int, window: str = "minute") -> Decision:
        """A refusal that did not come from the counters (an injected 429 burst)."""
        with self._lock:
            return self._decision(self._counts(key_id, now), refused=window, retry_after=retry_after)
