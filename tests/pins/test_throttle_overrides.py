"""What an explicit `per_minute`, `per_day` or `window_seconds` means against the server's headers
(issue #16): configured, a limit is only ever lowered by what the server says and the window's
length is kept; left out, both follow the server up and down.

Each test drives one `RateLimiter` by hand on a `FakeClock`; the numbers are `RateLimiter.estimate`.
"""

from __future__ import annotations

import email.utils
import math

import httpx
import pytest

from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock

START = 1_781_200_500.0  # FakeClock's wall time at its start; a multiple of 60


def answer(
    *, limit: int, remaining: int, limit_day: int, remaining_day: int, reset: float, date: float
) -> httpx.Headers:
    return httpx.Headers(
        {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(int(reset)),
            "X-RateLimit-Limit-Day": str(limit_day),
            "X-RateLimit-Remaining-Day": str(remaining_day),
            "Date": email.utils.formatdate(math.floor(date), usegmt=True),
        }
    )


async def one_call(limiter: RateLimiter, clock: FakeClock, headers: httpx.Headers) -> tuple[int | None, int | None]:
    """Acquire, answer with `headers`, and give (minute_remaining, day_remaining)."""
    now = clock.monotonic()
    await limiter.acquire()
    limiter.observe(status_code=200, headers=headers, sent_at=now, received_at=now)
    estimate = limiter.estimate
    return estimate.minute_remaining, estimate.day_remaining


async def test_configured_limits_are_lowered_by_the_server_never_raised() -> None:
    """per_minute=30, per_day=100: a server allowing 60 and 5,000 leaves 30 and 100; one allowing 20 and 50
    (mid-window) lowers both."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, per_minute=30, per_day=100)
    roomy = answer(limit=60, remaining=59, limit_day=5000, remaining_day=4999, reset=START + 60, date=START + 5)
    assert await one_call(limiter, clock, roomy) == (29, 99)
    tight = answer(limit=20, remaining=18, limit_day=50, remaining_day=48, reset=START + 60, date=START + 6)
    assert await one_call(limiter, clock, tight) == (18, 48)


async def test_learned_limits_follow_the_server_up_and_down() -> None:
    """No limits configured: the server's 100 a window and 10,000 a day are the budget, and so are its
    later 20 and 50 in the same window and day."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    roomy = answer(limit=100, remaining=99, limit_day=10_000, remaining_day=9_999, reset=START + 60, date=START + 5)
    assert await one_call(limiter, clock, roomy) == (99, 9_999)
    tight = answer(limit=20, remaining=18, limit_day=50, remaining_day=48, reset=START + 60, date=START + 6)
    assert await one_call(limiter, clock, tight) == (18, 48)


async def test_a_configured_window_is_kept_whatever_the_resets_say() -> None:
    """window_seconds=60: a `Reset` 120 s ahead of `Date`, even repeated, is not believed (nothing syncs),
    and a `Reset` that moves on by 10 s teaches no shorter window."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, window_seconds=60)
    for _ in range(2):
        far = answer(limit=60, remaining=58, limit_day=5000, remaining_day=4998, reset=START + 125, date=START + 5)
        await one_call(limiter, clock, far)
    assert limiter.estimate.synced is False
    assert repr(limiter) == "RateLimiter(per_minute=60, per_day=5000, window_seconds=60.0)"
    for end in (START + 10, START + 20, START + 30):
        clock.advance(end - 9 - clock.time())  # each answer a second into its window
        step = answer(limit=60, remaining=59, limit_day=5000, remaining_day=4990, reset=end, date=end - 9)
        await one_call(limiter, clock, step)
    assert repr(limiter) == "RateLimiter(per_minute=60, per_day=5000, window_seconds=60.0)"


async def test_an_unconfigured_window_learns_the_shorter_steps_of_reset(caplog: pytest.LogCaptureFixture) -> None:
    """The same answers with no window configured: the `Reset` steps of 10 s are the window's length (logged)."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    caplog.set_level("INFO", logger="flick_async")
    for end in (START + 10, START + 20, START + 30):
        clock.advance(end - 9 - clock.time())
        step = answer(limit=60, remaining=59, limit_day=5000, remaining_day=4990, reset=end, date=end - 9)
        await one_call(limiter, clock, step)
    assert repr(limiter) == "RateLimiter(per_minute=60, per_day=5000, window_seconds=10.0)"
    messages = [record.getMessage() for record in caplog.records if record.name.startswith("flick_async")]
    assert messages.count("rate limiter: the server's window is 10s long") == 1


async def test_a_reset_that_moves_on_by_two_windows_after_an_idle_one_teaches_no_window() -> None:
    """Answers in windows ending at +10 and (after a window with no request) +30: the `Reset` moved by 20 s,
    but the answer came 11 s after the old end, so the step may span several windows: nothing is learned."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    for end in (START + 10, START + 30):
        clock.advance(end - 9 - clock.time())  # a second into the window
        step = answer(limit=60, remaining=59, limit_day=5000, remaining_day=4990, reset=end, date=end - 9)
        await one_call(limiter, clock, step)
    assert repr(limiter) == "RateLimiter(per_minute=60, per_day=5000, window_seconds=60.0)"


@pytest.mark.parametrize(
    "options",
    [
        {"per_minute": 0},
        {"per_day": 0},
        {"window_seconds": 0},
        {"window_seconds": -1.0},
        {"window_seconds": float("nan")},
        {"safety_margin": -0.1},
        {"safety_margin": float("nan")},
    ],
)
def test_a_limit_window_or_margin_out_of_range_is_refused_by_name(options: dict[str, float]) -> None:
    """Each of them alone is refused, with the rule that says which values are allowed (one bad value
    among good ones too: the checks are not all-or-nothing)."""
    with pytest.raises(
        ValueError, match=r"^limits must be at least 1, the window longer than 0 s and the margin not negative$"
    ):
        RateLimiter(clock=FakeClock(), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("max_wait", [-1.0, float("nan")])
def test_a_negative_or_nan_max_wait_is_refused(max_wait: float) -> None:
    """`max_wait` is a number of seconds, zero included, or None."""
    with pytest.raises(ValueError, match=r"^max_wait must be a non-negative number of seconds or None$"):
        RateLimiter(clock=FakeClock(), max_wait=max_wait)


def test_the_smallest_allowed_values_are_taken() -> None:
    """A limit of 1, a window of a millisecond, no margin and a `max_wait` of 0 are all valid."""
    limiter = RateLimiter(
        clock=FakeClock(), per_minute=1, per_day=1, window_seconds=0.001, safety_margin=0.0, max_wait=0.0
    )
    assert repr(limiter) == "RateLimiter(per_minute=1, per_day=1, window_seconds=0.001)"
    assert limiter._core.margin == 0.0
