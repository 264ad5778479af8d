"""`client.rate_limit`: what a user reads of the key's limits after each response.

Servers and proxies write the `X-RateLimit-*` counters in more ways than the reference shows
(`41.0` from a float-minded gateway, padding, upper case); each must still read as the number,
an unreadable one as unknown, and a response without them must not blank what is known.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_httpx import HTTPXMock

from flick_async import AsyncFlick, RateLimitStatus

from .helpers import MOCK_BASE_URL, PROFILE_JSON, RATE_LIMIT_HEADERS

ME_URL = f"{MOCK_BASE_URL}/me"


async def _status_after(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], *header_sets: dict[str, str]
) -> RateLimitStatus | None:
    for headers in header_sets:
        httpx_mock.add_response(url=ME_URL, json=PROFILE_JSON, headers=headers)
    async with make_mock_client(max_retries=0) as flick:
        assert flick.rate_limit is None  # nothing is known before the first answer
        for _ in header_sets:
            await flick.me()
        return flick.rate_limit


async def test_the_five_headers_are_read(httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]) -> None:
    """Each documented header lands in its own field."""
    status = await _status_after(httpx_mock, make_mock_client, RATE_LIMIT_HEADERS)
    assert status == RateLimitStatus(limit=60, remaining=41, reset=1781200560, limit_day=5000, remaining_day=4817)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("41", 41),
        ("41.0", 41),
        ("41.9", 41),
        (" 41 ", 41),
        ("4.1e1", 41),
        ("0", 0),
        ("forty", None),
        ("", None),
        ("nan", None),
        ("inf", None),
        ("1e400", None),
    ],
)
async def test_a_counter_written_any_readable_way_is_its_number(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], raw: str, value: int | None
) -> None:
    """Decimals are read (and cut to whole requests), padding ignored; garbage, NaN and infinity are unknown."""
    status = await _status_after(httpx_mock, make_mock_client, {**RATE_LIMIT_HEADERS, "X-RateLimit-Remaining": raw})
    assert status is not None
    assert status.remaining == value
    assert (status.limit, status.remaining_day) == (60, 4817)  # one bad header spoils no other


async def test_some_headers_missing_leave_only_those_unknown(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]
) -> None:
    """A response with only the day counters (header names in any case) has None for the minute ones."""
    status = await _status_after(
        httpx_mock, make_mock_client, {"x-ratelimit-limit-day": "5000", "X-RATELIMIT-REMAINING-DAY": "12"}
    )
    assert status == RateLimitStatus(limit=None, remaining=None, reset=None, limit_day=5000, remaining_day=12)


async def test_a_response_without_the_headers_keeps_the_last_snapshot(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]
) -> None:
    """A proxy that strips the headers from one answer does not make the limits unknown again."""
    status = await _status_after(httpx_mock, make_mock_client, RATE_LIMIT_HEADERS, {"X-Other": "1"})
    assert status is not None
    assert (status.limit, status.remaining) == (60, 41)


async def test_the_latest_response_wins(httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]) -> None:
    """Each answer with the headers replaces the snapshot."""
    later = {**RATE_LIMIT_HEADERS, "X-RateLimit-Remaining": "40", "X-RateLimit-Remaining-Day": "4816"}
    status = await _status_after(httpx_mock, make_mock_client, RATE_LIMIT_HEADERS, later)
    assert status is not None
    assert (status.remaining, status.remaining_day) == (40, 4816)


async def test_no_headers_ever_means_unknown(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]
) -> None:
    """A server that never sends the headers leaves `rate_limit` None."""
    assert await _status_after(httpx_mock, make_mock_client, {}) is None
