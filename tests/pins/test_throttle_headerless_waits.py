"""What a server that sends no rate-limit headers makes the limiter tell its hooks (issue #16).

With no window to align to, the limiter keeps at most `per_minute` grants in any span of
`window_seconds` and counts the UTC day on the local clock. Each wait it imposes is reported as a
`ThrottleWait` whose `reason` and `delay` say why and for how long: what a user's hook or the
`FLICK_LOG=info` line shows while a job stands still.
"""

from __future__ import annotations

import math

import anyio
import httpx
import pytest

from flick_async import ThrottleWait
from flick_async._events import Event
from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock

MIDNIGHT = (math.floor(1_781_200_500.0 / 86_400) + 1) * 86_400
NO_HEADERS = httpx.Headers()


async def test_each_wait_says_its_reason_and_how_long(caplog: pytest.LogCaptureFixture) -> None:
    """2 a 10 s window, 4 a day, 30 s before midnight: the third request waits out the window
    ("minute", 10 s + the guard, a fiftieth: scheduling between a grant and its send), a
    headerless 429 with `Retry-After: 5` pauses the next ("paused", 5 s + margin; the 429 costs
    no day token), and with the day's four spent the next waits for local midnight ("day", to
    the second it is due, plus the margin)."""
    clock = FakeClock(start=MIDNIGHT - 30.0)
    events: list[Event] = []
    limiter = RateLimiter(
        clock=clock, per_minute=2, per_day=4, window_seconds=10, hooks=[events.append], wait_for_daily_reset=True
    )
    margin, guard = limiter._core.margin, limiter._core.guard

    async def call(status: int = 200, headers: httpx.Headers = NO_HEADERS) -> None:
        await limiter.acquire()
        now = clock.monotonic()
        limiter.observe(status_code=status, headers=headers, sent_at=now, received_at=now)

    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await call()
        await call()
        await call()  # the window holds two: waits until the first grant is a window old
        await call(429, httpx.Headers({"Retry-After": "5"}))  # a 429 the server did not count
        await call()  # paused for the Retry-After (and the window), then the day's fourth
        at = clock.time()
        await call()  # the day is spent: waits for midnight
        tg.cancel_scope.cancel()
    waits = [(event.reason, event.delay) for event in events if isinstance(event, ThrottleWait)]
    assert [reason for reason, _ in waits] == ["minute", "paused", "minute", "day"]
    assert waits[0][1] == pytest.approx(10.0 + guard)
    assert waits[1][1] == pytest.approx(5.0 + margin)
    # The refused request's grant stays in the span it was sent in: with no count from the
    # server, the limiter cannot tell that the 429 came from another client's use.
    assert waits[2][1] == pytest.approx(5.0 + guard - margin)
    assert waits[3][1] == pytest.approx(MIDNIGHT - at + margin, abs=1e-3)
    assert clock.time() >= MIDNIGHT
