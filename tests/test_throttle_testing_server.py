"""The local server's rate-limit knobs (public `flick_async.testing` features): limits that change, headers that lie."""

from __future__ import annotations

import email.utils
import math
import threading
from collections.abc import Callable

import anyio
import httpx
import pytest

from flick_async.testing import (
    FakeClock,
    FlickServer,
    JumpedReset,
    MissingRateLimitHeaders,
    RateLimitBurst,
    ResetInMilliseconds,
    SkewedDate,
    WrongRemaining,
    serve_in_thread,
)

START = 1_781_200_500.0


async def get(server: FlickServer, key: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=server.transport(), base_url=server.base_url) as http:
        return await http.get("/me", headers={"Authorization": f"Bearer {key}"})


async def test_a_lagging_counter_counts_the_old_window_under_the_new_reset() -> None:
    """`FlickServer(counter_lag=0.05)`: 20 ms past a boundary, `Reset` already names the next window
    while the count (and a refusal's `Retry-After`) is still the old window's; 50 ms past it, the
    counter has turned too."""
    clock = FakeClock(start=START + 9.9)
    server = FlickServer(clock=clock, rate_limit=2, window_seconds=10, demo=False, counter_lag=0.05)
    key = server.add_account().api_key
    assert key
    assert [(await get(server, key)).status_code for _ in range(2)] == [200, 200]
    clock.advance(0.12)  # START + 10.02 on the headers' clock, START + 9.97 on the counter's
    refused = await get(server, key)
    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-reset"] == str(int(START + 20))
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["retry-after"] == "1"
    clock.advance(0.05)
    answer = await get(server, key)
    assert answer.status_code == 200
    assert (answer.headers["x-ratelimit-reset"], answer.headers["x-ratelimit-remaining"]) == (str(int(START + 20)), "1")
    server.limiter.counter_lag = 0.0
    assert (await get(server, key)).headers["x-ratelimit-remaining"] == "0"


async def test_set_limits_mid_window_applies_at_once_and_per_account() -> None:
    clock = FakeClock(start=START)
    server = FlickServer(clock=clock, rate_limit=5, window_seconds=10, demo=False)
    alice, bob = server.add_account(), server.add_account()
    assert alice.api_key
    assert bob.api_key
    for _ in range(3):
        assert (await get(server, alice.api_key)).status_code == 200
    server.set_limits(limit=3, account=alice)  # lowered mid-window: alice has spent her 3
    answer = await get(server, alice.api_key)
    assert answer.status_code == 429
    assert answer.headers["x-ratelimit-limit"] == "3"
    assert (await get(server, bob.api_key)).headers["x-ratelimit-limit"] == "5"  # bob keeps the default
    server.set_limits(limit=100, window_seconds=60, account=alice)  # a new length: the count carries
    answer = await get(server, alice.api_key)
    assert answer.status_code == 200
    assert answer.headers["x-ratelimit-remaining"] == "96"
    assert answer.headers["x-ratelimit-reset"] == str(int(START + 60))
    assert server.limits(alice).window_seconds == 60
    with pytest.raises(ValueError, match="at least 1"):
        server.set_limits(limit=0)


async def test_header_faults_lie_in_one_header_and_count_like_any_request() -> None:
    clock = FakeClock(start=START + 5)
    server = FlickServer(clock=clock, demo=False)
    key = server.add_account().api_key
    assert key
    honest = (await get(server, key)).headers
    checks: list[tuple[object, Callable[[httpx.Headers], bool]]] = [
        (JumpedReset(3600), lambda h: int(h["x-ratelimit-reset"]) == int(honest["x-ratelimit-reset"]) + 3600),
        (ResetInMilliseconds(), lambda h: int(h["x-ratelimit-reset"]) == int(honest["x-ratelimit-reset"]) * 1000),
        (
            SkewedDate(-120),
            lambda h: email.utils.parsedate_to_datetime(h["date"]).timestamp() == START + 5 - 120,
        ),
        (WrongRemaining(remaining=60), lambda h: h["x-ratelimit-remaining"] == "60"),
        (MissingRateLimitHeaders(), lambda h: "x-ratelimit-limit" not in h and "date" in h),
    ]
    for fault, check in checks:
        server.faults.clear()
        server.faults.add("GET /me", fault)  # type: ignore[arg-type]
        answer = await get(server, key)
        assert answer.status_code == 200, fault
        assert check(answer.headers), (fault, answer.headers)
    server.faults.clear()
    assert (await get(server, key)).headers["x-ratelimit-remaining"] == str(60 - 7)


async def test_a_burst_can_send_retry_after_as_an_http_date() -> None:
    clock = FakeClock(start=START + 0.5)
    server = FlickServer(clock=clock, demo=False)
    key = server.add_account().api_key
    assert key
    server.faults.add("GET /me", RateLimitBurst(count=1, retry_after=7, http_date=True))
    answer = await get(server, key)
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == email.utils.formatdate(START + 7, usegmt=True)


def test_several_threads_and_event_loops_drive_one_server() -> None:  # sync: it runs the loops
    # On a clock that stands still: on the real one, a minute's boundary passing mid-test (one run
    # in many) left the count checked below in the window before.
    server = FlickServer(rate_limit=1000, demo=False, clock=FakeClock(start=START))
    key = server.add_account().api_key
    assert key
    statuses: list[int] = []

    async def burst() -> None:
        async with httpx.AsyncClient(transport=server.transport(), base_url=server.base_url) as http:
            for _ in range(40):
                r = await http.get("/me", headers={"Authorization": f"Bearer {key}"})
                statuses.append(r.status_code)

    with serve_in_thread(server):
        threads = [
            threading.Thread(target=anyio.run, args=(burst,), kwargs={"backend": backend})
            for backend in ("asyncio", "trio", "asyncio", "trio")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert statuses == [200] * 160
    assert server.request_log.statuses(key) == [200] * 160
    remaining = anyio.run(get, server, key)
    assert remaining.headers["x-ratelimit-remaining"] == str(1000 - 161)  # counted exactly, under the lock


@pytest.mark.parametrize("lag", [-0.001, math.inf, math.nan])
def test_a_counter_lag_that_is_no_duration_is_refused_when_built_and_when_set(lag: float) -> None:
    with pytest.raises(ValueError, match="counter_lag must be a finite number of seconds"):
        FlickServer(counter_lag=lag, demo=False)
    server = FlickServer(demo=False)
    with pytest.raises(ValueError, match="counter_lag must be a finite number of seconds"):
        server.limiter.counter_lag = lag
    assert server.limiter.counter_lag == 0.0
