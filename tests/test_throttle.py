"""The in-process rate limiter against a fake server with the API's fixed windows, in fake time."""

from __future__ import annotations

import datetime
import math
import random
import time
import uuid

import anyio
import httpx
import pytest
from _throttle_fakes import START, FakeServer, bulk, call, headers

from flick_async import AsyncFlick
from flick_async._errors import APIConnectionError, DailyQuotaExceededError, RateLimitError
from flick_async._events import Event, ThrottleWait
from flick_async._throttle import NoThrottle, RateLimiter, key_digest
from flick_async.testing import wait_all_tasks_blocked
from flick_async.testing._clock import FakeClock


async def test_bulk_run_fills_each_server_window_without_a_429() -> None:
    """300 requests from 16 tasks: every server window gets exactly 60, none gets more, no 429."""
    clock = FakeClock()
    server = FakeServer(clock)
    limiter = RateLimiter(clock=clock)
    await bulk(limiter, server, 300, 16)
    assert server.count(429) == 0
    per_window = server.accepted_per_window()
    assert sorted(per_window.values()) == [60, 60, 60, 60, 60]


async def test_refill_follows_the_servers_reset_within_the_margin() -> None:
    """After the first turn, each window's first request reaches the server within margin + latency of its reset."""
    clock = FakeClock()
    server = FakeServer(clock, server_time=START + 41.7)
    limiter = RateLimiter(clock=clock, safety_margin=0.1)
    await bulk(limiter, server, 240, 8)
    firsts = sorted({math.floor(t / 60): t for t, _ in reversed(server.log)}.values())
    # The first window starts mid-way; later ones start when the server's window does.
    lags = [t - math.floor(t / 60) * 60 for t in firsts[1:]]
    assert len(lags) == 3
    # margin + one-way latency + what the clock bounds still allow (a round trip, drift)
    assert all(0.1 + 0.02 <= lag < 0.1 + 0.02 + 0.04 + 0.01 for lag in lags)
    assert server.count(429) == 0


@pytest.mark.parametrize("into_second", [0.05, 0.5, 0.95], ids=["early", "mid", "late"])
async def test_soundings_close_the_clock_bracket_and_pull_each_window_start_in(into_second: float) -> None:
    """However far into its second the first answer came, within 7 windows each window opens within 10 ms of margin."""
    clock = FakeClock()
    margin, latency = 0.1, 0.002
    server = FakeServer(clock, window=2.0, server_time=START + 20 + into_second)
    limiter = RateLimiter(clock=clock, window_seconds=2.0, safety_margin=margin)
    await bulk(limiter, server, 600, 32, latency=latency)
    assert server.count(429) == 0
    # The held-back token always lands in its own window: every window still gets all 60.
    assert sorted(server.accepted_per_window().values()) == [60] * 10
    firsts = sorted({math.floor(t / 2.0): t for t, _ in reversed(server.log)}.values())
    lags = [t - math.floor(t / 2.0) * 2.0 for t in firsts[1:]]
    assert all(lag >= margin + latency for lag in lags)
    assert all(lag < margin + latency + 0.01 for lag in lags[6:])
    low = limiter._core.server.low(clock.monotonic())
    assert low is not None
    assert 0 <= server.offset - low < 0.01


async def test_a_date_ahead_of_the_servers_window_clock_is_relearned_not_fatal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Date 3 s ahead of the clock that counts (Reset older than Date): no crash, one 429 burst, then full
    windows; the disagreement is logged once."""
    clock = FakeClock()
    server = FakeServer(clock, server_time=START + 30, date_ahead=3.0)
    limiter = RateLimiter(clock=clock)
    caplog.set_level("INFO", logger="flick_async")
    await bulk(limiter, server, 300, 16)
    assert not limiter._core.server.date_trusted
    messages = [record.getMessage() for record in caplog.records if record.name.startswith("flick_async")]
    disagreement = "rate limiter: the server's Date disagrees with its Reset; re-learning where its windows sit"
    assert messages.count(disagreement) == 1
    # Trusting Date, the first refill comes early; its 429s (one per task, none counted) show
    # the disagreement, and no later window is overrun.
    refused = [t for t, status in server.log if status == 429]
    assert len(refused) <= 16
    assert max(refused) - min(refused) < 1.0
    assert sorted(server.accepted_per_window().values()) == [60] * 5
    low = limiter._core.server.low(clock.monotonic())
    assert low is not None
    assert low <= server.offset


async def test_the_last_token_is_not_held_when_no_one_else_wants_one() -> None:
    """One task alone: its request for the window's last token goes at once, though the bracket is still wide."""
    clock = FakeClock()
    server = FakeServer(clock, server_time=START + 10.1)  # all 60 answered within one second of the server's
    limiter = RateLimiter(clock=clock)
    await bulk(limiter, server, 60, 1, latency=0.005)
    assert clock.monotonic() == pytest.approx(1_000 + 60 * 0.01)
    assert server.count(429) == 0
    core = limiter._core
    low, high = core.server.low(clock.monotonic()), core.server.high(clock.monotonic())
    assert low is not None
    assert high is not None
    assert high - low > 0.1  # still wide enough to sound: the demand rule, not a tight bracket, let it go


async def test_a_queued_waiter_is_told_it_waits_for_the_refill_not_for_the_held_token() -> None:
    """Behind a head that waits to sound the clock, the next waiter's ThrottleWait names the refill."""
    clock = FakeClock()
    server = FakeServer(clock, server_time=START + 10.5)
    events: list[Event] = []
    limiter = RateLimiter(clock=clock, hooks=[events.append])
    await bulk(limiter, server, 58, 4)
    await limiter.acquire()  # still in flight: its task may want another token
    assert limiter.estimate.minute_remaining == 1
    async with anyio.create_task_group() as tg:
        tg.start_soon(limiter.acquire)
        await wait_all_tasks_blocked()
        tg.start_soon(limiter.acquire)
        await wait_all_tasks_blocked()
        assert limiter.estimate.waiting == 2  # the head holds the last token back
        tg.cancel_scope.cancel()
    waits = [e.delay for e in events if isinstance(e, ThrottleWait)]
    resets_in = limiter.estimate.minute_resets_in
    assert resets_in is not None
    assert waits[-2] < 1.0  # the head: until the next whole second it aims at
    assert waits[-1] == pytest.approx(resets_in, abs=1e-6)


async def test_first_request_goes_alone_until_its_answer() -> None:
    """Before any answer only one probe is let through; the rest wait for its headers."""
    clock = FakeClock()
    server = FakeServer(clock)
    server.other_client(50)  # the window is nearly spent already: a blind burst would overrun it
    limiter = RateLimiter(clock=clock)
    statuses = []

    async def one() -> None:
        statuses.append(await call(limiter, server))

    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        async with anyio.create_task_group() as inner:
            for _ in range(20):
                inner.start_soon(one)
        tg.cancel_scope.cancel()
    assert statuses == [200] * 20
    assert max(server.accepted_per_window().values()) <= 10
    assert server.count(429) == 0


async def test_one_request_takes_from_both_buckets_or_neither() -> None:
    """With the day spent and minute tokens left, acquire raises at once and the minute bucket is untouched."""
    clock = FakeClock()
    server = FakeServer(clock, daily=30)
    limiter = RateLimiter(clock=clock, per_day=30)
    await bulk(limiter, server, 30, 4)
    before = limiter.estimate
    assert (before.minute_remaining, before.day_remaining) == (30, 0)
    with pytest.raises(DailyQuotaExceededError) as caught:
        await limiter.acquire()
    after = limiter.estimate
    assert (after.minute_remaining, after.day_remaining) == (30, 0)
    assert isinstance(caught.value, RateLimitError)
    midnight = (math.floor(server.now() / 86_400) + 1) * 86_400
    assert caught.value.resets_at == datetime.datetime.fromtimestamp(midnight, datetime.UTC)
    assert server.count(429) == 0


async def test_minute_wait_does_not_spend_a_day_token() -> None:
    """A task waiting for the minute window holds no day token meanwhile."""
    clock = FakeClock()
    server = FakeServer(clock)
    limiter = RateLimiter(clock=clock)
    await bulk(limiter, server, 60, 4)
    day_before = limiter.estimate.day_remaining
    assert limiter.estimate.minute_remaining == 0
    async with anyio.create_task_group() as tg:
        tg.start_soon(limiter.acquire)
        await wait_all_tasks_blocked()  # time stands still: the task parks in the queue
        assert limiter.estimate.waiting == 1
        tg.cancel_scope.cancel()
    assert limiter.estimate.day_remaining == day_before
    assert limiter.estimate.waiting == 0


async def test_remaining_only_lowers_the_estimate_and_out_of_order_answers_restore_nothing() -> None:
    """Answers in any order leave the lowest Remaining of the window; a higher one later changes nothing."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    now, wall = clock.monotonic(), START + 10
    reset = START + 60
    await limiter.acquire()
    limiter.observe(
        status_code=200, headers=headers(remaining=59, reset=reset, date=wall), sent_at=now, received_at=now
    )
    for _ in range(3):
        await limiter.acquire()
    assert limiter.estimate.minute_remaining == 56
    # Another client spent 20: the latest answer shows it ...
    h = headers(remaining=36, reset=reset, date=wall)
    limiter.observe(status_code=200, headers=h, sent_at=now, received_at=now)
    assert limiter.estimate.minute_remaining == 36
    # ... and the two answers that were overtaken in flight don't bring the quota back.
    for remaining in (58, 57):
        h = headers(remaining=remaining, reset=reset, date=wall)
        limiter.observe(status_code=200, headers=h, sent_at=now, received_at=now)
    assert limiter.estimate.minute_remaining == 36
    assert limiter.status is not None
    assert limiter.status.remaining == 36


async def test_answer_from_the_previous_window_does_not_touch_the_new_one() -> None:
    """An answer that carries the old window's Reset, arriving after the turn, leaves the new window full."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0, wall = clock.monotonic(), START + 50
    await limiter.acquire()
    limiter.observe(
        status_code=200, headers=headers(remaining=59, reset=START + 60, date=wall), sent_at=t0, received_at=t0
    )
    await limiter.acquire()  # in flight across the turn
    clock.advance(10.5)
    t1 = clock.monotonic()
    new = headers(remaining=59, reset=START + 120, date=START + 60)
    limiter.observe(status_code=200, headers=new, sent_at=t1, received_at=t1)
    old = headers(remaining=0, reset=START + 60, date=START + 59)
    limiter.observe(status_code=200, headers=old, sent_at=t0, received_at=t1)
    assert limiter.estimate.minute_remaining == 59
    assert limiter.status is not None
    assert limiter.status.reset == START + 120


async def test_another_client_of_the_key_is_absorbed_without_429s_once_seen() -> None:
    """A second client spending 30 a window shrinks our share; after its first answer we stay within the limit."""
    clock = FakeClock()
    server = FakeServer(clock)
    limiter = RateLimiter(clock=clock)

    async def other() -> None:
        while True:
            server.other_client(30)
            index = math.floor(server.now() / 60)
            await clock.sleep((index + 1) * 60 - server.now() + 0.5)

    async with anyio.create_task_group() as tg:
        tg.start_soon(other)
        await bulk(limiter, server, 150, 1, latency=0.02)
        tg.cancel_scope.cancel()
    assert all(n <= 60 - 30 for n in server.accepted_per_window().values())
    assert server.count(429) == 0


@pytest.mark.parametrize("wall_skew", [-3_600.0, 7.5, 86_400.0 * 3], ids=["hour-slow", "seconds-fast", "days-fast"])
async def test_a_skewed_local_wall_clock_changes_nothing(wall_skew: float) -> None:
    """The same run with the local wall clock wrong by an hour, 7.5 s or days: identical grant times, no 429."""

    async def run(skew: float) -> list[float]:
        clock = FakeClock()
        server = FakeServer(clock, server_time=START + 12.3)
        clock.set_wall_time(clock.time() + skew)
        limiter = RateLimiter(clock=clock)
        await bulk(limiter, server, 200, 8)
        assert server.count(429) == 0
        return [t for t, _ in server.log]

    assert await run(wall_skew) == await run(0.0)


async def test_429_pauses_every_waiter_together_then_resumes_in_fifo_order() -> None:
    """One 429 with Retry-After holds all queued tasks until it runs out; they then go in arrival order."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    limiter.observe(
        status_code=200, headers=headers(remaining=59, reset=START + 60, date=START + 5), sent_at=t0, received_at=t0
    )
    await limiter.acquire()
    too_many = headers(remaining=55, reset=START + 60, date=START + 5, retry_after=7)
    limiter.observe(status_code=429, headers=too_many, sent_at=t0, received_at=t0)
    order: list[tuple[int, float]] = []

    async def waiter(i: int) -> None:
        await limiter.acquire()
        order.append((i, clock.monotonic() - t0))

    async with anyio.create_task_group() as tg:
        async with anyio.create_task_group() as inner:
            for i in range(10):
                inner.start_soon(waiter, i)
                await wait_all_tasks_blocked()
            # All queued while paused, then time runs: "arrival order" is then the order above.
            tg.start_soon(clock.run_autojump)
        tg.cancel_scope.cancel()
    assert [i for i, _ in order] == list(range(10))
    assert all(7.0 <= at < 7.0 + limiter._core.margin + 1e-9 for _, at in order)


async def test_429_from_a_burst_on_the_server_holds_everyone_for_retry_after() -> None:
    """No request is sent after a 429 until its Retry-After has run out, however many tasks wait."""
    clock = FakeClock()
    server = FakeServer(clock)
    limiter = RateLimiter(clock=clock)
    latency = 0.02
    told_at = [math.inf]  # server time at which the client reads the 429
    original = server.hit

    def hit() -> tuple[int, httpx.Headers]:
        sent = server.now() - latency
        if len(server.log) == 25:  # inject one 429 mid-window, spending nothing
            told_at[0] = server.now() + latency
            server.log.append((server.now(), 429))
            _, h = server.hit_count_free()
            return 429, httpx.Headers({**h, "Retry-After": "4"})
        if sent > told_at[0] + 1e-6:  # sent after the client read the 429
            assert sent >= told_at[0] + 4, "a request was sent inside the Retry-After pause"
        return original()

    server.hit = hit  # type: ignore[method-assign]
    await bulk(limiter, server, 80, 16, latency=latency)
    assert server.count(429) == 1
    assert told_at[0] < math.inf


async def test_a_429_pause_longer_than_max_wait_raises_at_once_for_that_handle_only() -> None:
    """Retry-After 3600, max_wait=5: acquire raises RateLimitError without waiting; a handle without max_wait waits."""
    clock = FakeClock()
    key, url = "flick_sk_" + "max_wait" * 4, "https://flickmovies.com/api/beta"
    impatient = RateLimiter.shared(key, url, clock=clock, max_wait=5.0)
    patient = RateLimiter.shared(key, url, clock=clock)
    t0 = clock.monotonic()
    await impatient.acquire()
    ok = headers(remaining=59, reset=START + 60, date=START + 5)
    impatient.observe(status_code=200, headers=ok, sent_at=t0, received_at=t0)
    await impatient.acquire()
    too_many = headers(remaining=0, reset=START + 60, date=START + 5, retry_after=3600)
    impatient.observe(status_code=429, headers=too_many, sent_at=t0, received_at=t0)
    queued: list[BaseException] = []

    async def queued_behind(limiter: RateLimiter) -> None:
        try:
            await limiter.acquire()
        except RateLimitError as error:
            queued.append(error)

    async with anyio.create_task_group() as tg:
        tg.start_soon(patient.acquire)  # the head of the queue, waiting out the pause
        await wait_all_tasks_blocked()
        tg.start_soon(queued_behind, impatient)  # behind it: refused at once all the same
        await wait_all_tasks_blocked()
        assert len(queued) == 1
        assert patient.estimate.waiting == 1
        tg.cancel_scope.cancel()
    with pytest.raises(RateLimitError) as caught:
        await impatient.acquire()
    assert clock.monotonic() == t0
    assert caught.value.retry_after == pytest.approx(3600 + 0.25)
    assert not isinstance(caught.value, DailyQuotaExceededError)
    assert patient.estimate.paused_for == pytest.approx(3600 + 0.25)


async def test_a_pause_of_exactly_max_wait_is_waited_out() -> None:
    """Retry-After equal to max_wait is slept through (the limiter's own margin does not tip it over)."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, max_wait=5.0)
    t0 = clock.monotonic()
    await limiter.acquire()
    too_many = headers(remaining=10, reset=START + 60, date=START + 5, retry_after=5)
    limiter.observe(status_code=429, headers=too_many, sent_at=t0, received_at=t0)
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await limiter.acquire()
        tg.cancel_scope.cancel()
    assert clock.monotonic() - t0 == pytest.approx(5.25)


async def test_a_retry_after_in_year_9999_pauses_the_key_a_day_at_most() -> None:
    """An absurd Retry-After (an HTTP date in year 9999) is capped: the key is paused for at most a day."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    too_many = httpx.Headers({**headers(remaining=0, reset=START + 60, date=START + 5), "Retry-After": _YEAR_9999})
    limiter.observe(status_code=429, headers=too_many, sent_at=t0, received_at=t0)
    assert limiter.estimate.paused_for == pytest.approx(86_400 + 0.25)


async def test_the_client_passes_max_retry_wait_to_the_shared_limiter() -> None:
    """AsyncFlick(max_retry_wait=5) after a 429 with Retry-After 3600: its next call raises at once, sending nothing."""
    clock = FakeClock()
    sent: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        too_many = headers(remaining=0, reset=START + 60, date=START + 5, retry_after=3600)
        body = {"error": {"code": "rate_limited", "message": "Too many requests this minute"}}
        return httpx.Response(429, headers=too_many, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(reply))
    async with AsyncFlick("flick_sk_" + "retrywait" * 4, max_retry_wait=5, http_client=http, clock=clock) as flick:
        with pytest.raises(RateLimitError):
            await flick.me()
        assert len(sent) == 1
        with pytest.raises(RateLimitError) as caught:
            await flick.me()
    await http.aclose()
    assert len(sent) == 1
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 3000
    assert clock.monotonic() == 1_000.0


_YEAR_9999 = "Fri, 31 Dec 9999 23:59:59 GMT"


async def test_fifo_order_under_a_full_bucket() -> None:
    """Tasks that queue on an empty bucket get tokens in the order they asked."""
    clock = FakeClock()
    server = FakeServer(clock)
    limiter = RateLimiter(clock=clock)
    await bulk(limiter, server, 60, 8)
    granted: list[int] = []

    async def one(i: int) -> None:
        await limiter.acquire()
        granted.append(i)

    async with anyio.create_task_group() as tg:
        async with anyio.create_task_group() as inner:
            for i in range(100):
                inner.start_soon(one, i)
                await wait_all_tasks_blocked()  # time stands still: each queues behind the last
            tg.start_soon(clock.run_autojump)
        tg.cancel_scope.cancel()
    assert granted == list(range(100))


async def test_a_newcomer_never_takes_a_token_a_waiter_needs() -> None:
    """A task that asks while others wait queues behind them: the waiters get the tokens left first."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    granted: list[str] = []

    async def waiter(name: str) -> None:
        await limiter.acquire()
        granted.append(name)

    async with anyio.create_task_group() as tg:
        for i in range(3):
            tg.start_soon(waiter, f"waiter {i}")
            await wait_all_tasks_blocked()
        # 4 left: the three waiters' and one more, which is the window's last: a newcomer waits.
        limiter.observe(
            status_code=200, headers=headers(remaining=4, reset=START + 60, date=START + 5), sent_at=t0, received_at=t0
        )
        tg.start_soon(waiter, "newcomer")
        await wait_all_tasks_blocked()
        tg.cancel_scope.cancel()
    assert granted[:3] == ["waiter 0", "waiter 1", "waiter 2"]


async def test_cancellation_under_load_loses_and_leaks_no_token() -> None:
    """200 tasks, 70 cancelled at random while queued: every token goes to a finisher, in order, none lost."""
    clock = FakeClock()
    server = FakeServer(clock)
    limiter = RateLimiter(clock=clock)
    rng = random.Random(5)
    arrived: list[int] = []
    done: list[int] = []
    cancelled: list[int] = []

    async def one(i: int, scope: anyio.CancelScope) -> None:
        with scope:
            arrived.append(i)
            await limiter.acquire()
            done.append(i)
        if scope.cancelled_caught:
            cancelled.append(i)

    await bulk(limiter, server, 1, 1)  # sync with the server first
    async with anyio.create_task_group() as tg:
        scopes = [anyio.CancelScope() for _ in range(200)]
        async with anyio.create_task_group() as inner:
            for i, scope in enumerate(scopes):
                inner.start_soon(one, i, scope)
            await wait_all_tasks_blocked()
            # Time stands still: the rest are queued (the window's last token waits for the moment
            # that times a clock sounding, one answer having left the bracket a second wide).
            assert len(done) == 58
            queued = [i for i in arrived if i not in done]
            for i in rng.sample(queued, 70):
                scopes[i].cancel()
                if rng.random() < 0.5:
                    await wait_all_tasks_blocked()
            tg.start_soon(clock.run_autojump)
        tg.cancel_scope.cancel()
    assert len(cancelled) == 70
    assert done == [i for i in arrived if i not in cancelled]  # FIFO among the survivors
    # 1 (sync) + 130 grants over three windows: the third holds exactly what is left, nothing leaked.
    assert limiter.estimate.minute_remaining == 60 - (1 + 130 - 120)
    assert limiter.estimate.waiting == 0


async def test_cancel_racing_the_grant_strands_nothing() -> None:
    """Waiters cancelled in the very step their turn comes: each either returns with a token or takes none."""
    clock = FakeClock()
    server = FakeServer(clock)
    limiter = RateLimiter(clock=clock)
    await bulk(limiter, server, 60, 4)
    assert limiter.estimate.minute_remaining == 0
    returned: list[int] = []
    raised: list[int] = []

    async def one(i: int, scope: anyio.CancelScope) -> None:
        with scope:
            try:
                await limiter.acquire()
            except anyio.get_cancelled_exc_class():
                raised.append(i)
                raise
            returned.append(i)

    scopes = [anyio.CancelScope() for _ in range(10)]
    async with anyio.create_task_group() as tg:
        for i, scope in enumerate(scopes):
            tg.start_soon(one, i, scope)
            await wait_all_tasks_blocked()
        resets_in = limiter.estimate.minute_resets_in
        assert resets_in is not None
        clock.advance(resets_in + 0.01)  # + the drift allowance that grows as time passes
        for scope in scopes[::2]:  # the head's wake-up and these cancels land in the same step
            scope.cancel()
        await wait_all_tasks_blocked()
    assert sorted(returned + raised) == list(range(10))
    assert set(range(1, 10, 2)) <= set(returned)
    assert limiter.estimate.minute_remaining == 60 - len(returned)
    assert limiter.estimate.waiting == 0


async def test_day_rollover_at_utc_midnight() -> None:
    """The spent day raises until the server's UTC midnight; with wait_for_daily_reset, waits and goes on."""
    clock = FakeClock()
    midnight = (math.floor(START / 86_400) + 1) * 86_400
    server = FakeServer(clock, daily=100, server_time=midnight - 90.0)
    limiter = RateLimiter(clock=clock, per_day=100)
    await bulk(limiter, server, 100, 8)
    with pytest.raises(DailyQuotaExceededError) as caught:
        await limiter.acquire()
    assert caught.value.resets_at == datetime.datetime.fromtimestamp(midnight, datetime.UTC)
    waiting = RateLimiter.__new__(RateLimiter)
    waiting.__dict__.update(limiter.__dict__, _wait_for_daily_reset=True)
    times = await bulk(waiting, server, 30, 4)
    assert min(times) >= midnight
    assert server.count(429) == 0
    assert limiter.estimate.day_remaining == 70


async def test_waits_are_reported_to_hooks() -> None:
    """A task that must wait emits ThrottleWait with the reason and the expected delay."""
    clock = FakeClock()
    server = FakeServer(clock, server_time=START + 30)
    events: list[Event] = []
    limiter = RateLimiter(clock=clock, hooks=[events.append], safety_margin=0.25)
    await bulk(limiter, server, 61, 4)
    waits = [e for e in events if isinstance(e, ThrottleWait)]
    assert waits
    assert {e.reason for e in waits} == {"minute"}
    assert max(e.delay for e in waits) == pytest.approx(30.25, abs=1.1)


async def test_without_rate_limit_headers_a_sliding_window_holds_the_limit() -> None:
    """A server that sends no X-RateLimit-* headers still never gets more than the limit in any window span."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, per_minute=10, window_seconds=10.0, safety_margin=0.0)
    sent: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        sent.append(clock.monotonic())
        limiter.observe(status_code=200, headers=httpx.Headers(), sent_at=sent[-1], received_at=sent[-1])

    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        async with anyio.create_task_group() as inner:
            for _ in range(35):
                inner.start_soon(one)
        tg.cancel_scope.cancel()
    assert all(sum(1 for t in sent if start <= t < start + 10.0) <= 10 for start in sent)
    assert sent[-1] - sent[0] == pytest.approx(30.0)


async def test_shared_returns_one_budget_per_key_and_never_shows_the_key() -> None:
    """Clients of one key share one budget; another key or URL gets its own; the key is in no repr."""
    clock = FakeClock()
    key = "flick_sk_" + "s3cret" * 5
    a = RateLimiter.shared(key, "https://flickmovies.com/api/beta", clock=clock)
    b = RateLimiter.shared(key, "https://flickmovies.com/api/beta/", clock=clock, hooks=[print])
    other = RateLimiter.shared(key + "x", "https://flickmovies.com/api/beta", clock=clock)
    assert a._core is b._core
    assert other._core is not a._core
    await a.acquire()  # the probe: nothing else goes before its answer
    assert b.estimate.synced is False
    granted: list[bool] = []

    async def second() -> None:
        await b.acquire()
        granted.append(True)

    async with anyio.create_task_group() as tg:
        tg.start_soon(second)
        await wait_all_tasks_blocked()  # time stands still: it waits for the probe's answer
        tg.cancel_scope.cancel()
    assert granted == [], "the second client bypassed the first one's probe"
    assert key not in repr(a)
    assert key_digest(key)[:12] in repr(a)
    with pytest.raises(ValueError, match="other limits"):
        RateLimiter.shared(key, "https://flickmovies.com/api/beta", clock=clock, per_minute=30)


async def test_a_request_that_got_no_answer_is_no_longer_in_flight() -> None:
    """Connection errors and a cancelled send call abandon(): nothing stays in flight, the tokens stay spent."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    limiter.observe(
        status_code=200, headers=headers(remaining=59, reset=START + 60, date=START + 5), sent_at=t0, received_at=t0
    )
    hang = anyio.Event()
    caller = anyio.CancelScope()

    async def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/me"):
            raise httpx.ConnectError("connection refused", request=request)
        caller.cancel()  # the caller is cancelled mid-send
        await hang.wait()  # never set
        raise AssertionError("unreachable")

    http = httpx.AsyncClient(transport=httpx.MockTransport(reply))
    flick = AsyncFlick("flick_sk_" + "abandoned" * 4, throttle=limiter, max_retries=2, http_client=http, clock=clock)
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        with pytest.raises(APIConnectionError):
            await flick.me()  # three attempts, none answered
        with caller:
            await flick.resolve("Inception")
        assert caller.cancelled_caught
        tg.cancel_scope.cancel()
    await http.aclose()
    assert limiter._core.in_flight == 0
    assert limiter.estimate.minute_remaining == 60 - 1 - 3 - 1
    limiter.abandon()  # nothing pending in this task: changes nothing
    assert limiter._core.in_flight == 0


async def test_abandon_after_observe_or_in_another_task_changes_nothing() -> None:
    """abandon() releases only this task's unanswered grant: not one already observed, not another task's."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    ok = headers(remaining=59, reset=START + 60, date=START + 5)
    await limiter.acquire()
    limiter.observe(status_code=200, headers=ok, sent_at=t0, received_at=t0)
    limiter.abandon()  # after observe: its grant was answered
    assert limiter._core.in_flight == 0
    async with anyio.create_task_group() as tg:
        tg.start_soon(limiter.acquire)  # in flight from another task
    limiter.abandon()
    assert limiter._core.in_flight == 1
    await limiter.acquire()
    limiter.abandon()
    limiter.abandon()
    assert limiter._core.in_flight == 1


def test_the_shared_limiter_keeps_one_clock_across_successive_trio_runs() -> None:  # sync: it runs the loops
    """A 429 pause taken in one trio.run is measured on the same clock in the next (trio's clocks start at random)."""
    # A key of its own each time: the registry is the process's, and a second run of this test in one
    # process (mutmut's clean run after its stats run) would find the first's 429 and wait out its window.
    key, url = "flick_sk_" + uuid.uuid4().hex, "https://flickmovies.com/api/beta"
    seen: list[tuple[float, float]] = []

    async def first() -> None:
        limiter = RateLimiter.shared(key, url)
        await limiter.acquire()
        now, wall = limiter._core.clock.monotonic(), time.time()
        too_many = headers(remaining=0, reset=math.ceil(wall / 60) * 60, date=wall, retry_after=1)
        limiter.observe(status_code=429, headers=too_many, sent_at=now, received_at=now)
        seen.append((limiter._core.clock.monotonic(), limiter.estimate.paused_for))

    async def second() -> None:
        limiter = RateLimiter.shared(key, url)
        seen.append((limiter._core.clock.monotonic(), limiter.estimate.paused_for))

    anyio.run(first, backend="trio")
    anyio.run(second, backend="trio")
    (before, paused_before), (after, paused_after) = seen
    assert 0 <= after - before < 60
    assert paused_after <= paused_before <= 1 + 0.25


async def test_no_throttle_never_waits_and_keeps_the_snapshot() -> None:
    """NoThrottle lets everything through at once and reports the latest headers."""
    throttle = NoThrottle()
    for _ in range(500):
        await throttle.acquire()
    throttle.observe(status_code=200, headers=headers(remaining=3, reset=START, date=START), sent_at=0, received_at=0)
    assert throttle.status is not None
    assert throttle.status.remaining == 3
