"""The limiter's token accounting, answer by answer (issue #16): what a 429, an unanswered request,
a lying `Remaining` and UTC midnight do to the budget a caller sees in `RateLimiter.estimate`.

Each test drives one `RateLimiter` by hand on a `FakeClock` with the API's own headers, so the
numbers asserted are the exact budget the promise implies, not a range.
"""

from __future__ import annotations

import datetime
import email.utils
import math

import anyio
import httpx
import pytest
from _throttle_fakes import START, headers

from flick_async._errors import DailyQuotaExceededError
from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock, wait_all_tasks_blocked

DAY = 86_400
MIDNIGHT = (math.floor(START / DAY) + 1) * DAY  # the next UTC midnight after START
# The default safety margin in 60 s windows: capped at a quarter second from the start.
MARGIN = 0.25


async def first_answer(limiter: RateLimiter, clock: FakeClock, *, date: float = START + 5) -> None:
    now = clock.monotonic()
    await limiter.acquire()
    limiter.observe(
        status_code=200,
        headers=headers(remaining=59, reset=START + 60, date=date, remaining_day=4999),
        sent_at=now,
        received_at=now,
    )


def proxy_429(*, date: float, retry_after: int) -> httpx.Headers:
    """A 429 with no rate-limit headers at all (a proxy's or a burst limiter's refusal)."""
    return httpx.Headers(
        {"Date": email.utils.formatdate(math.floor(date), usegmt=True), "Retry-After": str(retry_after)}
    )


@pytest.mark.parametrize("answer", ["with-headers", "bare"])
async def test_a_429_costs_no_token_of_the_window(answer: str) -> None:
    """The server counts no 429: after one (with the server's count or without), the estimate is as before."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    await first_answer(limiter, clock)
    now = clock.monotonic()
    for remaining in range(58, 49, -1):  # nine more, each answered honestly
        await limiter.acquire()
        limiter.observe(
            status_code=200,
            headers=headers(remaining=remaining, reset=START + 60, date=START + 5, remaining_day=4940 + remaining),
            sent_at=now,
            received_at=now,
        )
    assert (limiter.estimate.minute_remaining, limiter.estimate.day_remaining) == (50, 4990)
    await limiter.acquire()
    assert (limiter.estimate.minute_remaining, limiter.estimate.day_remaining) == (49, 4989)
    if answer == "bare":
        refused = proxy_429(date=START + 5, retry_after=1)
    else:
        refused = headers(remaining=50, reset=START + 60, date=START + 5, remaining_day=4990, retry_after=1)
    limiter.observe(status_code=429, headers=refused, sent_at=now, received_at=now)
    estimate = limiter.estimate
    assert (estimate.minute_remaining, estimate.day_remaining) == (50, 4990)
    assert estimate.paused_for == pytest.approx(1 + MARGIN)


async def test_a_bare_429_on_a_windows_first_request_leaves_the_window_whole() -> None:
    """The first grant of a fresh window, refused with a 429 that carries no count: the window keeps all 60."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    await first_answer(limiter, clock, date=START + 59)
    clock.advance(2.5)  # the next window (ends START + 120), nothing granted in it yet
    assert limiter.estimate.minute_remaining == 60
    t1 = clock.monotonic()
    await limiter.acquire()
    limiter.observe(status_code=429, headers=proxy_429(date=START + 61, retry_after=0), sent_at=t1, received_at=t1)
    assert limiter.estimate.minute_remaining == 60


async def test_a_bare_429_on_the_days_first_request_leaves_the_day_whole() -> None:
    """Just after UTC midnight, the new day's first grant refused with a count-less 429: the day keeps all 5000."""
    clock = FakeClock(start=MIDNIGHT - 30)
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    limiter.observe(
        status_code=200,
        headers=headers(remaining=59, reset=MIDNIGHT, date=MIDNIGHT - 30, remaining_day=10),
        sent_at=t0,
        received_at=t0,
    )
    clock.advance(31.5)  # a new window and a new day, nothing granted in either
    assert limiter.estimate.day_remaining == 5000
    t1 = clock.monotonic()
    await limiter.acquire()
    assert limiter.estimate.day_remaining == 4999
    limiter.observe(status_code=429, headers=proxy_429(date=MIDNIGHT + 2, retry_after=0), sent_at=t1, received_at=t1)
    assert limiter.estimate.day_remaining == 5000


async def test_each_late_grant_holds_its_own_token_of_the_next_window() -> None:
    """Two grants in flight across the turn; one is refused: the next window still holds the other's token."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    await first_answer(limiter, clock, date=START + 59)
    t0 = clock.monotonic()
    refused = anyio.Event()

    async def other_task() -> None:
        await limiter.acquire()  # late, and never answered within this test
        await refused.wait()

    async with anyio.create_task_group() as tg:
        tg.start_soon(other_task)
        await wait_all_tasks_blocked()
        await limiter.acquire()  # late too
        limiter.observe(status_code=429, headers=proxy_429(date=START + 59, retry_after=1), sent_at=t0, received_at=t0)
        refused.set()
    clock.advance(2.5)
    assert limiter.estimate.minute_remaining == 59


async def test_a_slow_429_for_a_grant_of_the_old_window_gives_the_new_window_nothing() -> None:
    """A grant made early in its window (and day) is refused only after the turn at UTC midnight:
    neither the new window's count nor the new day's is touched."""
    clock = FakeClock(start=MIDNIGHT - 30)
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    synced = headers(remaining=59, reset=MIDNIGHT, date=MIDNIGHT - 30, remaining_day=4999)
    limiter.observe(status_code=200, headers=synced, sent_at=t0, received_at=t0)
    answered = anyio.Event()

    async def slow_request() -> None:
        await limiter.acquire()  # early in the window: it holds nothing of the next one
        await answered.wait()
        refused = proxy_429(date=MIDNIGHT + 2, retry_after=0)
        limiter.observe(status_code=429, headers=refused, sent_at=t0, received_at=clock.monotonic())

    async with anyio.create_task_group() as tg:
        tg.start_soon(slow_request)
        await wait_all_tasks_blocked()
        clock.advance(31.5)  # the next window, and the next day
        for _ in range(2):
            await limiter.acquire()
        assert (limiter.estimate.minute_remaining, limiter.estimate.day_remaining) == (58, 4998)
        answered.set()
    assert (limiter.estimate.minute_remaining, limiter.estimate.day_remaining) == (58, 4998)


async def test_the_estimate_counts_down_to_each_refill_to_the_last_fraction_of_a_second() -> None:
    """minute_resets_in and day_resets_in shrink to the refill itself, not to a rounded second."""
    clock = FakeClock(start=MIDNIGHT - 1.5)
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    last = headers(remaining=59, reset=MIDNIGHT, date=MIDNIGHT - 1.5, remaining_day=4999)
    limiter.observe(status_code=200, headers=last, sent_at=t0, received_at=t0)
    margin = limiter._core.margin
    clock.advance(1.8)  # the `Date` said MIDNIGHT - 2 (whole seconds): the refill is 2 s + margin after it
    estimate = limiter.estimate
    assert estimate.minute_resets_in == pytest.approx(0.2 + margin, abs=1e-3)  # (+ the drift allowance)
    assert estimate.day_resets_in == pytest.approx(0.2 + margin, abs=1e-3)


async def test_a_429_on_a_grant_late_in_its_window_costs_the_next_window_nothing() -> None:
    """A grant in a window's last moments holds a token of the next window too; its 429 frees both."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    await first_answer(limiter, clock, date=START + 59)  # one second before the turn
    t0 = clock.monotonic()
    await limiter.acquire()  # late: the server might count it in the next window
    limiter.observe(status_code=429, headers=proxy_429(date=START + 59, retry_after=1), sent_at=t0, received_at=t0)
    clock.advance(2.5)  # past the turn and the pause
    estimate = limiter.estimate
    assert estimate.paused_for == 0.0
    assert estimate.minute_remaining == 60


async def test_a_429_answered_after_the_turn_gives_its_held_token_back_to_the_new_window() -> None:
    """The late grant's 429 arrives once the next window has begun: that window gets its token back."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    await first_answer(limiter, clock, date=START + 59)
    t0 = clock.monotonic()
    await limiter.acquire()
    clock.advance(2.5)
    assert limiter.estimate.minute_remaining == 59  # the held token became a grant of this window
    async with anyio.create_task_group() as tg:
        tg.start_soon(limiter.acquire)  # another task's grant of the new window: it stays spent
    t1 = clock.monotonic()
    limiter.observe(status_code=429, headers=proxy_429(date=START + 61, retry_after=0), sent_at=t0, received_at=t1)
    assert limiter.estimate.minute_remaining == 59


async def test_unanswered_grants_come_back_only_when_the_server_shows_it_never_had_them() -> None:
    """Three requests lost before reaching the server: the next answer's count returns exactly those three."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    await first_answer(limiter, clock)
    for _ in range(3):
        await limiter.acquire()
        limiter.abandon()  # a connection error: no answer, the server may have counted it
    assert limiter.estimate.minute_remaining == 56  # abandoned tokens stay spent until shown otherwise
    assert limiter.estimate.day_remaining == 4996
    now = clock.monotonic()
    await limiter.acquire()
    # The server counted only the first request and this one.
    honest = headers(remaining=58, reset=START + 60, date=START + 5, remaining_day=4998)
    limiter.observe(status_code=200, headers=honest, sent_at=now, received_at=now)
    estimate = limiter.estimate
    assert (estimate.minute_remaining, estimate.day_remaining) == (58, 4998)


async def test_a_remaining_that_lies_high_returns_no_more_than_went_unanswered() -> None:
    """`Remaining` says the window is untouched: only the one abandoned grant comes back, nothing more."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    await first_answer(limiter, clock)
    now = clock.monotonic()
    for remaining in range(58, 54, -1):
        await limiter.acquire()
        limiter.observe(
            status_code=200,
            headers=headers(remaining=remaining, reset=START + 60, date=START + 5, remaining_day=4940 + remaining),
            sent_at=now,
            received_at=now,
        )
    await limiter.acquire()
    limiter.abandon()
    assert limiter.estimate.minute_remaining == 54
    await limiter.acquire()
    lie = headers(remaining=60, reset=START + 60, date=START + 5, remaining_day=5000)
    limiter.observe(status_code=200, headers=lie, sent_at=now, received_at=now)
    estimate = limiter.estimate
    assert estimate.minute_remaining == 54  # 7 granted, 1 forgiven: 6 spent whatever the header says
    assert estimate.day_remaining == 5000 - 6


async def test_without_an_abandoned_grant_a_high_remaining_loosens_nothing() -> None:
    """Answers that overstate what is left (a stale cache) never raise the estimate, in any window."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    await first_answer(limiter, clock, date=START + 58)
    t0 = clock.monotonic()
    clock.advance(3)  # into the next window (ends START + 120)
    t1 = clock.monotonic()
    limiter.observe(
        status_code=200, headers=headers(remaining=60, reset=START + 120, date=START + 61), sent_at=t1, received_at=t1
    )
    for remaining in range(59, 54, -1):
        await limiter.acquire()
        limiter.observe(
            status_code=200,
            headers=headers(remaining=remaining, reset=START + 120, date=START + 61),
            sent_at=t1,
            received_at=t1,
        )
    assert limiter.estimate.minute_remaining == 55
    stale = headers(remaining=58, reset=START + 120, date=START + 61)
    limiter.observe(status_code=200, headers=stale, sent_at=t0, received_at=t1)
    assert limiter.estimate.minute_remaining == 55


async def test_the_probe_that_got_no_answer_lets_the_next_request_probe_at_once() -> None:
    """Before any answer: an abandoned probe frees the next one at once; an unanswered one after a quarter window."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, window_seconds=8.0)
    t0 = clock.monotonic()
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await limiter.acquire()
        limiter.abandon()  # connection refused: the server never saw it
        await limiter.acquire()
        assert clock.monotonic() == t0
        await limiter.acquire()  # the second probe is still out (no answer, not abandoned)
        assert clock.monotonic() - t0 == pytest.approx(2.0)  # a quarter of the 8 s window
        tg.cancel_scope.cancel()


async def test_an_unanswered_probe_is_given_up_after_ten_seconds_at_most() -> None:
    """In 60 s windows a lost probe holds the others back 10 s (not a quarter window, 15 s)."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await limiter.acquire()
        await limiter.acquire()
        assert clock.monotonic() - t0 == pytest.approx(10.0)
        tg.cancel_scope.cancel()


async def test_the_spent_day_says_when_it_resets_and_how_long_that_is() -> None:
    """DailyQuotaExceededError: resets_at is the server's UTC midnight, retry_after the wait until then (+ margin)."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    now = clock.monotonic()
    await limiter.acquire()
    spent = headers(remaining=59, reset=START + 60, date=START + 5, remaining_day=0)
    limiter.observe(status_code=200, headers=spent, sent_at=now, received_at=now)
    estimate = limiter.estimate
    assert estimate.synced is True
    assert estimate.day_remaining == 0
    assert estimate.day_resets_in == pytest.approx(MIDNIGHT - (START + 5) + MARGIN)
    with pytest.raises(DailyQuotaExceededError) as caught:
        await limiter.acquire()
    error = caught.value
    assert error.resets_at == datetime.datetime.fromtimestamp(MIDNIGHT, datetime.UTC)
    assert error.retry_after == pytest.approx(MIDNIGHT - (START + 5) + MARGIN)
    assert "5000" in str(error)
    clock.advance(MIDNIGHT - (START + 5) - 0.2)  # a fifth of a second before midnight
    with pytest.raises(DailyQuotaExceededError) as caught:
        await limiter.acquire()
    # The bound on the server's clock has widened by 20 ppm of the time since the answer (drift).
    drift = 2e-5 * (MIDNIGHT - (START + 5))
    assert caught.value.retry_after == pytest.approx(0.2 + MARGIN + drift, abs=0.01)


async def test_without_rate_limit_headers_the_day_is_counted_locally_and_a_429_costs_none_of_it() -> None:
    """A server that sends no X-RateLimit-* headers: per_day is kept on the local UTC day; 429s don't count."""
    clock = FakeClock(start=MIDNIGHT - 100)
    limiter = RateLimiter(clock=clock, per_day=3)
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        for status in (429, 200, 200, 200):  # even the probe's 429 costs nothing
            await limiter.acquire()
            now = clock.monotonic()
            answer = httpx.Headers({"Retry-After": "0"} if status == 429 else {})
            limiter.observe(status_code=status, headers=answer, sent_at=now, received_at=now)
        tg.cancel_scope.cancel()
    assert limiter.estimate.synced is False
    with pytest.raises(DailyQuotaExceededError) as caught:
        await limiter.acquire()
    assert caught.value.resets_at == datetime.datetime.fromtimestamp(MIDNIGHT, datetime.UTC)
    assert caught.value.retry_after == pytest.approx(MIDNIGHT - clock.time())
    clock.advance(101)  # the local UTC day turned: a fresh quota
    await limiter.acquire()


async def test_without_rate_limit_headers_waiting_for_the_daily_reset_sleeps_until_midnight() -> None:
    """wait_for_daily_reset with no headers: the next request goes at the local UTC midnight (+ margin)."""
    clock = FakeClock(start=MIDNIGHT - 100)
    limiter = RateLimiter(clock=clock, per_day=2, wait_for_daily_reset=True)
    now = clock.monotonic()
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        for _ in range(3):
            await limiter.acquire()
            limiter.observe(status_code=200, headers=httpx.Headers(), sent_at=now, received_at=now)
        tg.cancel_scope.cancel()
    assert clock.time() == pytest.approx(MIDNIGHT + MARGIN)


async def test_the_estimate_before_any_answer_knows_only_the_pause_and_the_queue() -> None:
    """Unsynced: no bucket figures; a 429 without headers pauses a whole window; queued tasks are counted."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    now = clock.monotonic()
    await limiter.acquire()
    limiter.observe(status_code=429, headers=httpx.Headers(), sent_at=now, received_at=now)
    async with anyio.create_task_group() as tg:
        tg.start_soon(limiter.acquire)
        tg.start_soon(limiter.acquire)
        await wait_all_tasks_blocked()
        estimate = limiter.estimate
        tg.cancel_scope.cancel()
    assert estimate.synced is False
    assert (estimate.minute_remaining, estimate.minute_resets_in) == (None, None)
    assert (estimate.day_remaining, estimate.day_resets_in) == (None, None)
    assert estimate.paused_for == pytest.approx(60 + MARGIN)  # no Retry-After: the starting guess of a window
    assert estimate.waiting == 2


async def test_a_request_in_flight_across_utc_midnight_is_charged_to_the_new_day_until_answered() -> None:
    """Grants in the day's last moments may be counted in the next day: the new day starts with them spent."""
    clock = FakeClock(start=MIDNIGHT - 1.5)
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    last_minute = headers(remaining=59, reset=MIDNIGHT, date=MIDNIGHT - 1.5, remaining_day=4999)
    limiter.observe(status_code=200, headers=last_minute, sent_at=t0, received_at=t0)
    clock.advance(0.97)  # the server's clock may now be within its margin (0.06 s) of midnight
    for _ in range(3):
        await limiter.acquire()  # in flight across midnight
    assert limiter.estimate.day_remaining == 4999 - 3
    clock.advance(1.6)
    after = limiter.estimate
    assert after.day_remaining == 5000 - 3
    assert after.day_resets_in is not None
    assert after.day_resets_in == pytest.approx(DAY - 1 + MARGIN, abs=0.5)
