"""`with_options()`: a light client with other per-request options, sharing connections, throttle and state."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from flick_async import (
    APITimeoutError,
    AsyncFlick,
    ClientClosedError,
    InternalServerError,
    RateLimiter,
    RateLimitError,
    ValidationError,
)
from flick_async.testing import FakeClock, FlickServer, Slow

from .helpers import MOCK_BASE_URL, NO_BACKOFF, PROFILE_JSON, RATE_LIMIT_HEADERS, envelope


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"timeout": -1}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"max_retry_wait": -0.1}, "max_retry_wait"),
        ({"max_retry_wait": math.nan}, "max_retry_wait"),
        ({"max_retry_wait": "60"}, "max_retry_wait"),
        ({"headers": [("X-A", "b")]}, "headers"),
        ({"headers": {"": "x"}}, "headers"),
        ({"headers": {"Bad Name": "x"}}, "headers"),
        ({"headers": {"X-Trace": "a\r\nX-Injected: 1"}}, "headers['X-Trace']"),
        ({"headers": {"X-Trace": 7}}, "headers['X-Trace']"),
        ({"headers": {"Authorization": "Bearer other"}}, "headers['Authorization']"),
        ({"headers": {"x-api-key": "flick_sk_other"}}, "headers['x-api-key']"),
    ],
    ids=lambda value: repr(value) if not isinstance(value, str) else value,
)
def test_every_option_is_validated(
    make_mock_client: Callable[..., AsyncFlick], options: dict[str, Any], field: str
) -> None:
    """A bad option raises ValidationError naming it, before any request; a credential is never echoed."""
    flick = make_mock_client()
    with pytest.raises(ValidationError) as caught:
        flick.with_options(**options)
    assert caught.value.field == field
    assert "other" not in str(caught.value)


async def test_options_reach_the_request(httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]) -> None:
    """Headers are added to the client's own; the timeout reaches httpx; the parent keeps its values."""
    sent: list[httpx.Headers] = []  # as sent: the key leaves a request's headers once it is answered

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.copy())
        return httpx.Response(200, json=PROFILE_JSON)

    httpx_mock.add_callback(answer, url=f"{MOCK_BASE_URL}/me", is_reusable=True)
    async with make_mock_client(timeout=30) as flick:
        light = flick.with_options(timeout=2.5, headers={"X-Trace": "abc"})
        await light.me()
        await flick.me()
    derived, parent = httpx_mock.get_requests()
    assert (derived.headers["X-Trace"], "X-Trace" in parent.headers) == ("abc", False)
    assert derived.headers["User-Agent"] == parent.headers["User-Agent"]
    assert sent[0]["Authorization"] == sent[1]["Authorization"]
    assert derived.extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    assert parent.extensions["timeout"] == httpx.Timeout(30).as_dict()


async def test_options_chain(httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]) -> None:
    """A light client of a light client keeps both sets of headers; later ones win."""
    httpx_mock.add_response(url=f"{MOCK_BASE_URL}/me", json=PROFILE_JSON)
    async with make_mock_client() as flick:
        light = flick.with_options(headers={"X-A": "1", "X-B": "1"}).with_options(headers={"X-B": "2"})
        await light.me()
    request = httpx_mock.get_request()
    assert request is not None
    assert (request.headers["X-A"], request.headers["X-B"]) == ("1", "2")


async def test_a_header_overrides_whatever_its_case(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]
) -> None:
    """Header names are case-insensitive: `x-b` replaces an earlier `X-B` and `user-agent` the SDK's own,
    instead of both going out (`X-B: 1, 2`, two User-Agents)."""
    httpx_mock.add_response(url=f"{MOCK_BASE_URL}/me", json=PROFILE_JSON)
    async with make_mock_client() as flick:
        light = flick.with_options(headers={"X-B": "1"}).with_options(headers={"x-b": "2", "user-agent": "mine"})
        await light.me()
    request = httpx_mock.get_request()
    assert request is not None
    assert (request.headers.get_list("X-B"), request.headers.get_list("User-Agent")) == (["2"], ["mine"])


async def test_a_shorter_timeout_applies_to_the_light_client_only(
    server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """The light client times out where the parent would have waited."""
    server.faults.add("GET /me", Slow(5.0), on=[1])
    async with make_client(timeout=None) as flick:
        with pytest.raises(APITimeoutError, match=r"no answer within 0\.05s"):
            await flick.with_options(timeout=0.05, max_retries=0).me()


async def test_max_retries_applies_to_the_light_client_only(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]
) -> None:
    """max_retries=0 on the light client gives up after one attempt; the parent retries."""
    httpx_mock.add_response(status_code=500, json=envelope("internal_error", "boom"), is_reusable=True)
    async with make_mock_client(retry_policy=NO_BACKOFF) as flick:
        with pytest.raises(InternalServerError):
            await flick.with_options(max_retries=0).me()
        assert len(httpx_mock.get_requests()) == 1
        with pytest.raises(InternalServerError):
            await flick.me()
        assert len(httpx_mock.get_requests()) == 1 + 4


async def test_the_light_client_shares_the_connection_pool(make_client: Callable[..., AsyncFlick]) -> None:
    """No new httpx client (pool) is made: requests go through the parent's."""
    async with make_client() as flick:
        light = flick.with_options(timeout=3)
        assert light._pipeline.http is flick._pipeline.http
        assert (await light.me()).username == "demo"


async def test_the_light_client_shares_the_throttle_and_rate_limit_state(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], clock: FakeClock
) -> None:
    """Requests of the light client spend the parent's budget; its answers update `rate_limit` of both."""
    httpx_mock.add_response(url=f"{MOCK_BASE_URL}/me", json=PROFILE_JSON, headers=RATE_LIMIT_HEADERS)
    limiter = RateLimiter(per_minute=1, per_day=100, clock=clock)
    async with make_mock_client(throttle=limiter) as flick:
        light = flick.with_options(timeout=3, headers={"X-A": "1"})
        await light.me()
        assert flick.rate_limit == light.rate_limit
        assert flick.rate_limit is not None
        assert flick.rate_limit.remaining == 41
        assert limiter.estimate.minute_remaining == 0


async def test_a_lower_max_retry_wait_refuses_a_long_pause_of_the_shared_limiter(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], clock: FakeClock
) -> None:
    """With the default shared throttle, the light client's max_retry_wait bounds the key's 429 pause."""
    httpx_mock.add_response(
        url=f"{MOCK_BASE_URL}/me",
        status_code=429,
        json=envelope("rate_limited", "slow down"),
        headers={**RATE_LIMIT_HEADERS, "Retry-After": "30"},
    )
    async with make_mock_client(throttle=True, max_retries=0) as flick:
        with pytest.raises(RateLimitError):
            await flick.me()
        with pytest.raises(RateLimitError, match="longer than max_wait=10s") as caught:
            await flick.with_options(max_retry_wait=10).me()
        assert caught.value.retry_after is not None
        assert caught.value.retry_after > 10
    assert len(httpx_mock.get_requests()) == 1  # the light client sent nothing


async def test_closing_the_parent_closes_the_light_client(make_client: Callable[..., AsyncFlick]) -> None:
    """A light client is a view: it is closed with the client it came from."""
    flick = make_client()
    light = flick.with_options(timeout=3)
    await flick.aclose()
    assert light.is_closed
    with pytest.raises(ClientClosedError):
        await light.me()


async def test_closing_the_light_client_leaves_the_parent_open(make_client: Callable[..., AsyncFlick]) -> None:
    """Leaving `async with flick.with_options(...)` closes that view only (it owns no connections)."""
    async with make_client() as flick:
        async with flick.with_options(timeout=3) as light:
            await light.me()
        assert light.is_closed
        assert not flick.is_closed
        assert (await flick.me()).username == "demo"


def test_the_light_client_keeps_the_parents_identity(make_mock_client: Callable[..., AsyncFlick]) -> None:
    """base_url and repr are the parent's; the key shows nowhere."""
    flick = make_mock_client()
    light = flick.with_options(max_retries=1)
    assert light.base_url == flick.base_url
    assert repr(light) == repr(flick)
    assert (light._pipeline.retry.max_retries, flick._pipeline.retry.max_retries) == (1, 3)
