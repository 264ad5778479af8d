"""An answer that shows the server's new UTC day before the limiter's own estimate of the server's
clock has turned it (issue #10 items 1 and 3, #16).

The limiter rolls its day window at its estimate of the server's midnight plus a margin. A request
granted just before then can be answered from the new day: the answer is the proof that the
server's clock has passed midnight. From it the day window starts over (the new day's limit, and
the new day's count from `X-RateLimit-Remaining-Day`), and the clock bracket learns that the
server's time at that answer was past midnight.
"""

from __future__ import annotations

import math

import pytest
from _throttle_fakes import START, headers

from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock

MIDNIGHT = (math.floor(START / 86_400) + 1) * 86_400


@pytest.mark.parametrize("daily_headers", [True, False], ids=["with-daily-headers", "without"])
async def test_an_answer_from_the_new_day_starts_the_day_window_over(daily_headers: bool) -> None:
    """With the new day's `Remaining-Day`, the day window is what the server says (4,999 of 5,000);
    without it, the new day's limit less the grants that may count in it (this request): 4,999 too.
    Either way the day now ends at the next midnight, and the bracket knows the server passed this one."""
    clock = FakeClock(start=MIDNIGHT - 30.0)
    limiter = RateLimiter(clock=clock)
    # Synced 30 s before midnight, the day nearly spent: 50 left of 5,000.
    await limiter.acquire()
    at = clock.monotonic()
    old_day = headers(remaining=59, reset=MIDNIGHT, date=MIDNIGHT - 30.0, remaining_day=50)
    limiter.observe(status_code=200, headers=old_day, sent_at=at, received_at=at)
    assert limiter.estimate.day_remaining == 50
    # Granted 50 ms before the limiter's midnight; the server counts it in the new day and says so.
    clock.advance(30.0 - 0.05)
    await limiter.acquire()
    at = clock.monotonic()
    clock.advance(0.1)
    received = clock.monotonic()
    new_day = headers(remaining=59, reset=MIDNIGHT + 60, date=MIDNIGHT, remaining_day=4_999)
    if not daily_headers:
        del new_day["X-RateLimit-Limit-Day"], new_day["X-RateLimit-Remaining-Day"]
    limiter.observe(status_code=200, headers=new_day, sent_at=at, received_at=received)
    estimate = limiter.estimate
    assert estimate.day_remaining == 4_999
    assert estimate.day_resets_in is not None
    assert 86_400 - 1 <= estimate.day_resets_in <= 86_400 + 1
    # The answer proves the server's clock was past midnight when it arrived.
    low = limiter._core.server.low(received)
    assert low is not None
    assert low + received >= MIDNIGHT - 1e-6
