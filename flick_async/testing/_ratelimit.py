"""Per-key fixed-window rate limits: a short window (the "minute") and the UTC day.

Only accepted requests count. A request answered 429 — by the limiter or by an injected
burst — spends nothing, so a client that retries after `Retry-After` is never punished for
having been told to wait, and the number of accepted requests in any window never exceeds
the limit in force when each was accepted. Counting happens under one lock with no await
inside, so concurrent requests on one event loop or on several threads are counted exactly.

Limits can change at runtime (`set_limits`), for every key or for one account's keys, even
mid-window: a lower limit applies at once to what the current window already counted; a new
window length starts a window of the new length at once (aligned on Unix time like the
others) that keeps the count of the window it replaces, so that a change never lets more than
one limit's worth through one stretch of time.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

__all__ = ["Decision", "Limits", "RateLimiter"]

_DAY = 86_400


@dataclass(frozen=True)
class Limits:
    """The limits in force for a key: `limit` requests per `window_seconds`, `daily_limit` per UTC day."""

    limit: int
    window_seconds: float
    daily_limit: int


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


def _check(limit: int, window_seconds: float, daily_limit: int) -> None:
    if limit < 1 or daily_limit < 1 or not window_seconds > 0:
        raise ValueError("limits must be at least 1 and the window longer than 0 seconds")


class RateLimiter:
    """Fixed windows aligned on Unix time: `[k * window_seconds, (k + 1) * window_seconds)`.

    Args:
        limit: Requests accepted per short window (60 on the real API).
        window_seconds: Length of the short window (60 on the real API; tests use 2).
        daily_limit: Requests accepted per UTC day (5,000 on the real API).
        counter_lag: Seconds the counter runs behind the clock that writes the headers (a
            counter store with a clock of its own): a request is counted in the window of
            `now - counter_lag`, while `X-RateLimit-Reset` names the window of `now`. No answer
            shows it; right after each boundary `Reset` shows, answers still count the old
            window. Settable at any time (`server.limiter.counter_lag`).
    """

    def __init__(
        self, *, limit: int = 60, window_seconds: float = 60.0, daily_limit: int = 5000, counter_lag: float = 0.0
    ) -> None:
        _check(limit, window_seconds, daily_limit)
        self.counter_lag = counter_lag
        self._default = Limits(limit, window_seconds, daily_limit)
        self._accounts: dict[str, Limits] = {}
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, float, int]] = {}  # key id -> (window start, end, count)
        self._days: dict[str, tuple[int, int]] = {}  # key id -> (UTC day index, count)

    @property
    def limit(self) -> int:
        """The default short-window limit (keys of accounts without their own limits)."""
        return self._default.limit

    @limit.setter
    def limit(self, value: int) -> None:
        self.set_limits(limit=value)

    @property
    def window_seconds(self) -> float:
        """The default short window's length."""
        return self._default.window_seconds

    @window_seconds.setter
    def window_seconds(self, value: float) -> None:
        self.set_limits(window_seconds=value)

    @property
    def daily_limit(self) -> int:
        """The default daily limit."""
        return self._default.daily_limit

    @daily_limit.setter
    def daily_limit(self, value: int) -> None:
        self.set_limits(daily_limit=value)

    def limits(self, account_id: str | None = None) -> Limits:
        """The limits in force for `account_id`'s keys (the default when it has none of its own)."""
        with self._lock:
            return self._accounts.get(account_id, self._default) if account_id is not None else self._default

    def set_limits(
        self,
        *,
        limit: int | None = None,
        window_seconds: float | None = None,
        daily_limit: int | None = None,
        account_id: str | None = None,
    ) -> Limits:
        """Change the limits now (mid-window too); None keeps a value. Returns the limits now in force.

        Args:
            limit: Requests per short window.
            window_seconds: The short window's length.
            daily_limit: Requests per UTC day.
            account_id: Change only this account's keys (they keep the default's other values
                until given their own); None changes the default.
        """
        with self._lock:
            base = self._accounts.get(account_id, self._default) if account_id is not None else self._default
            new = Limits(
                base.limit if limit is None else limit,
                base.window_seconds if window_seconds is None else float(window_seconds),
                base.daily_limit if daily_limit is None else daily_limit,
            )
            _check(new.limit, new.window_seconds, new.daily_limit)
            if account_id is None:
                self._default = new
            else:
                self._accounts[account_id] = new
            return new

    def _counts(
        self, key_id: str | None, account_id: str | None, now: float
    ) -> tuple[Limits, tuple[float, float], int, int, int]:
        """(limits, (window start, end), used in it, UTC day index, used in it)."""
        limits = self._accounts.get(account_id, self._default) if account_id is not None else self._default
        length = limits.window_seconds
        start = math.floor(now / length) * length
        span = (start, start + length)
        day = math.floor(now / _DAY)
        used = used_day = 0
        if key_id is not None:
            stored = self._windows.get(key_id)
            if stored is not None:
                old_start, old_end, n = stored
                if (old_start, old_end) == span:
                    used = n
                elif old_start <= now < old_end:
                    # A window of another length still open: its count carries into the new one.
                    used = n
                    self._windows[key_id] = (span[0], span[1], n)
            d, m = self._days.get(key_id, (day, 0))
            used_day = m if d == day else 0
        return limits, span, used, day, used_day

    @property
    def counter_lag(self) -> float:
        """Seconds the counter runs behind the clock that writes the headers (see the class)."""
        return self._counter_lag

    @counter_lag.setter
    def counter_lag(self, seconds: float) -> None:
        # (Checked when set at runtime too: a NaN lag would count every request in no window.)
        if not 0 <= seconds < math.inf:
            raise ValueError(f"counter_lag must be a finite number of seconds, 0 or more, not {seconds!r}")
        self._counter_lag = float(seconds)

    def _decision(
        self,
        limits: Limits,
        span: tuple[float, float],
        used: int,
        used_day: int,
        *,
        shown: float,
        refused: str | None = None,
        retry_after: int | None = None,
    ) -> Decision:
        end = span[1]
        if self.counter_lag:
            # The counter lags: `Reset` names the window the headers' clock is in.
            length = limits.window_seconds
            end = (math.floor(shown / length) + 1) * length
        return Decision(
            allowed=refused is None,
            limit=limits.limit,
            remaining=max(0, limits.limit - used),
            reset=math.ceil(end),
            limit_day=limits.daily_limit,
            remaining_day=max(0, limits.daily_limit - used_day),
            window=refused,
            retry_after=retry_after,
        )

    def peek(self, key_id: str | None, now: float, *, account_id: str | None = None) -> Decision:
        """The headers for a response that spends nothing (auth failures, unknown routes)."""
        with self._lock:
            limits, span, used, _, used_day = self._counts(key_id, account_id, now - self.counter_lag)
            return self._decision(limits, span, used, used_day, shown=now)

    def hit(self, key_id: str, now: float, *, account_id: str | None = None) -> Decision:
        """Count one request if both windows have room; otherwise refuse it, counting nothing."""
        with self._lock:
            counted = now - self.counter_lag
            limits, span, used, day, used_day = self._counts(key_id, account_id, counted)
            if used_day >= limits.daily_limit:
                retry = math.ceil((day + 1) * _DAY - counted)
                return self._decision(limits, span, used, used_day, shown=now, refused="day", retry_after=retry)
            if used >= limits.limit:
                retry = max(1, math.ceil(span[1] - counted))
                return self._decision(limits, span, used, used_day, shown=now, refused="minute", retry_after=retry)
            self._windows[key_id] = (span[0], span[1], used + 1)
            self._days[key_id] = (day, used_day + 1)
            return self._decision(limits, span, used + 1, used_day + 1, shown=now)

    def refuse(
        self,
        key_id: str | None,
        now: float,
        *,
        retry_after: int,
        window: str = "minute",
        account_id: str | None = None,
    ) -> Decision:
        """A refusal that did not come from the counters (an injected 429 burst)."""
        with self._lock:
            limits, span, used, _, used_day = self._counts(key_id, account_id, now - self.counter_lag)
            return self._decision(limits, span, used, used_day, shown=now, refused=window, retry_after=retry_after)
