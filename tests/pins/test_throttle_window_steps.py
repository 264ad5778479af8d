"""How the window's length is learned from the steps of `X-RateLimit-Reset` (issue #10 item 1, #16).

A step (how far `Reset` moved on between two answers) is a whole number of windows; it is one
window when the answer showing it came less than half a step after the old window's end. The
window is the shortest of the last three such steps, so that a window that grows is believed
only once three steps agree, while one that shrinks is followed at once (the safe side).
Each test answers by hand on the fake clock and reads the learned window from `repr(limiter)`.
"""

from __future__ import annotations

import email.utils
import math

import httpx
import pytest

from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock

START = 1_781_200_500.0  # FakeClock's wall time at its start; a multiple of 60


def _window(limiter: RateLimiter) -> str:
    return repr(limiter).rsplit("window_seconds=", 1)[1].rstrip(")")


async def _answer_in_window(limiter: RateLimiter, clock: FakeClock, *, end: float, length: float, into: float) -> None:
    """One answer written `into` seconds after the start of the server's window that ends at `end`."""
    date = end - length + into
    clock.advance(max(0.0, date - clock.time()))
    headers = httpx.Headers(
        {
            "X-RateLimit-Limit": "600",
            "X-RateLimit-Remaining": "599",
            "X-RateLimit-Reset": str(int(end)),
            "X-RateLimit-Limit-Day": "50000",
            "X-RateLimit-Remaining-Day": "49000",
            "Date": email.utils.formatdate(math.floor(date), usegmt=True),
        }
    )
    now = clock.monotonic()
    await limiter.acquire()
    limiter.observe(status_code=200, headers=headers, sent_at=now, received_at=now)


async def test_a_window_that_grows_is_believed_once_the_last_three_steps_show_it() -> None:
    """10 s windows, then 15 s ones answered 4 s in (their `Reset` within the learned window plus
    two seconds of `Date`'s slack, so believed at once): the learned window stays 10 s while any of the
    last three steps was 10 s (a longer window believed early would let the client overrun a
    shorter one), becomes 15 s with the third 15 s step, and follows a shrink back to 10 s at once."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    end = START + 10
    for _ in range(4):
        await _answer_in_window(limiter, clock, end=end, length=10, into=1)
        end += 10
    assert _window(limiter) == "10.0"
    end += 5  # the first 15 s window ends 15 s after the last 10 s one
    seen = []
    for _ in range(3):
        await _answer_in_window(limiter, clock, end=end, length=15, into=4)
        seen.append(_window(limiter))
        end += 15
    assert seen == ["10.0", "10.0", "15.0"]
    end -= 5
    await _answer_in_window(limiter, clock, end=end, length=10, into=1)
    assert _window(limiter) == "10.0"


async def test_an_answer_written_under_half_a_step_after_the_old_end_shows_one_window() -> None:
    """Answers 3 s into each 10 s window (their `Date`, a second coarse, puts them at most 4 s after
    the old window's end, under half the 10 s step): each step is one window, so 10 s is learned."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    for k in range(1, 5):
        await _answer_in_window(limiter, clock, end=START + 10 * k, length=10, into=3)
    assert _window(limiter) == "10.0"


async def test_before_any_step_the_margin_is_scaled_by_the_first_answers_reset() -> None:
    """The margin after each boundary is a two-hundredth of the window at first (at most 0.25 s), the
    guard before it a fiftieth. Before a step of `Reset` has shown the window, the first answer's
    `Reset` − `Date` (plus `Date`'s second) bounds it: a `Reset` 0.5 s past `Date` means a window of
    at most 1.5 s, so the refill comes 7.5 ms after the boundary, not the 0.25 s of the 60 s starting
    guess (a 1 s window would lose a quarter)."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    headers = httpx.Headers(
        {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "4",
            "X-RateLimit-Reset": f"{START + 1.5:.1f}",
            "X-RateLimit-Limit-Day": "50000",
            "X-RateLimit-Remaining-Day": "49000",
            "Date": email.utils.formatdate(START + 1, usegmt=True),
        }
    )
    now = clock.monotonic()
    await limiter.acquire()
    limiter.observe(status_code=200, headers=headers, sent_at=now, received_at=now)
    assert (limiter._core.margin, limiter._core.guard) == pytest.approx((0.0075, 0.03))
    resets_in = limiter.estimate.minute_resets_in
    assert resets_in is not None
    assert resets_in == pytest.approx(0.5 + 0.0075, abs=1e-6)
