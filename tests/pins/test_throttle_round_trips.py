"""Which round trips the limiter plans with: the slowest of the last 64 (issue #16).

A grant so close to its window's end that its request may reach the server after the turn holds a
token of the next window too. "Close" is measured with the slowest recent round trip, so one slow
answer (a cold connection, a stalled proxy) widens it, and 64 answers later no longer does.
"""

from __future__ import annotations

import math

import pytest
from _throttle_fakes import FakeServer
from hypothesis import given, settings
from hypothesis import strategies as st

from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock


async def exchange(limiter: RateLimiter, server: FakeServer, clock: FakeClock, rtt: float) -> None:
    """One request that takes `rtt` seconds there and back, the server counting it half-way."""
    await limiter.acquire()
    sent_at = clock.monotonic()
    clock.advance(rtt / 2)
    status, headers = server.hit()
    clock.advance(rtt / 2)
    limiter.observe(status_code=status, headers=headers, sent_at=sent_at, received_at=clock.monotonic())
    assert status == 200


@pytest.mark.parametrize(("fast_answers", "held"), [(63, 1), (64, 0)])
async def test_one_slow_round_trip_makes_grants_late_until_64_answers_came_after_it(
    fast_answers: int, held: int
) -> None:
    clock = FakeClock()
    server = FakeServer(clock, limit=1000)
    limiter = RateLimiter(clock=clock, safety_margin=0.5)
    await exchange(limiter, server, clock, rtt=5.0)
    for _ in range(fast_answers):
        await exchange(limiter, server, clock, rtt=0.02)
    window_end = (math.floor(server.now() / 60) + 1) * 60
    clock.advance(window_end - 3 - server.now())
    # 3 s before the turn: late only while the 5 s round trip is among the last 64.
    await limiter.acquire()
    clock.advance(4)  # past the turn, the answer still to come
    assert limiter.estimate.minute_remaining == 1000 - held


@settings(max_examples=40, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.01, 0.02, 0.5, 5.0]), min_size=1, max_size=200))
async def test_the_slowest_round_trip_is_the_slowest_of_the_last_64(rtts: list[float]) -> None:
    """Kept as answers come (read on every grant, never recomputed there): after any sequence it is
    the slowest of the last 64, including when the slowest one just left them."""
    clock = FakeClock()
    server = FakeServer(clock, limit=10_000)
    limiter = RateLimiter(clock=clock)
    for count, rtt in enumerate(rtts, 1):
        await exchange(limiter, server, clock, rtt=rtt)
        assert limiter._core.slowest_rtt == pytest.approx(max(rtts[max(0, count - 64) : count]))
