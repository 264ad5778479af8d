"""What a refused or lost request costs at the edges of a window and of the UTC day (issue #16).

Each test drives one `RateLimiter` by hand on a `FakeClock` with the API's own headers (or none),
so the budget asserted is the exact one the promise implies.
"""

from __future__ import annotations

import email.utils
import math

import anyio
import httpx
import pytest
from _throttle_fakes import START, headers

from flick_async._errors import DailyQuotaExceededError, RateLimitError
from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock, wait_all_tasks_blocked

DAY = 86_400
MIDNIGHT = (math.floor(START / DAY) + 1) * DAY  # the next UTC midnight after START


def proxy_429(*, date: float, retry_after: int) -> httpx.Headers:
    """A 429 with no rate-limit headers at all (a proxy's or a burst limiter's refusal)."""
    return httpx.Headers(
        {"Date": email.utils.formatdate(math.floor(date), usegmt=True), "Retry-After": str(retry_after)}
    )


async def test_a_429_on_the_only_late_grant_answered_after_the_turn_leaves_the_new_window_whole() -> None:
    """A grant late in its window holds a token of the next one; refused after the turn, with nothing
    else granted there, the new window is back to its full limit (not one short)."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    first = headers(remaining=59, reset=START + 60, date=START + 59, remaining_day=4999)
    limiter.observe(status_code=200, headers=first, sent_at=t0, received_at=t0)
    t1 = clock.monotonic()
    await limiter.acquire()  # a second before the turn: it also holds a token of the next window
    clock.advance(2.5)
    assert limiter.estimate.minute_remaining == 59  # the held token is a grant of the new window
    refused = proxy_429(date=START + 61, retry_after=0)
    limiter.observe(status_code=429, headers=refused, sent_at=t1, received_at=t1 + 2.5)
    assert limiter.estimate.minute_remaining == 60


async def test_without_rate_limit_headers_a_429_returns_exactly_its_own_request_of_the_local_day() -> None:
    """No X-RateLimit-* headers, per_day=3: two answered, one refused (429), then exactly one more fits."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, per_day=3)
    for status in (200, 200, 429, 200):
        await limiter.acquire()
        now = clock.monotonic()
        answer = httpx.Headers({"Retry-After": "0"} if status == 429 else {})
        limiter.observe(status_code=status, headers=answer, sent_at=now, received_at=now)
        clock.advance(1.0)  # past the 429's pause (its margin)
    with pytest.raises(DailyQuotaExceededError):
        await limiter.acquire()


async def test_without_rate_limit_headers_the_spent_days_retry_after_is_the_time_left_under_a_second() -> None:
    """Headerless, the day spent half a second before the local UTC midnight: retry_after is 0.5 s, not rounded up."""
    clock = FakeClock(start=MIDNIGHT - 0.5)
    limiter = RateLimiter(clock=clock, per_day=1)
    await limiter.acquire()
    now = clock.monotonic()
    limiter.observe(status_code=200, headers=httpx.Headers(), sent_at=now, received_at=now)
    with pytest.raises(DailyQuotaExceededError) as caught:
        await limiter.acquire()
    assert caught.value.retry_after == pytest.approx(0.5)


async def test_a_request_of_yesterday_lost_after_midnight_is_not_returned_against_todays_count() -> None:
    """A grant made early in its day gets no answer until after UTC midnight: it counts as unanswered for
    yesterday only, so today's `Remaining-Day` lying high returns nothing (today's own grant stays spent)."""
    clock = FakeClock(start=MIDNIGHT - 30)
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    synced = headers(remaining=59, reset=MIDNIGHT, date=MIDNIGHT - 30, remaining_day=4999)
    limiter.observe(status_code=200, headers=synced, sent_at=t0, received_at=t0)
    lost = anyio.Event()

    async def lost_request() -> None:
        await limiter.acquire()  # early in the day and the window: charged to yesterday only
        await lost.wait()
        limiter.abandon()  # a timeout, after midnight

    async with anyio.create_task_group() as tg:
        tg.start_soon(lost_request)
        await wait_all_tasks_blocked()
        clock.advance(31.5)  # the next window and the next day
        assert limiter.estimate.day_remaining == 5000
        lost.set()
    t1 = clock.monotonic()
    await limiter.acquire()
    lying = headers(remaining=59, reset=MIDNIGHT + 60, date=MIDNIGHT + 1, remaining_day=5000)
    limiter.observe(status_code=200, headers=lying, sent_at=t1, received_at=t1)
    assert limiter.estimate.day_remaining == 4999


async def test_a_pause_longer_than_max_wait_says_how_long_the_limit_and_that_nothing_was_sent() -> None:
    """The RateLimitError for a pause past max_wait tells the caller the rest of the pause, their max_wait,
    and that the request was not sent (so it is safe to retry later)."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, max_wait=5.0)
    now = clock.monotonic()
    await limiter.acquire()
    refused = headers(remaining=0, reset=START + 60, date=START + 5, retry_after=3600)
    limiter.observe(status_code=429, headers=refused, sent_at=now, received_at=now)
    clock.advance(100.0)
    with pytest.raises(RateLimitError) as caught:
        await limiter.acquire()
    message = str(caught.value)
    assert "the key is paused after a 429 for another 3500." in message
    assert message.endswith("s, longer than max_wait=5s; nothing was sent")
    assert caught.value.retry_after == pytest.approx(3500 + limiter._core.margin)


async def test_timeouts_the_server_counted_are_not_returned_while_other_answers_are_still_to_come() -> None:
    """Three grants time out (the server had counted them), two more are still in flight: an answer whose
    count lacks only those two returns nothing (they are on their way, not lost), in the window or the day."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    now = clock.monotonic()
    await limiter.acquire()
    first = headers(remaining=59, reset=START + 60, date=START + 5, remaining_day=4999)
    limiter.observe(status_code=200, headers=first, sent_at=now, received_at=now)
    for _ in range(3):
        await limiter.acquire()
        limiter.abandon()  # a read timeout: the server counted it
    in_flight = anyio.Event()

    async def slow_request() -> None:
        await limiter.acquire()
        await in_flight.wait()

    async with anyio.create_task_group() as tg:
        for _ in range(2):
            tg.start_soon(slow_request)
        await wait_all_tasks_blocked()
        await limiter.acquire()
        # The server has the first request, the three timed out and this one: 5 of 60 (not the two on their way).
        counted = headers(remaining=55, reset=START + 60, date=START + 5, remaining_day=4995)
        limiter.observe(status_code=200, headers=counted, sent_at=now, received_at=now)
        estimate = limiter.estimate
        assert (estimate.minute_remaining, estimate.day_remaining) == (53, 4993)
        in_flight.set()


async def test_an_answer_without_a_limit_header_still_syncs_the_count() -> None:
    """A beta server that drops `X-RateLimit-Limit` (and `-Limit-Day`) mid-run: the known limits stay, and
    `Remaining` still lowers the estimate."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    now = clock.monotonic()
    await limiter.acquire()
    first = headers(remaining=59, reset=START + 60, date=START + 5, remaining_day=4999)
    limiter.observe(status_code=200, headers=first, sent_at=now, received_at=now)
    await limiter.acquire()
    bare = headers(remaining=40, reset=START + 60, date=START + 6, remaining_day=4980)
    del bare["X-RateLimit-Limit"]
    del bare["X-RateLimit-Limit-Day"]
    limiter.observe(status_code=200, headers=bare, sent_at=now, received_at=now)
    estimate = limiter.estimate
    assert (estimate.minute_remaining, estimate.day_remaining) == (40, 4980)


async def test_each_lost_grant_comes_back_at_most_once() -> None:
    """Three grants get no answer; the server's next count shows one of them never arrived: that one comes
    back. A later `Remaining` lying high can return only the two still unaccounted for, never more."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    now = clock.monotonic()
    await limiter.acquire()
    first = headers(remaining=59, reset=START + 60, date=START + 5, remaining_day=4999)
    limiter.observe(status_code=200, headers=first, sent_at=now, received_at=now)
    for _ in range(3):
        await limiter.acquire()
        limiter.abandon()
    await limiter.acquire()
    # The server has the first request, two of the three lost ones and this one: 4.
    counted = headers(remaining=56, reset=START + 60, date=START + 5, remaining_day=4996)
    limiter.observe(status_code=200, headers=counted, sent_at=now, received_at=now)
    assert limiter.estimate.minute_remaining == 56
    await limiter.acquire()
    lying = headers(remaining=59, reset=START + 60, date=START + 6, remaining_day=4999)
    limiter.observe(status_code=200, headers=lying, sent_at=now, received_at=now)
    assert limiter.estimate.minute_remaining == 57
