"""What one `Date` that disagrees with the others may do (issue #10 item 2, #16): nothing, until the
last three agree with each other and not with what the limiter knows of the server's clock.

The limiter keeps a bracket on the server's clock (its offset from the local monotonic clock),
narrowed by every answer's `Date` and `Reset`; it is what places each window's refill. A cached or
proxied answer can carry a `Date` far off: that answer alone must not move the bracket (a `Date`
40 s behind would refill every window 40 s late, or early). But a server whose clock really moved
(an NTP step) sends only such `Date`s from then on: after three in a row the limiter starts over
from them, and says so once in its log. Each test answers by hand on the fake clock, inside one
60 s server window, so that only `Date` differs between answers.
"""

from __future__ import annotations

import pytest
from _throttle_fakes import START, headers

from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock

MOVED = "rate limiter: the server's Date moved; re-learning where its windows sit"
RESET = START + 60  # every answer here is in the server's window that ends then


class Answers:
    """A limiter fed one answer a second, each dated by the test; the server's clock starts at START + 5."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.limiter = RateLimiter(clock=self.clock)
        self.offset = START + 5 - self.clock.monotonic()  # the server's clock minus the local one
        self.remaining = 60

    async def answer(self, *, date_off_by: float = 0.0) -> None:
        await self.limiter.acquire()
        self.remaining -= 1
        at = self.clock.monotonic()
        date = at + self.offset + date_off_by
        answer = headers(remaining=self.remaining, reset=RESET, date=date)
        self.limiter.observe(status_code=200, headers=answer, sent_at=at, received_at=at)
        self.clock.advance(1.0)

    def bracket(self) -> tuple[float, float]:
        server, now = self.limiter._core.server, self.clock.monotonic()
        low, high = server.low(now), server.high(now)
        assert low is not None
        assert high is not None
        return low, high


def _moved(caplog: pytest.LogCaptureFixture) -> int:
    return sum(record.getMessage() == MOVED for record in caplog.records)


@pytest.mark.parametrize("off_by", [-40.0, -3.0, 3.0, 3600.0])
async def test_one_answer_dated_off_the_servers_clock_moves_nothing(
    off_by: float, caplog: pytest.LogCaptureFixture
) -> None:
    """A `Date` more than its one-second coarseness off the bracket, between honest ones: the bracket
    is what the honest answers made it, `Date` stays trusted, and nothing is re-learned."""
    caplog.set_level("INFO", logger="flick_async")
    answers = Answers()
    for _ in range(5):
        await answers.answer()
    before = answers.bracket()
    await answers.answer(date_off_by=off_by)
    assert answers.bracket() == pytest.approx(before, abs=1e-3)  # (bounds widen 20 ppm a second)
    assert answers.limiter._core.server.date_trusted
    await answers.answer()
    low, high = answers.bracket()
    assert low <= answers.offset <= high
    assert _moved(caplog) == 0


async def test_a_date_within_its_coarseness_is_no_conflict() -> None:
    """`Date` has whole seconds: one that is up to a second off the bracket is an honest answer, used
    as any other (a conflict there would throw away every answer near a second's edge)."""
    answers = Answers()
    for _ in range(5):
        await answers.answer()
    for off_by in (0.9, -0.9, 0.5):
        await answers.answer(date_off_by=off_by)
        assert answers.limiter._core.date_conflicts == ()


async def test_a_server_clock_that_stepped_is_followed_after_three_answers_agree(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server's clock steps 20 s ahead for good: the first two such answers move nothing; the
    third starts the bracket over from the three, around the new clock, logged once."""
    caplog.set_level("INFO", logger="flick_async")
    answers = Answers()
    for _ in range(5):
        await answers.answer()
    before = answers.bracket()
    for _ in range(2):
        await answers.answer(date_off_by=20.0)
        assert answers.bracket() == pytest.approx(before, abs=1e-3)
        assert _moved(caplog) == 0
    await answers.answer(date_off_by=20.0)
    low, high = answers.bracket()
    assert low <= answers.offset + 20.0 <= high
    assert high - low <= 3.0  # from three answers a second apart, each a second coarse
    assert _moved(caplog) == 1
    for _ in range(3):  # the new clock is now the bracket's: its answers are no conflicts
        await answers.answer(date_off_by=20.0)
    assert _moved(caplog) == 1
    low, high = answers.bracket()
    assert low <= answers.offset + 20.0 <= high


async def test_an_honest_answer_between_odd_ones_starts_the_count_again(caplog: pytest.LogCaptureFixture) -> None:
    """Two odd `Date`s, an honest one, two odd ones again: never three in a row, so the bracket is
    never thrown away (odd answers now and then, from a cache, are not a moved clock)."""
    caplog.set_level("INFO", logger="flick_async")
    answers = Answers()
    for _ in range(5):
        await answers.answer()
    for _ in range(3):
        await answers.answer(date_off_by=20.0)
        await answers.answer(date_off_by=20.0)
        await answers.answer()
    low, high = answers.bracket()
    assert low <= answers.offset <= high
    assert _moved(caplog) == 0
