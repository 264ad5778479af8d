"""Requests in flight across a window's turn, and how long a 429 pauses the key (issue #16).

A grant in a window's last moments may be counted by the server in either window, so it holds a
token of the next window too until its answer's `Reset` says which one counted it. A 429 pauses
the whole key for its `Retry-After`, or, without one, until the window it came in refills.
"""

from __future__ import annotations

import email.utils
import math

import anyio
import httpx
import pytest
from _throttle_fakes import START, headers

from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock, wait_all_tasks_blocked

MARGIN = 0.25  # the default margin in 60 s windows


async def late_grant(clock: FakeClock) -> tuple[RateLimiter, float]:
    """A limiter synced one second before the turn at START + 60, and one grant made then (in flight)."""
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    answer = headers(remaining=59, reset=START + 60, date=START + 59, remaining_day=4999)
    limiter.observe(status_code=200, headers=answer, sent_at=t0, received_at=t0)
    await limiter.acquire()  # late: the server may count it in this window or the next
    assert limiter.estimate.minute_remaining == 58
    return limiter, t0


async def test_a_late_grant_counted_in_its_own_window_frees_the_next_windows_token() -> None:
    """Its answer names the old window: once the turn comes, the new window is whole."""
    clock = FakeClock()
    limiter, t0 = await late_grant(clock)
    clock.advance(0.1)
    t1 = clock.monotonic()
    old = headers(remaining=58, reset=START + 60, date=START + 59, remaining_day=4998)
    limiter.observe(status_code=200, headers=old, sent_at=t0, received_at=t1)
    clock.advance(2.5)
    assert limiter.estimate.minute_remaining == 60


async def test_a_late_grant_answered_after_the_turn_from_the_old_window_is_given_back_there() -> None:
    """The turn came first (the held token became a grant of the new window); the answer names the old one."""
    clock = FakeClock()
    limiter, t0 = await late_grant(clock)
    clock.advance(2.5)
    assert limiter.estimate.minute_remaining == 59
    t1 = clock.monotonic()
    old = headers(remaining=58, reset=START + 60, date=START + 59, remaining_day=4998)
    limiter.observe(status_code=200, headers=old, sent_at=t0, received_at=t1)
    assert limiter.estimate.minute_remaining == 60


@pytest.mark.parametrize("other", [200, 429])
async def test_a_late_grants_old_window_answer_after_the_new_window_is_confirmed_gives_one_token_back(
    other: int,
) -> None:
    """Another task's answer has confirmed the new window; then the late grant's answer names the old one:
    the new window gets exactly that one token back (it was charged there at the turn)."""
    clock = FakeClock()
    limiter, t0 = await late_grant(clock)
    clock.advance(2.5)

    async def other_task() -> None:
        await limiter.acquire()
        t = clock.monotonic()
        answer = headers(remaining=59 if other == 200 else 60, reset=START + 120, date=START + 61, remaining_day=4998)
        limiter.observe(status_code=other, headers=answer, sent_at=t, received_at=t)

    async with anyio.create_task_group() as tg:
        tg.start_soon(other_task)
    before = limiter.estimate.minute_remaining
    assert before == (58 if other == 200 else 59)
    t1 = clock.monotonic()
    old = headers(remaining=58, reset=START + 60, date=START + 59, remaining_day=4998)
    limiter.observe(status_code=200, headers=old, sent_at=t0, received_at=t1)
    assert limiter.estimate.minute_remaining == before + 1


async def test_a_late_grant_counted_in_the_next_window_keeps_that_token_spent() -> None:
    """Its answer names the next window: there it is spent, whenever the answer comes."""
    clock = FakeClock()
    limiter, t0 = await late_grant(clock)
    clock.advance(2.5)
    t1 = clock.monotonic()
    new = headers(remaining=59, reset=START + 120, date=START + 61, remaining_day=4998)
    limiter.observe(status_code=200, headers=new, sent_at=t0, received_at=t1)
    assert limiter.estimate.minute_remaining == 59


async def test_a_late_grant_answered_twice_is_released_once() -> None:
    """A second answer for the same grant frees nothing more: another task's late grant keeps its hold."""
    clock = FakeClock()
    limiter, t0 = await late_grant(clock)
    held = anyio.Event()

    async def other_task() -> None:
        await limiter.acquire()  # late as well, and still in flight at the turn
        await held.wait()

    old = headers(remaining=57, reset=START + 60, date=START + 59, remaining_day=4997)
    async with anyio.create_task_group() as tg:
        tg.start_soon(other_task)
        await wait_all_tasks_blocked()
        limiter.observe(status_code=200, headers=old, sent_at=t0, received_at=t0)
        limiter.observe(status_code=200, headers=old, sent_at=t0, received_at=t0)
        held.set()
    clock.advance(2.5)
    assert limiter.estimate.minute_remaining == 59


@pytest.mark.parametrize("remaining", ["with-remaining", "without-remaining"])
async def test_a_late_grant_the_server_already_counted_in_the_next_window_is_spent_there(remaining: str) -> None:
    """Answered before our turn with the next window's Reset: the server turned first and counted it there
    (whether or not the answer also says how many are left)."""
    clock = FakeClock()
    limiter, t0 = await late_grant(clock)
    clock.advance(0.3)
    t1 = clock.monotonic()
    new = headers(remaining=59, reset=START + 120, date=START + 60, remaining_day=4998)
    if remaining == "without-remaining":
        del new["X-RateLimit-Remaining"]
    limiter.observe(status_code=200, headers=new, sent_at=t0, received_at=t1)
    assert limiter.estimate.minute_remaining == 59
    clock.advance(2.5)
    assert limiter.estimate.minute_remaining == 59


async def test_a_late_grant_in_a_window_the_server_ends_later_holds_nothing_of_the_next() -> None:
    """Our assumed window ends at START + 120, the server's at START + 125: the late grant is charged once, there."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, safety_margin=MARGIN)
    t0 = clock.monotonic()
    await limiter.acquire()
    first = headers(remaining=59, reset=START + 60, date=START + 5, remaining_day=4999)
    limiter.observe(status_code=200, headers=first, sent_at=t0, received_at=t0)
    clock.advance(114.5)  # the server's clock: about START + 119.5, late in the window we assume next
    t1 = clock.monotonic()
    unanswered = anyio.Event()

    async def other_task() -> None:
        await limiter.acquire()  # late as well; its answer does not come within the test
        await unanswered.wait()

    async with anyio.create_task_group() as tg:
        tg.start_soon(other_task)
        await wait_all_tasks_blocked()
        await limiter.acquire()
        assert limiter.estimate.minute_remaining == 58
        later = headers(remaining=58, reset=START + 125, date=START + 119, remaining_day=4997)
        limiter.observe(status_code=200, headers=later, sent_at=t1, received_at=t1)
        assert limiter.estimate.minute_remaining == 58
        unanswered.set()
    clock.advance(6.0)  # past the server's turn at START + 125 (+ margin)
    assert limiter.estimate.minute_remaining == 59  # only the unanswered grant still holds a token here


async def test_a_429_without_retry_after_pauses_until_the_window_refills() -> None:
    """Synced, a bare 429 pauses the key until its window's turn (+ margin): the server's count starts over there."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    answer = headers(remaining=59, reset=START + 60, date=START + 20)
    limiter.observe(status_code=200, headers=answer, sent_at=t0, received_at=t0)
    clock.advance(5)
    t1 = clock.monotonic()
    await limiter.acquire()
    refused = headers(remaining=0, reset=START + 60, date=START + 25)
    limiter.observe(status_code=429, headers=refused, sent_at=t1, received_at=t1)
    estimate = limiter.estimate
    assert estimate.minute_resets_in == pytest.approx(35 + MARGIN)
    assert estimate.paused_for == pytest.approx(35 + 2 * MARGIN)


async def test_a_429_long_after_its_window_pauses_only_the_margin() -> None:
    """A bare 429 that arrives after its window has already turned pauses no longer than the margin."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, safety_margin=MARGIN)
    t0 = clock.monotonic()
    await limiter.acquire()
    limiter.observe(
        status_code=200, headers=headers(remaining=59, reset=START + 60, date=START + 59), sent_at=t0, received_at=t0
    )
    await limiter.acquire()
    clock.advance(5)
    t1 = clock.monotonic()
    bare = httpx.Headers({"Date": email.utils.formatdate(START + 59, usegmt=True)})
    limiter.observe(status_code=429, headers=bare, sent_at=t0, received_at=t1)
    assert limiter.estimate.paused_for == pytest.approx(MARGIN)


async def test_a_429_without_retry_after_before_any_window_is_known_pauses_a_window() -> None:
    """Unsynced, a bare 429 pauses the key for the window length (configured here: 8 s) and the
    margin, a two-hundredth of it: a grant made before any answer placed the windows is no proof
    that our pacing ran ahead of the server, so it does not widen the margin."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, window_seconds=8.0)
    t0 = clock.monotonic()
    await limiter.acquire()
    limiter.observe(status_code=429, headers=httpx.Headers(), sent_at=t0, received_at=t0)
    assert limiter.estimate.paused_for == pytest.approx(8.0 + 8.0 / 200)


async def test_retry_after_as_an_http_date_without_a_date_header_is_read_on_the_clients_clock() -> None:
    """No `Date` to read it against: the HTTP date is measured from the client's (injected) wall clock."""
    clock = FakeClock(start=START + 30)
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    when = email.utils.formatdate(math.floor(START + 30) + 42, usegmt=True)
    limiter.observe(status_code=429, headers=httpx.Headers({"Retry-After": when}), sent_at=t0, received_at=t0)
    assert limiter.estimate.paused_for == pytest.approx(42 + MARGIN)


async def test_a_longer_window_is_learned_once_repeated_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A Reset 120 s ahead of Date is ignored once (it could be a lie), believed when repeated, and both are logged."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    caplog.set_level("INFO", logger="flick_async")
    for _ in range(2):
        await limiter.acquire()
        far = headers(remaining=58, reset=START + 125, date=START + 5)
        limiter.observe(status_code=200, headers=far, sent_at=t0, received_at=t0)
    messages = [record.getMessage() for record in caplog.records if record.name.startswith("flick_async")]
    assert "rate limiter: ignoring an X-RateLimit-Reset 120s ahead of the server's Date" in messages
    assert "rate limiter: the server's window is longer than 60s; now 120s" in messages
    assert repr(limiter) == "RateLimiter(per_minute=60, per_day=5000, window_seconds=120.0)"


async def test_a_longer_window_is_learned_when_an_answer_near_its_end_repeats_the_reset() -> None:
    """The repeat may come from an answer written near the window's end (a 429 just before it), whose
    `Reset` is close to its `Date`: the window is as long as the span the `Reset` was first seen at.
    (Before, that answer cleared the suspicion instead: a server that lengthened its window to 120 s
    was paced at the old one's length for good.)"""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    far = headers(remaining=58, reset=START + 125, date=START + 5)
    limiter.observe(status_code=200, headers=far, sent_at=t0, received_at=t0)
    clock.advance(117)
    t1 = clock.monotonic()
    near = headers(remaining=0, reset=START + 125, date=START + 122)
    limiter.observe(status_code=429, headers=near, sent_at=t1, received_at=t1)
    assert repr(limiter) == "RateLimiter(per_minute=60, per_day=5000, window_seconds=120.0)"


async def test_a_single_late_grant_in_a_window_the_server_ends_later_leaves_the_next_window_whole() -> None:
    """Alone, the late grant of an assumed window that the server's answer re-dates (START + 125, not + 120)
    is charged once, in the server's window: the window after it starts with all 60."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, safety_margin=MARGIN)
    t0 = clock.monotonic()
    await limiter.acquire()
    first = headers(remaining=59, reset=START + 60, date=START + 5, remaining_day=4999)
    limiter.observe(status_code=200, headers=first, sent_at=t0, received_at=t0)
    clock.advance(114.5)  # the server's clock: about START + 119.5, late in the window we assume next
    t1 = clock.monotonic()
    await limiter.acquire()
    later = headers(remaining=59, reset=START + 125, date=START + 119, remaining_day=4998)
    limiter.observe(status_code=200, headers=later, sent_at=t1, received_at=t1)
    assert limiter.estimate.minute_remaining == 59
    clock.advance(6.0)  # past the server's turn at START + 125 (+ margin)
    assert limiter.estimate.minute_remaining == 60


async def test_a_grant_within_a_round_trip_and_the_margin_of_the_turn_holds_a_token_of_the_next_window() -> None:
    """Round trips of 0.3 s: a grant 0.4 s before the earliest moment the window can end (less than the
    round trip plus the 0.22 s margin) may reach the server after the turn, so until it is answered the
    next window starts with its token spent."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    t0 = clock.monotonic()
    await limiter.acquire()
    first = headers(remaining=59, reset=START + 60, date=START + 50, remaining_day=4999)
    limiter.observe(status_code=200, headers=first, sent_at=t0 - 0.3, received_at=t0)
    # `Date` (written between sending and receiving) puts the window's end 8.7 s after t0 at the earliest.
    clock.advance(8.3)
    await limiter.acquire()  # not answered within the test
    clock.advance(3.0)  # past the turn (10 s after t0 at the latest, + margin)
    assert limiter.estimate.minute_remaining == 59
