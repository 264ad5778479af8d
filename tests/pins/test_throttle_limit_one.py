"""The smallest limits a server can state, one request per window and one per day, are learned (issue #16).

A limit of 1 is the edge of "at least 1": a limiter that learned only limits above it would keep its
guess (60 a window, 5,000 a day) and, at the next window or day, send what the server refuses.
"""

from __future__ import annotations

import math

import pytest
from _throttle_fakes import FakeServer, bulk

from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock

DAY = 86_400


@pytest.mark.parametrize("window", [1.0, 10.0, 60.0])
async def test_one_request_per_window_is_learned_and_kept_in_every_window(window: float) -> None:
    clock = FakeClock()
    server = FakeServer(clock, limit=1, window=window)
    limiter = RateLimiter(clock=clock)  # nothing configured: the limit comes from the headers
    times = await bulk(limiter, server, n=10, tasks=3)
    assert len(times) == 10
    assert server.count(429) == 0
    assert max(server.accepted_per_window().values()) == 1
    # Once the window's length is learned too (a few answers), one lands in every window.
    last = [math.floor(t / window) for t in times[-4:]]
    assert last == list(range(last[0], last[0] + 4))


async def test_one_request_per_day_is_learned_and_each_new_day_grants_exactly_one() -> None:
    clock = FakeClock()
    server = FakeServer(clock, daily=1)
    limiter = RateLimiter(clock=clock, wait_for_daily_reset=True)
    times = await bulk(limiter, server, n=3, tasks=2)
    assert server.count(429) == 0
    assert [math.floor(t / DAY) for t in times] == [math.floor(times[0] / DAY) + i for i in range(3)]
