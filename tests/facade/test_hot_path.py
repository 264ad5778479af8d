"""The per-call path does each piece of work once, and its shortcuts keep what they replace (#13)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flick_async import AsyncFlick, RateLimiter, RateLimitStatus, _pipeline, _rate_limit, _throttle
from flick_async._throttle import NoThrottle
from flick_async.testing import DEMO_API_KEY, FakeClock, FlickServer


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Headers]:
    """Every `parse_rate_limit_headers` call, from the pipeline and the throttles alike."""
    calls: list[httpx.Headers] = []
    real = _rate_limit.parse_rate_limit_headers

    def counting(headers: httpx.Headers) -> RateLimitStatus | None:
        calls.append(headers)
        return real(headers)

    monkeypatch.setattr(_pipeline, "parse_rate_limit_headers", counting)
    monkeypatch.setattr(_throttle, "parse_rate_limit_headers", counting)
    return calls


THROTTLES: dict[str, Callable[[FakeClock], Any]] = {
    "off": lambda clock: False,
    "RateLimiter": lambda clock: RateLimiter(clock=clock),
    "NoThrottle": lambda clock: NoThrottle(),
}


@pytest.mark.parametrize("throttle", list(THROTTLES))
async def test_rate_limit_headers_are_parsed_once_per_response(
    throttle: str, make_client: Callable[..., AsyncFlick], clock: FakeClock, parses: list[httpx.Headers]
) -> None:
    """The headers of each response are read once (they were read twice with a throttle), and
    `rate_limit` still mirrors the latest response."""
    async with make_client(throttle=THROTTLES[throttle](clock)) as flick:
        for expected in (59, 58, 57):
            await flick.me()
            assert flick.rate_limit is not None
            assert flick.rate_limit.remaining == expected
        await flick.reviews.list()
    assert len(parses) == 4
    assert len({id(headers) for headers in parses}) == 4  # one per response, none twice


class _Blind(NoThrottle):
    """A custom throttle that keeps no snapshot: `rate_limit` must come from the pipeline."""

    @property
    def status(self) -> RateLimitStatus | None:
        return None


async def test_rate_limit_without_a_throttle_snapshot(make_client: Callable[..., AsyncFlick]) -> None:
    """A throttle whose `status` is None still leaves `client.rate_limit` up to date."""
    async with make_client(throttle=_Blind()) as flick:
        await flick.me()
        await flick.me()
        assert flick.rate_limit is not None
        assert flick.rate_limit.remaining == 58


async def test_deadline_without_timeout_still_answers(server: FlickServer) -> None:
    """`timeout=None` skips the attempt's deadline scope altogether; calls still complete."""
    async with (
        httpx.AsyncClient(transport=server.transport()) as http,
        AsyncFlick(
            DEMO_API_KEY,
            base_url="http://127.0.0.1/api/beta",
            http_client=http,
            throttle=False,
            timeout=None,
        ) as flick,
    ):
        assert (await flick.me()).username == "demo"
