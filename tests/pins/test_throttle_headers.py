"""How the limiter reads `X-RateLimit-Reset` and `Date` (issue #16): every form the module docstring
accepts places the window at the same instant, and what it cannot read it does not use.

Each test gives one answer to a `RateLimiter` on a `FakeClock` and reads `estimate.minute_resets_in`:
the server's window end, placed on the local clock, plus the default margin (0.25 s in 60 s windows).
"""

from __future__ import annotations

import email.utils

import httpx
import pytest

from flick_async._rate_limit import read_headers
from flick_async._throttle import RateLimiter, reset_value, server_time
from flick_async.testing import FakeClock

START = 1_781_200_500.0  # FakeClock's wall time at its start; a multiple of 60
END = START + 60  # the server's window ends here
MARGIN = 0.25


def answer(*, reset: str, date: str | None) -> httpx.Headers:
    values = {
        "X-RateLimit-Limit": "60",
        "X-RateLimit-Remaining": "59",
        "X-RateLimit-Reset": reset,
        "X-RateLimit-Limit-Day": "5000",
        "X-RateLimit-Remaining-Day": "4999",
    }
    if date is not None:
        values["Date"] = date
    return httpx.Headers(values)


async def resets_in_after(headers: httpx.Headers) -> float | None:
    """`minute_resets_in` right after the first answer, given at once (the local wall clock reads START)."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    now = clock.monotonic()
    await limiter.acquire()
    limiter.observe(status_code=200, headers=headers, sent_at=now, received_at=now)
    return limiter.estimate.minute_resets_in


SERVER_DATE = email.utils.formatdate(START + 5, usegmt=True)  # the server's clock 5 s ahead of ours


@pytest.mark.parametrize(
    "reset",
    [str(int(END)), f" {int(END)} ", str(int(END * 1000)), "55"],
    ids=["unix-seconds", "padded", "unix-milliseconds", "seconds-until"],
)
async def test_every_form_of_reset_places_the_window_end_at_the_same_instant(reset: str) -> None:
    """Unix seconds (padded or not), Unix milliseconds and seconds-until-reset (from `Date`) all say the
    window ends 55 s after the server's `Date`."""
    assert await resets_in_after(answer(reset=reset, date=SERVER_DATE)) == pytest.approx(55 + MARGIN)


async def test_a_fractional_reset_is_not_truncated_to_an_earlier_second() -> None:
    """`Reset: <end>.5` refills half a second after `<end>`, never before it."""
    resets_in = await resets_in_after(answer(reset=f"{int(END)}.5", date=SERVER_DATE))
    assert resets_in == pytest.approx(55.5 + MARGIN)


@pytest.mark.parametrize("reset", ["soon", "inf", "nan", ""])
async def test_an_unreadable_reset_places_no_window(reset: str) -> None:
    """A `Reset` that is no finite number says nothing of where the window is: the limiter stays unsynced."""
    assert await resets_in_after(answer(reset=reset, date=SERVER_DATE)) is None


@pytest.mark.parametrize(
    "date",
    [None, "yesterday", SERVER_DATE.replace("GMT", "-0000")],
    ids=["absent", "unreadable", "no-time-zone"],
)
async def test_a_date_that_is_absent_unreadable_or_without_a_zone_leaves_the_local_wall_clock(date: str | None) -> None:
    """Without a `Date` it can read as UTC (RFC 5322's `-0000` says the zone is unknown), the limiter reads
    the server's time from the local wall clock: the window ends 60 s after START, not after the `Date`."""
    assert await resets_in_after(answer(reset=str(int(END)), date=date)) == pytest.approx(60 + MARGIN)


def parse_reset(headers: httpx.Headers) -> float | None:
    """`X-RateLimit-Reset` as the throttles read it: the raw value of the one pass, then the float."""
    return reset_value(read_headers(headers)[2])


def parse_server_time(headers: httpx.Headers) -> float | None:
    """`Date` as the throttles read it (through the last-read cache)."""
    return server_time(read_headers(headers)[1])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" 1781200560.5 ", 1781200560.5), ("55", 55.0), ("inf", None), ("-inf", None), ("nan", None), ("soon", None)],
)
def test_parse_reset_gives_a_finite_float_or_none(raw: str, expected: float | None) -> None:
    """The reader both limiters share (the local and the Redis one): a finite float, fractions kept, or None."""
    assert parse_reset(httpx.Headers({"X-RateLimit-Reset": raw})) == expected
    assert parse_reset(httpx.Headers()) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(SERVER_DATE, START + 5), (SERVER_DATE.replace("GMT", "-0000"), None), ("yesterday", None)],
)
def test_parse_server_time_reads_only_a_date_with_a_zone(raw: str, expected: float | None) -> None:
    """The `Date` reader both limiters share: Unix time for an RFC 5322 date in a known zone, else None."""
    assert parse_server_time(httpx.Headers({"Date": raw})) == expected
    assert parse_server_time(httpx.Headers()) is None


@pytest.mark.parametrize(
    ("older_reset", "resets_in"),
    [(START + 20, 20.0), (START - 10, 130.0)],
    ids=["within-the-first-window", "before-everything-reset-showed"],
)
async def test_a_reset_older_than_the_date_before_it_places_the_windows_by_reset_alone(
    older_reset: float, resets_in: float
) -> None:
    """A second answer whose `Reset` is older than the first answer's `Date` (START + 30): the clock stamping
    `Date` runs ahead of the one that counts. The limiter stops trusting `Date` and starts over from what
    `Reset` alone proved: the first window was open at START (its end, START + 60, less a window); when even
    that contradicts the new `Reset`, from the earliest the new one allows (its window may have just begun),
    which refills later, never earlier."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    now = clock.monotonic()
    await limiter.acquire()
    first = answer(reset=str(int(START + 60)), date=email.utils.formatdate(START + 30, usegmt=True))
    limiter.observe(status_code=200, headers=first, sent_at=now, received_at=now)
    # The margin: a two-hundredth of the window the first answer allows (its `Reset` 30 s past
    # `Date`, plus `Date`'s second).
    margin = 31 / 200
    assert limiter.estimate.minute_resets_in == pytest.approx(30 + margin)
    await limiter.acquire()
    behind = answer(reset=str(int(older_reset)), date=email.utils.formatdate(START + 30, usegmt=True))
    limiter.observe(status_code=200, headers=behind, sent_at=now, received_at=now)
    estimate = limiter.estimate
    assert estimate.synced is True
    assert estimate.minute_resets_in == pytest.approx(resets_in + margin)


def test_parse_server_time_keeps_no_stale_reading_across_answers() -> None:
    """The last `Date` read is kept for the next answer of the same second: any other value
    (another second, an unreadable one, one without a zone, none) is read afresh."""
    first, second = "Tue, 01 Dec 2026 20:58:58 GMT", "Tue, 01 Dec 2026 20:58:59 GMT"
    readings = [
        parse_server_time(httpx.Headers({"Date": raw}) if raw is not None else httpx.Headers())
        for raw in [first, first, second, "garbage", first, "Tue, 01 Dec 2026 20:58:58", None, first, "", second]
    ]
    t = 1796158738.0  # 2026-12-01T20:58:58Z
    assert readings == [t, t, t + 1, None, t, None, None, t, None, t + 1]
