"""The margin after each boundary: small against a server that counts on the clock it shows,
widened by the evidence of one that does not (issue #10).

A fixed fiftieth of the window cost every window that opens after a spent one 2% of it (20 ms of
a 1 s window, the larger part of the 1 s x 600 benchmark cells' 3-5% over T*). The margin now
starts at a two-hundredth and doubles, up to that fiftieth, with each sign that the server counts
otherwise than our pacing assumes: a 429 answered to one of our grants, or an answer counting
requests we did not send. The second is what a counter running behind the clock that writes
`Reset` shows (a store with a clock of its own): the first answers after a boundary report the
old window's count under the new window's `Reset`, so the window looks spent by others and is
waited out. Such a server never sees a 429 from us either way; what the margin decides is how
many windows go unused.
"""

from __future__ import annotations

import functools
import math

import anyio
import httpx
import pytest
from _throttle_fakes import START, FakeServer, LatencyTransport, bulk
from hypothesis import example, given, note, settings
from hypothesis import strategies as st

from flick_async import AsyncFlick, RateLimiter
from flick_async.testing import FakeClock, FlickServer


async def _run(
    *, limit: int, window: float, tasks: int, lag: float, windows: int = 12, margin: float | None = None
) -> tuple[FakeServer, RateLimiter, float]:
    """`windows` windows' worth + 1 requests from 0.3 of a window in; the server, the limiter and
    the seconds from the first request's arrival to the last one's."""
    start = START + 0.3 * window
    clock = FakeClock(start=start)
    server = FakeServer(clock, limit=limit, window=window, daily=10**9, server_time=start, counter_lag=lag)
    limiter = RateLimiter(clock=clock, safety_margin=margin)
    await bulk(limiter, server, windows * limit + 1, tasks, latency=0.001)
    return server, limiter, server.log[-1][0] - server.log[0][0]


@pytest.mark.parametrize("tasks", [1, 32])
async def test_a_server_that_counts_on_the_clock_it_shows_keeps_the_first_margin(tasks: int) -> None:
    """And it is the faster for it: each of the eleven openings comes 15 ms sooner than at a fiftieth."""
    server, limiter, elapsed = await _run(limit=60, window=1.0, tasks=tasks, lag=0.0)
    _, _, at_a_fiftieth = await _run(limit=60, window=1.0, tasks=tasks, lag=0.0, margin=0.02)
    assert server.count(429) == 0
    assert max(server.accepted_per_window().values()) <= 60
    assert (limiter._core.margin, limiter._core.guard) == pytest.approx((0.005, 0.02))
    assert elapsed == pytest.approx(at_a_fiftieth - 0.015, abs=2e-3)


async def test_a_counter_behind_the_headers_clock_widens_the_margin_until_it_is_waited_out() -> None:
    """The counter runs 12 ms behind: at 5 ms after the boundary `Reset` shows, the answers still
    count the old window's 60 (the window looks spent by another client and is waited out). Such
    a window widens the margin (to 10 ms, which with the bracket's last millisecond or two of
    doubt waits the 12 ms out); from then on every window is used."""
    server, limiter, elapsed = await _run(limit=60, window=1.0, tasks=1, lag=0.012)
    assert server.count(429) == 0
    assert 0.005 < limiter._core.margin <= 0.02
    accepted = server.accepted_per_window()
    assert max(accepted.values()) <= 60
    first, last = min(accepted), max(accepted)
    starved = [i for i in range(first + 1, last) if accepted[i] < 30]  # waited out as spent by others
    assert len(starved) <= 1, [accepted[i] for i in range(first, last + 1)]
    assert elapsed < 12.8


async def test_a_configured_margin_is_kept_whatever_the_server_shows() -> None:
    server, limiter, _ = await _run(limit=60, window=1.0, tasks=4, lag=0.012, windows=4, margin=0.001)
    server.other_client(5)
    await bulk(limiter, server, 61, 4, latency=0.001)
    assert limiter._core.margin == limiter._core.guard == 0.001


async def test_a_refusal_answered_to_our_grant_widens_the_margin() -> None:
    """Another client spends the window under us: our grant is refused, and the margin doubles."""
    clock = FakeClock(start=START + 0.3)
    server = FakeServer(clock, limit=10, window=1.0, daily=10**9, server_time=START + 0.3)
    limiter = RateLimiter(clock=clock)
    await bulk(limiter, server, 1, 1, latency=0.001)
    server.counts[math.floor(server.now())] = 10  # spent by someone else, unseen by us
    await bulk(limiter, server, 1, 1, latency=0.001)
    assert server.count(429) == 1
    # One doubling: the refusal's `Remaining: 0` (requests we did not send) is the same sign.
    assert limiter._core.margin_doublings == 1


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    window=st.sampled_from([1.0, 2.0, 5.0, 30.0]),
    limit=st.integers(2, 300),
    tasks=st.sampled_from([1, 4, 32, 128]),
    lag_share=st.floats(0.0, 0.05),
)
# A counter 31 ms behind 1 s windows, past the margin's ceiling (20 ms): a sounding late in a window
# (just above the wall clock's reading, sent whenever the window's length was unproven) shared a
# counted window with the next one's first burst, and a 429 lost every other window (13.7 s, not 8.7).
@example(window=1.0, limit=30, tasks=4, lag_share=0.03125)
def test_a_learned_margin_costs_at_most_two_windows_more_than_a_fixed_fiftieth(
    window: float, limit: int, tasks: int, lag_share: float
) -> None:
    """Random limits, windows, tasks and counter lags (up to 2.5 times the fiftieth). Against the old
    fixed fiftieth: refusals in at most two more windows (a refusal is one way a lag shows itself,
    and each widens the margin), and the run at most two windows longer (what widening costs);
    never more than the limit accepted in a window, and the margin never past its ceiling."""
    fiftieth = min(0.25, window / 50)
    lag = lag_share * min(window, 12.5)
    note(f"lag {lag}")

    async def both() -> tuple[tuple[FakeServer, RateLimiter, float], tuple[FakeServer, RateLimiter, float]]:
        learned = await _run(limit=limit, window=window, tasks=tasks, lag=lag, windows=8)
        return learned, await _run(limit=limit, window=window, tasks=tasks, lag=lag, windows=8, margin=fiftieth)

    (server, limiter, elapsed), (fixed_server, _, fixed) = anyio.run(both)
    note(f"elapsed {elapsed} (fixed fiftieth: {fixed}); margin {limiter._core.margin}")
    for ran in (server, fixed_server):
        assert max(ran.accepted_per_window().values()) <= limit
    assert len(_refused_windows(server)) <= len(_refused_windows(fixed_server)) + 2
    assert limiter._core.margin <= fiftieth + 1e-12
    assert elapsed <= fixed + 2 * window + 1e-6


def _refused_windows(server: FakeServer) -> set[int]:
    return {math.floor(t / server.window) for t, status in server.log if status == 429}


@pytest.mark.parametrize("lag", [0.0, 0.012])
async def test_the_default_client_against_the_local_servers_lagging_counter(lag: float) -> None:
    """The same through `AsyncFlick` and `FlickServer(counter_lag=...)` (a public testing knob):
    twelve 1 s windows' worth + 1 from one task, nothing configured. No 429; no window between the
    first and the last left mostly unused, but the one that showed the lag; the run within
    a window of T*. (With the margin left at a two-hundredth, every other window from the first
    that showed the lag went unused.)"""
    limit, window = 60, 1.0
    clock = FakeClock(start=START + 0.3)
    server = FlickServer(clock=clock, window_seconds=window, rate_limit=limit, daily_limit=10**9, demo=False)
    server.limiter.counter_lag = lag
    key = server.add_account().api_key
    assert key is not None
    http = httpx.AsyncClient(transport=LatencyTransport(server.transport(), clock, 0.001))
    flick = AsyncFlick(key, base_url=server.base_url, http_client=http, clock=clock)

    async def job() -> None:
        for _ in range(12 * limit + 1):
            await flick.me()

    begun = clock.time()
    await clock.run(job)
    elapsed = clock.time() - begun
    await flick.aclose()
    await http.aclose()
    entries = server.request_log.for_key(key)
    assert not [e for e in entries if e.status == 429]
    counted = [math.floor((e.time - lag) / window) for e in entries]  # the counter's windows
    per_window = [counted.count(w) for w in range(min(counted), max(counted) + 1)]
    assert max(per_window) <= limit
    assert len([n for n in per_window[1:-1] if n < limit // 2]) <= (1 if lag else 0), per_window
    t_star = (1 - 0.3) + 11 * window
    assert elapsed <= t_star + (window if lag else 0) + 0.1, (elapsed, t_star)


@pytest.mark.parametrize("tasks", [1, 2, 8])
@pytest.mark.parametrize(("limit", "window"), [(20, 5.0), (4, 1.0), (15, 4.0), (40, 4.0)])
async def test_a_change_of_limits_is_no_sign_of_a_lagging_counter(limit: int, window: float, tasks: int) -> None:
    """The server changes its limits mid-window (`set_limits`), and its new window counts what the
    old one had: the first answer under the new limit counts requests our pacing charged to the old
    window. That is the change, not a counter behind the clock: the margin stays a two-hundredth.
    (Lowered to 4 a second, the 429 before the change shows is no such sign either; the 4 s
    windows are where the count carried over shows as requests of others.)"""
    clock = FakeClock(start=START + 0.3)
    server = FlickServer(clock=clock, window_seconds=2.0, rate_limit=10, daily_limit=10**9, demo=False)
    key = server.add_account().api_key
    assert key is not None
    limiter = RateLimiter(clock=clock)
    http = httpx.AsyncClient(transport=LatencyTransport(server.transport(), clock, 0.001))
    flick = AsyncFlick(key, base_url=server.base_url, http_client=http, clock=clock, throttle=limiter)

    async def calls(n: int) -> None:
        todo = iter(range(n))

        async def worker() -> None:
            for _ in todo:
                await flick.me()

        async with anyio.create_task_group() as tg:
            for _ in range(tasks):
                tg.start_soon(worker)

    await clock.run(functools.partial(calls, 25))  # the 2 s windows learned, the last one part-spent
    assert limiter._core.margin_doublings == 0
    server.set_limits(limit=limit, window_seconds=window)
    await clock.run(functools.partial(calls, 3 * limit))
    await flick.aclose()
    await http.aclose()
    # (A limit lowered below what was spent may cost a 429 before it is seen; that answer shows
    # the change too.)
    assert len([e for e in server.request_log.for_key(key) if e.status == 429]) <= tasks
    assert limiter._core.margin_doublings == 0


@pytest.mark.parametrize("phase", [0.0, 0.3])
@pytest.mark.parametrize("tasks", [1, 8])
async def test_a_lagging_counter_after_a_change_of_limits_still_widens_the_margin(phase: float, tasks: int) -> None:
    """10 per 2 s, then 20 per 1 s, from a counter 10 ms behind the clock that writes `Reset`: the
    margin's pause for the change ends a window's length after it. When it waited for the new
    length to be learned (which took until the new windows were sounded: the windows paced as
    the old 2 s and re-dated by each answer meanwhile), the margin never widened again: the
    first request after every boundary was refused, 39 s and 19 (one task) or 149 (eight) 429s
    for 20 windows' worth."""
    clock = FakeClock(start=START)
    server = FakeServer(clock, limit=10, window=2.0, daily=10**9, server_time=START + phase, counter_lag=0.01)
    limiter = RateLimiter(clock=clock)
    await bulk(limiter, server, 25, tasks, latency=0.001)
    server.set_limits(limit=20, window=1.0)
    refused, begun = server.count(429), server.now()
    await bulk(limiter, server, 20 * 20, tasks, latency=0.001)
    assert server.count(429) - refused <= 2 * tasks  # (the change's window, and the one after)
    assert server.now() - begun <= 20 + 2 * 1.0 + 0.1
