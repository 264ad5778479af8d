"""Where `RateLimiter` aims the soundings of the server's clock, and when it stops (issue #10).

A window's last token, held back, is sent as the server's clock passes a whole second, so that
its `Date` narrows the bracket on that clock. On the fake clock against `FakeServer`, whose clock
is `skew` seconds off our wall clock, 2 s windows of 60, nothing configured, 5 ms each way.
"""

from __future__ import annotations

import math

import pytest
from _throttle_fakes import START, FakeServer, bulk

from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock

LATENCY = 0.005
MARGIN = 2.0 / 50


async def run(*, skew: float, n: int, tasks: int) -> tuple[FakeServer, dict[int, list[float]]]:
    """`n` calls from 20.5 s into the server's minute (1.5 s before a 2 s window ends); the server
    and its accepted requests' places in their windows (in seconds), by window."""
    clock = FakeClock()
    clock.set_wall_time(START + 20.5)
    server = FakeServer(clock, server_time=clock.time() + skew, window=2.0)
    await bulk(RateLimiter(clock=clock), server, n, tasks, latency=LATENCY)
    assert server.count(429) == 0
    places: dict[int, list[float]] = {}
    for t, status in server.log:
        if status == 200:
            places.setdefault(math.floor(t / 2.0), []).append(t % 2.0)
    return server, dict(sorted(places.items()))


@pytest.mark.parametrize("skew", [0.0, 0.004, -0.004])
async def test_with_demand_a_wall_clock_that_agrees_places_the_windows_in_two_soundings(skew: float) -> None:
    """A job of five full windows at 16 tasks is not held back in its last one. (Before: the bracket
    left by the first `Date` was halved once per window from its middle, up to six windows, and the
    fifth window's last token still waited for the server's next whole second: 1.13 x T*.)"""
    _, places = await run(skew=skew, n=300, tasks=16)
    assert [len(p) for p in places.values()] == [60] * 5
    # Two windows to sound (their last token goes at the tick, 1 s in); then none is held.
    assert all(max(p) < 0.2 for p in list(places.values())[2:]), places
    t_star = 1.5 + 3 * 2.0  # the first window's 1.5 s, then three more until the fifth opens
    elapsed = max(max(p) + 2.0 * w for w, p in places.items()) - (math.floor(START / 2.0) * 2.0 + 20.5 + skew)
    assert elapsed / t_star <= 1.03


@pytest.mark.parametrize("skew", [0.07, -0.07, 0.3, -0.3])
@pytest.mark.parametrize("tasks", [16, 1])
async def test_a_server_clock_off_the_wall_clock_is_still_found_and_the_sounding_ends(skew: float, tasks: int) -> None:
    """The wall clock only picks where the first soundings look: off the server's by 70 or 300 ms,
    the aim moves to what splits the bracket, and after the halvings (seven windows at most, from
    the first `Date`'s second down to 20 ms) every window opens within the margin plus a round
    trip, and the soundings end. (Before: a sequential job 70 or 300 ms off
    aimed at the bracket's midpoint, which once it was within a round trip of tight moved the
    lower bound no further, and the drift allowance widened it again by the next window: every
    window's last request waited for a tick, 1 s in, run after run.)"""
    _, places = await run(skew=skew, n=600, tasks=tasks)
    assert [len(p) for p in places.values()] == [60] * 10
    settled = list(places.values())[8:]
    assert max(min(p) for p in settled) < MARGIN + 2 * LATENCY + 0.02, [round(min(p), 3) for p in settled]
    # Sixty calls take 0.6 s back to back, or 0.1 s at 16 tasks: none waits for a tick.
    assert max(max(p) for p in settled) < 0.8, [round(max(p), 3) for p in settled]
