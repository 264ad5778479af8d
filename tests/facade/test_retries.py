"""Retries: what is retried, how long the client waits, and that it is observable."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from flick_async import (
    APIConnectionError,
    APIDisabledError,
    APIError,
    APITimeoutError,
    AsyncFlick,
    Event,
    FlickError,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    RetryScheduled,
)
from flick_async.testing import (
    DEMO_API_KEY,
    APIDisabled,
    DropAfterCommit,
    FakeClock,
    FlickServer,
    InternalError,
    RateLimitBurst,
    Slow,
)

from .helpers import MOCK_BASE_URL, NO_BACKOFF, PROFILE_JSON, envelope, review_json

ME_URL = f"{MOCK_BASE_URL}/me"
REVIEWS_URL = f"{MOCK_BASE_URL}/me/reviews"


def _fail_with(httpx_mock: HTTPXMock, failure: str) -> None:
    """Register one failed attempt of the given kind for GET /me."""
    if failure == "connect-error":
        httpx_mock.add_exception(httpx.ConnectError("refused"), url=ME_URL)
    elif failure == "read-timeout":
        httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=ME_URL)
    elif failure == "dropped-connection":
        httpx_mock.add_exception(httpx.RemoteProtocolError("Server disconnected"), url=ME_URL)
    elif failure == "truncated-body":
        httpx_mock.add_response(url=ME_URL, content=json.dumps(PROFILE_JSON).encode()[:30])
    elif failure == "429":
        httpx_mock.add_response(url=ME_URL, status_code=429, json=envelope("rate_limited", "Slow down."))
    elif failure == "500":
        httpx_mock.add_response(url=ME_URL, status_code=500, json=envelope("internal_error", "Oops."))
    else:
        httpx_mock.add_response(url=ME_URL, status_code=int(failure), text=f"upstream said {failure}")


@pytest.mark.parametrize(
    "failure",
    ["connect-error", "read-timeout", "dropped-connection", "truncated-body", "429", "500", "502", "503", "504"],
)
async def test_transient_failures_are_retried(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], clock: FakeClock, failure: str
) -> None:
    """Connection errors, timeouts, cut-off bodies, 429 and 500/502/503/504 get another attempt."""
    _fail_with(httpx_mock, failure)
    httpx_mock.add_response(url=ME_URL, json=PROFILE_JSON)
    async with make_mock_client(retry_policy=NO_BACKOFF) as flick:
        profile = await flick.me()
    assert profile.to_dict() == {**PROFILE_JSON, "created_at": "2025-10-22T18:52:06+00:00"}
    assert len(httpx_mock.get_requests()) == 2
    assert clock.slept == [0.0]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, envelope("invalid_request", "Bad limit.")),
        (401, envelope("invalid_api_key", "Unknown API key.")),
        (401, envelope("api_key_revoked", "Revoked.")),
        (403, envelope("pro_required", "No Pro.")),
        (404, envelope("not_found", "No such list.")),
        (503, envelope("api_disabled", "The API is disabled.")),
        (520, {}),
        (200, {"username": "wrong shape"}),
    ],
    ids=[
        "invalid_request",
        "invalid_api_key",
        "api_key_revoked",
        "pro_required",
        "not_found",
        "api_disabled",
        "520",
        "wrong-shape-2xx",
    ],
)
async def test_permanent_failures_are_not_retried(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], clock: FakeClock, status: int, body: Any
) -> None:
    """Client errors, api_disabled, unknown 5xx and a well-formed body of the wrong shape fail at once."""
    httpx_mock.add_response(url=ME_URL, status_code=status, json=body)
    async with make_mock_client(retry_policy=NO_BACKOFF) as flick:
        with pytest.raises(APIError):
            await flick.me()
    assert (len(httpx_mock.get_requests()), clock.slept) == (1, [])


async def test_api_disabled_is_retried_when_the_policy_says_so(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]
) -> None:
    """`retry_api_disabled=True` turns retrying api_disabled on."""
    httpx_mock.add_response(url=ME_URL, status_code=503, json=envelope("api_disabled", "Disabled."))
    httpx_mock.add_response(url=ME_URL, json=PROFILE_JSON)
    policy = RetryPolicy(max_retries=1, initial_delay=0.0, retry_api_disabled=True)
    async with make_mock_client(retry_policy=policy) as flick:
        assert (await flick.me()).username == "demo"


async def test_backoff_is_exponential_with_jitter_and_hooks_see_each_retry(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], clock: FakeClock
) -> None:
    """Default backoff doubles from 0.5 s, loses up to 25% to jitter, and every wait is reported first."""
    for _ in range(4):
        httpx_mock.add_response(url=ME_URL, status_code=500, json=envelope("internal_error", "Oops."))
    events: list[Event] = []
    async with make_mock_client(hooks=[events.append]) as flick:
        with pytest.raises(InternalServerError) as caught:
            await clock.run(flick.me)
    assert len(httpx_mock.get_requests()) == 4  # one try and max_retries=3 retries, nothing more
    assert [type(event) for event in events] == [RetryScheduled] * 3
    retries = [event for event in events if isinstance(event, RetryScheduled)]
    assert [(e.method, e.path, e.attempt) for e in retries] == [("GET", "/api/beta/me", n) for n in (1, 2, 3)]
    assert [e.delay for e in retries] == clock.slept
    for delay, nominal in zip(clock.slept, [0.5, 1.0, 2.0], strict=True):
        assert nominal * 0.75 <= delay <= nominal
    assert all(isinstance(e.error, InternalServerError) for e in retries)
    assert caught.value is not retries[-1].error  # the last attempt's own error is raised


def test_jitter_and_the_delay_cap_follow_the_policy() -> None:
    """The delay is backoff × (1 − jitter × u) for the rng's u, capped at `max_delay`."""
    policy = RetryPolicy(max_retries=10, initial_delay=0.5, max_delay=8.0, jitter=0.25)
    error = InternalServerError("Oops.", status_code=500)
    expected_u = random.Random(7).random()
    assert policy.delay(error, 3, rng=random.Random(7)) == 2.0 * (1 - 0.25 * expected_u)
    assert policy.delay(error, 9, rng=random.Random(7)) == 8.0 * (1 - 0.25 * expected_u)
    assert policy.delay(error, 11, rng=random.Random(7)) is None


@pytest.mark.parametrize(
    ("status", "body", "retry_after"),
    [
        (429, envelope("rate_limited", "Rate limit exceeded for the minute window."), "7"),
        (503, {}, "2.5"),
        (429, envelope("rate_limited", "Now."), "0"),
    ],
    ids=["429", "503-with-retry-after", "zero"],
)
async def test_retry_after_is_honoured_exactly(
    httpx_mock: HTTPXMock,
    make_mock_client: Callable[..., AsyncFlick],
    clock: FakeClock,
    status: int,
    body: Any,
    retry_after: str,
) -> None:
    """The client sleeps exactly `Retry-After`, no backoff and no jitter."""
    httpx_mock.add_response(url=ME_URL, status_code=status, json=body, headers={"Retry-After": retry_after})
    httpx_mock.add_response(url=ME_URL, json=PROFILE_JSON)
    async with make_mock_client() as flick:
        await clock.run(flick.me)
    assert clock.slept == [float(retry_after)]


async def test_retry_after_longer_than_max_retry_wait_raises_at_once(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], clock: FakeClock
) -> None:
    """A `Retry-After` beyond `max_retry_wait` raises RateLimitError without sleeping or retrying."""
    httpx_mock.add_response(
        url=ME_URL,
        status_code=429,
        json=envelope("rate_limited", "Rate limit exceeded for the day window."),
        headers={"Retry-After": "61"},
    )
    events: list[Event] = []
    async with make_mock_client(max_retry_wait=60, hooks=[events.append]) as flick:
        with pytest.raises(RateLimitError) as caught:
            await flick.me()
    assert (caught.value.retry_after, caught.value.window) == (61.0, "day")
    assert (clock.slept, events, len(httpx_mock.get_requests())) == ([], [], 1)


async def test_max_retries_zero_disables_retrying(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], clock: FakeClock
) -> None:
    """`max_retries=0` sends exactly once."""
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=ME_URL)
    async with make_mock_client(max_retries=0) as flick:
        with pytest.raises(APIConnectionError):
            await flick.me()
    assert (len(httpx_mock.get_requests()), clock.slept) == (1, [])


async def test_retries_are_logged_on_the_flick_async_logger(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], caplog: pytest.LogCaptureFixture
) -> None:
    """Each retry is an INFO record on `flick_async` naming the request, the wait and the failure."""
    httpx_mock.add_response(url=ME_URL, status_code=502, text="bad gateway")
    httpx_mock.add_response(url=ME_URL, json=PROFILE_JSON)
    caplog.set_level(logging.INFO, logger="flick_async")
    async with make_mock_client(retry_policy=NO_BACKOFF) as flick:
        await flick.me()
    records = [(r.name, r.levelno, r.getMessage()) for r in caplog.records if r.name == "flick_async"]
    assert records == [
        (
            "flick_async",
            logging.INFO,
            "retrying GET /api/beta/me in 0.00s (attempt 1 failed: 502: Bad Gateway "
            f"(unexpected text/plain; charset=utf-8 body: 'bad gateway') (GET {ME_URL}))",
        )
    ]


async def test_a_post_is_retried_with_the_same_body(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]
) -> None:
    """A write whose connection dropped is sent again, byte for byte."""
    httpx_mock.add_exception(httpx.RemoteProtocolError("Server disconnected"), url=REVIEWS_URL, method="POST")
    httpx_mock.add_response(
        url=REVIEWS_URL, method="POST", status_code=200, json={"review": review_json("rev_1"), "deduplicated": True}
    )
    async with make_mock_client(retry_policy=NO_BACKOFF) as flick:
        result = await flick.reviews.create("27205", media_type="movie", rating=9, watched_date="2026-06-01")
    first, second = httpx_mock.get_requests()
    assert first.content == second.content
    assert json.loads(second.content) == {
        "tmdb_id": "27205",
        "media_type": "movie",
        "rating": 9.0,
        "watched_date": "2026-06-01",
    }
    assert (result.review.id, result.deduplicated) == ("rev_1", True)


# -- against the local server ------------------------------------------------------------------


async def test_a_dropped_write_comes_back_deduplicated_not_copied(
    server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """A POST stored but whose answer was lost is retried and returns the stored review, no copy."""
    before = server.reviews(DEMO_API_KEY)
    server.faults.add("POST /me/reviews", DropAfterCommit(), on=[1])
    async with make_client(retry_policy=NO_BACKOFF) as flick:
        result = await flick.reviews.create(
            "27205", media_type="movie", rating=8.5, review="Again.", watched_date="2026-06-01"
        )
    after = server.reviews(DEMO_API_KEY)
    assert result.deduplicated is True
    assert len(after) == len(before) + 1
    assert after[0] == result.review.to_dict() | {"created_at": after[0]["created_at"]}
    assert [(e.route, e.status, e.fault) for e in server.request_log] == [
        ("POST /me/reviews", 201, "DropAfterCommit"),
        ("POST /me/reviews", 200, None),
    ]


async def test_server_429_burst_is_waited_out_per_retry_after(
    server: FlickServer, make_client: Callable[..., AsyncFlick], clock: FakeClock
) -> None:
    """Two 429s with `Retry-After: 3` cost two 3 s waits, then the call succeeds."""
    server.faults.add("GET /me", RateLimitBurst(count=2, retry_after=3), on=[1])
    async with make_client() as flick:
        profile = await clock.run(flick.me)
    assert profile.username == "demo"
    assert clock.slept == [3.0, 3.0]
    assert server.request_log.statuses() == [429, 429, 200]


async def test_server_500s_exhaust_the_retry_budget(
    server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """A server that keeps failing gets exactly 1 + max_retries requests: one retry layer."""
    server.faults.add("GET /me", InternalError())
    async with make_client(retry_policy=RetryPolicy(max_retries=2, initial_delay=0.0)) as flick:
        with pytest.raises(InternalServerError):
            await flick.me()
    assert server.request_log.statuses() == [500, 500, 500]


async def test_server_api_disabled_is_not_retried(server: FlickServer, make_client: Callable[..., AsyncFlick]) -> None:
    """api_disabled from the server raises at once."""
    server.faults.add("GET /me", APIDisabled())
    async with make_client(retry_policy=NO_BACKOFF) as flick:
        with pytest.raises(APIDisabledError):
            await flick.me()
    assert server.request_log.statuses() == [503]


async def test_a_slow_answer_times_out_and_is_retried(
    server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """An attempt slower than `timeout` raises APITimeoutError; the retry gets the normal answer."""
    server.faults.add("GET /me", Slow(5.0), on=[1])
    async with make_client(timeout=0.05, retry_policy=NO_BACKOFF) as flick:
        assert (await flick.me()).username == "demo"


async def test_a_slow_answer_without_retries_raises_timeout(
    server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """With retries off, a slow answer raises APITimeoutError chained from the deadline."""
    server.faults.add("GET /me", Slow(5.0))
    async with make_client(timeout=0.05, max_retries=0) as flick:
        with pytest.raises(APITimeoutError) as caught:
            await flick.me()
    assert str(caught.value) == "no answer within 0.05s (GET http://127.0.0.1/api/beta/me)"
    assert isinstance(caught.value.__cause__, TimeoutError)
    assert isinstance(caught.value, FlickError)


def test_retry_jitter_neither_follows_nor_moves_the_users_random_and_differs_in_forked_workers() -> None:
    """One jitter source for the process: a user's `random.seed()` does not set it (nor do its draws
    move the user's sequence), and a worker forked from this process draws its own sequence."""
    import os
    import random

    from flick_async import _pipeline

    random.seed(7)
    expected = [random.random() for _ in range(3)]
    random.seed(7)
    ours = [_pipeline._JITTER.random() for _ in range(3)]
    assert [random.random() for _ in range(3)] == expected  # the user's sequence, untouched
    random.seed(7)
    assert [_pipeline._JITTER.random() for _ in range(3)] != ours  # not reset by the user's seed

    state = _pipeline._JITTER.getstate()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first draw, to the parent
        os.close(read)
        os.write(write, repr(_pipeline._JITTER.random()).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = float(pipe.read())
    os.waitpid(pid, 0)
    _pipeline._JITTER.setstate(state)
    assert child != _pipeline._JITTER.random()  # the parent's next draw: the child did not repeat it
