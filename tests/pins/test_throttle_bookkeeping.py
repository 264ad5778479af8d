"""What each grant leaves in the limiter's books, where a slip would cost a user time or quota (issue #16).

Each test drives one `RateLimiter` by hand on a `FakeClock` (its monotonic clock starts at 1,000 s,
so a wait measured from the wrong origin shows).
"""

from __future__ import annotations

import math

import anyio
import httpx
import pytest
from _throttle_fakes import START, answered_at_once, headers

from flick_async._errors import DailyQuotaExceededError
from flick_async._events import Event, ThrottleWait
from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock, wait_all_tasks_blocked

DAY = 86_400
MIDNIGHT = (math.floor(START / DAY) + 1) * DAY  # the next UTC midnight after START


async def test_a_spent_day_waited_out_is_told_as_the_time_to_the_servers_midnight() -> None:
    """With `wait_for_daily_reset=True` the `ThrottleWait` for the day says how long until the server's
    UTC midnight (plus the margin), and the request goes then, not later."""
    clock = FakeClock(start=MIDNIGHT - 100)
    events: list[Event] = []
    limiter = RateLimiter(clock=clock, wait_for_daily_reset=True, hooks=[events.append])
    now = clock.monotonic()
    await answered_at_once(
        limiter, clock, headers(remaining=59, reset=MIDNIGHT - 60, date=MIDNIGHT - 100, remaining_day=0)
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await limiter.acquire()
        tg.cancel_scope.cancel()
    waits = [event for event in events if isinstance(event, ThrottleWait)]
    assert [wait.reason for wait in waits] == ["day"]
    margin = limiter._core.margin
    assert 100 <= waits[0].delay <= 100 + margin + 1
    assert 100 <= clock.monotonic() - now <= 100 + margin + 1


async def test_an_abandon_after_the_answer_is_a_no_op_for_the_requests_still_in_flight() -> None:
    """A task whose request was answered, then failed (its body unreadable), abandons it: that must not
    count another task's request, still on its way, as answered."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    now = clock.monotonic()
    await answered_at_once(limiter, clock, headers(remaining=59, reset=START + 60, date=START + 5, remaining_day=4999))
    answered = anyio.Event()

    async def slow_request() -> None:
        await limiter.acquire()
        await answered.wait()

    async with anyio.create_task_group() as tg:
        tg.start_soon(slow_request)
        await wait_all_tasks_blocked()
        await limiter.acquire()
        later = headers(remaining=57, reset=START + 60, date=START + 5, remaining_day=4997)
        limiter.observe(status_code=200, headers=later, sent_at=now, received_at=now)
        limiter.abandon()
        assert limiter._core.in_flight == 1  # the slow request's answer is still to come
        assert limiter.estimate.minute_remaining == 57
        answered.set()


async def test_without_rate_limit_headers_the_local_day_starts_over_at_utc_midnight() -> None:
    clock = FakeClock(start=MIDNIGHT - 10)
    limiter = RateLimiter(clock=clock, per_day=2)
    await answered_at_once(limiter, clock, httpx.Headers())
    await answered_at_once(limiter, clock, httpx.Headers())
    with pytest.raises(DailyQuotaExceededError):
        await limiter.acquire()
    clock.advance(11)  # the next UTC day
    await answered_at_once(limiter, clock, httpx.Headers())
    await answered_at_once(limiter, clock, httpx.Headers())
    with pytest.raises(DailyQuotaExceededError):
        await limiter.acquire()


async def test_a_first_answer_that_is_a_429_costs_no_token_of_the_window_it_shows() -> None:
    """The server counts no 429: when the first answer is one (a burst limit, say), the window it shows
    has what the server says is left, not one less."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    refused = headers(remaining=59, reset=START + 60, date=START + 5, retry_after=1)
    await answered_at_once(limiter, clock, refused, status=429)
    assert limiter.estimate.minute_remaining == 59


async def test_a_wait_is_reported_once_per_reason_however_often_the_waiter_is_woken() -> None:
    """A 429's pause, then the spent window: two `ThrottleWait`s, one per reason. An answer that wakes
    the waiter to look again, with the same reason to wait, reports nothing new."""
    clock = FakeClock()
    events: list[Event] = []
    limiter = RateLimiter(clock=clock, hooks=[events.append])
    refused = headers(remaining=0, reset=START + 60, date=START + 5, retry_after=5)
    await answered_at_once(limiter, clock, refused, status=429)
    async with anyio.create_task_group() as tg:
        tg.start_soon(limiter.acquire)
        await wait_all_tasks_blocked()
        clock.advance(6)  # past the pause: now the window is what it waits for
        await wait_all_tasks_blocked()
        later = clock.monotonic()
        still_spent = headers(remaining=0, reset=START + 60, date=START + 11)
        limiter.observe(status_code=200, headers=still_spent, sent_at=later, received_at=later)  # wakes it
        await wait_all_tasks_blocked()
        clock.advance(60)
    waits = [(event.reason, round(event.delay, 2)) for event in events if isinstance(event, ThrottleWait)]
    margin = limiter._core.margin
    assert waits == [("paused", 5 + margin), ("minute", round(START + 60 - (START + 11) + margin, 2))]
