"""Sounding the window boundary (issue #16): where a sequential job's last token of a short window goes.

With no whole second left inside a window to sound, the limiter sends the window's last token at
the window's end as the local wall clock places it, or at the clock bracket's midpoint when the
wall clock disagrees with the bracket; once the wall clock agrees with the bracket's lower bound
there is nothing left to learn and nothing is held back. Driven by hand on a `FakeClock`, whose
wall clock reads `START` at monotonic 1000.
"""

from __future__ import annotations

import email.utils
import math

import anyio
import httpx
import pytest
from _throttle_fakes import LatencyTransport

from flick_async import AsyncFlick
from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock, FlickServer

START = 1_781_200_500.0  # FakeClock's wall time at its monotonic start (1000)


def answer(*, server_time: float, limit: int, reset: float | None = None) -> httpx.Headers:
    """The first answer of a key allowed `limit` a window, written at `server_time` a second before its window ends."""
    return httpx.Headers(
        {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(limit - 1),
            "X-RateLimit-Reset": str(math.floor(server_time) + 1 if reset is None else reset),
            "X-RateLimit-Limit-Day": "5000",
            "X-RateLimit-Remaining-Day": "4999",
            "Date": email.utils.formatdate(math.floor(server_time), usegmt=True),
        }
    )


async def second_grant_after(
    server_ahead: float, *, window: float = 1.0, limit: int = 2, reset: float | None = None
) -> float:
    """Seconds the second request of a sequential job waits, the server's clock `server_ahead` of the wall's."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, window_seconds=window)
    t0 = clock.monotonic()
    await limiter.acquire()
    limiter.observe(
        status_code=200,
        headers=answer(server_time=clock.time() + server_ahead, limit=limit, reset=reset),
        sent_at=t0,
        received_at=t0,
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await limiter.acquire()
        tg.cancel_scope.cancel()
    return clock.monotonic() - t0


async def test_a_wall_clock_off_the_bracket_sounds_the_boundary_at_the_brackets_midpoint() -> None:
    """Server 200.3 s ahead of the local wall clock: `Date` leaves a 1 s bracket, the wall clock lies outside
    it, so the window's last token goes at the window's end as the bracket's midpoint places it (0.5 s on)."""
    assert math.isclose(await second_grant_after(200.3), 0.5, abs_tol=1e-6)


async def test_a_fractional_reset_narrows_the_bracket_the_sounding_aims_in() -> None:
    """`Reset` half a second past `Date`'s second also bounds the server's clock (its window was still
    open): the bracket is that half second, and the boundary is sounded at its midpoint, 0.25 s on."""
    waited = await second_grant_after(200.3, reset=START + 200.5)
    assert math.isclose(waited, 0.25, abs_tol=1e-6)


async def test_in_long_windows_a_one_second_bracket_is_not_worth_holding_a_sequential_jobs_request() -> None:
    """In 200 s windows a 1 s bracket costs each window under 1% of it: the job's last token of the
    window goes at once, though the wall clock is off the bracket and the window ends within a second."""
    assert await second_grant_after(200.3, window=200.0) == 0.0


async def test_a_windows_only_token_is_never_held_for_a_sounding() -> None:
    """One request a window: a sequential job's next request is the new window's first, with nothing of
    that window used, so it goes at the refill (a second plus the 5 ms margin), not at a sounding."""
    assert math.isclose(await second_grant_after(200.3, limit=1), 1.005, abs_tol=1e-3)


async def test_a_wall_clock_on_the_brackets_lower_bound_holds_nothing_back() -> None:
    """Server and wall clock agree, on a whole second: the wall clock sits on the bracket's lower bound, so
    there is nothing to sound and the sequential job's next request goes at once."""
    assert await second_grant_after(0.0) == 0.0


def answer_of(*, limit: int, remaining: int, reset: float, server_time: float) -> httpx.Headers:
    """An answer with the API's rate-limit headers, written at `server_time`."""
    return httpx.Headers(
        {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(reset)),
            "X-RateLimit-Limit-Day": "5000",
            "X-RateLimit-Remaining-Day": "4990",
            "Date": email.utils.formatdate(math.floor(server_time), usegmt=True),
        }
    )


async def test_once_the_bracket_is_tight_the_last_token_goes_at_once_even_with_more_demand() -> None:
    """Two answers 10 ms apart on either side of a window's end place the server's clock to 10 ms (under
    the 20 ms that is tight enough): the next window's last token is no longer held back for a sounding,
    although an answer is still to come."""
    end = START + 60
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    before = answer_of(limit=3, remaining=2, reset=end, server_time=end - 0.005)
    limiter.observe(status_code=200, headers=before, sent_at=t0, received_at=t0)
    clock.advance(0.01)
    t1 = clock.monotonic()
    await limiter.acquire()
    after = answer_of(limit=3, remaining=2, reset=end + 60, server_time=end + 0.005)  # the window has turned
    limiter.observe(status_code=200, headers=after, sent_at=t1, received_at=t1)
    await limiter.acquire()  # not answered yet: more demand in sight
    assert limiter.estimate.minute_remaining == 1
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await limiter.acquire()  # the window's last token
        tg.cancel_scope.cancel()
    assert clock.monotonic() == t1


@pytest.mark.parametrize(
    ("bracket", "before_end", "waited"),
    [(0.4, 1.5, 0.5), (0.4, 0.9, 0.9), (0.4, 3.25, 0.25), (0.8, 2.0, 0.0), (0.8, 1.5, 0.5), (0.8, 1.25, 0.25)],
)
async def test_a_sequential_jobs_request_is_held_for_a_sounding_a_second_or_twice_the_bracket_at_most(
    bracket: float, before_end: float, waited: float
) -> None:
    """10 s windows, a bracket of 0.4 or 0.8 s (two answers either side of a window's end), the wall clock
    right: the window's last token waits for the first sounding in reach, the next whole second inside the
    window (its `Date` sounds the same doubt; asked for on one, it goes at once), else the window's end
    when that is at most a second or twice the bracket away, whichever is more. Before, a last token asked
    for further than that from the end went at once, unsounded: every later window then opened as late as
    the bracket let it (the 5 s x 2 one-task bench cell: 1.02-1.08 x T* by the phase)."""
    end = START  # a window's end; the server's clock and the local wall clock agree
    clock = FakeClock(start=end - bracket / 2)
    limiter = RateLimiter(clock=clock, window_seconds=10.0)
    t0 = clock.monotonic()
    await limiter.acquire()
    before = answer_of(limit=2, remaining=1, reset=end, server_time=clock.time())
    limiter.observe(status_code=200, headers=before, sent_at=t0, received_at=t0)
    clock.advance(bracket)
    t1 = clock.monotonic()
    await limiter.acquire()
    after = answer_of(limit=2, remaining=1, reset=end + 10, server_time=clock.time())  # the window has turned
    limiter.observe(status_code=200, headers=after, sent_at=t1, received_at=t1)
    assert limiter.estimate.minute_remaining == 1
    clock.advance(end + 10 - before_end - clock.time())
    t2 = clock.monotonic()
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await limiter.acquire()  # the window's last token
        tg.cancel_scope.cancel()
    assert math.isclose(clock.monotonic() - t2, waited, abs_tol=1e-6)


async def test_a_sequential_job_sounds_a_1s_windows_end_before_its_length_is_learned() -> None:
    """Nothing configured, 1 s windows of 600, one task: the first window's last token is held to its
    end (its bracket is half a second, 1% of the 60 s guess but half the window that the first
    `Reset` shows), so every later window opens within the margin (20 ms) and a round trip. Before,
    the 60 s guess made the bracket look not worth sounding, and the window's length was then not
    learned either (a step counts as one window only when its answer is placed within half of
    it): the second window opened 71 ms late, the third 51 ms."""
    clock = FakeClock(start=START + 0.03)
    server = FlickServer(clock=clock, rate_limit=600, window_seconds=1, daily_limit=10**9, demo=False)
    key = server.add_account().api_key
    assert key is not None
    transport = LatencyTransport(server.transport(), clock, 0.0004)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncFlick(key, base_url=server.base_url, http_client=http, clock=clock) as flick,
    ):

        async def job() -> None:
            for _ in range(1201):
                await flick.me()

        await clock.run(job)
    opened: dict[int, float] = {}
    for entry in server.request_log.for_key(key):
        second = math.floor(entry.time)
        opened[second] = min(opened.get(second, math.inf), entry.time - second)
    later = [opened[second] for second in sorted(opened)[1:]]
    assert len(later) == 2
    assert max(later) < 0.02 + 0.002, later
