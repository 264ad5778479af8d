"""AsyncFlick itself: configuration, lifecycle, sharing, and the rate-limit snapshot."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import anyio
import attrs
import httpx
import pytest
from pytest_httpx import HTTPXMock

from flick_async import (
    DEFAULT_BASE_URL,
    AsyncFlick,
    ClientClosedError,
    InternalServerError,
    RateLimitStatus,
    RetryPolicy,
    ValidationError,
)
from flick_async.testing import DEMO_API_KEY, FakeClock, FlickServer

from .helpers import MOCK_BASE_URL, MOCK_KEY, PROFILE_JSON, RATE_LIMIT_HEADERS, SERVER_BASE_URL, envelope

ME_URL = f"{MOCK_BASE_URL}/me"


# -- configuration ------------------------------------------------------------------------------


async def test_key_and_base_url_come_from_the_environment(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without arguments the key is FLICK_API_KEY and the base URL FLICK_BASE_URL."""
    monkeypatch.setenv("FLICK_API_KEY", "flick_sk_from_env_123456")
    monkeypatch.setenv("FLICK_BASE_URL", "https://staging.flick.test/api/beta/")
    httpx_mock.add_response(url="https://staging.flick.test/api/beta/me", json=PROFILE_JSON)
    async with AsyncFlick(throttle=False) as flick:
        assert flick.base_url == "https://staging.flick.test/api/beta"
        await flick.me()
    [request] = httpx_mock.get_requests()
    assert request.headers["Authorization"] == "Bearer flick_sk_from_env_123456"


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit key and base URL override the environment."""
    monkeypatch.setenv("FLICK_API_KEY", "not a key at all")
    monkeypatch.setenv("FLICK_BASE_URL", "ftp://nope")
    flick = AsyncFlick(MOCK_KEY, base_url=MOCK_BASE_URL, throttle=False)
    assert flick.base_url == MOCK_BASE_URL


def test_the_default_base_url_is_the_public_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no FLICK_BASE_URL (or an empty one) the client talks to flickmovies.com."""
    monkeypatch.setenv("FLICK_BASE_URL", "")
    assert DEFAULT_BASE_URL == "https://flickmovies.com/api/beta"
    assert AsyncFlick(MOCK_KEY, throttle=False).base_url == DEFAULT_BASE_URL


@pytest.mark.parametrize("env_value", [None, ""], ids=["unset", "empty"])
def test_a_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, env_value: str | None) -> None:
    """No key anywhere raises ValidationError saying where a key comes from."""
    if env_value is None:
        monkeypatch.delenv("FLICK_API_KEY", raising=False)
    else:
        monkeypatch.setenv("FLICK_API_KEY", env_value)
    with pytest.raises(ValidationError) as caught:
        AsyncFlick(throttle=False)
    assert (caught.value.field, caught.value.rule) == ("api_key", "no API key: pass api_key= or set FLICK_API_KEY")


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        (" flick_sk_abcdef123", "must not contain whitespace or newlines (copied with a stray space?)"),
        ("flick_sk_abcdef123\n", "must not contain whitespace or newlines (copied with a stray space?)"),
        ("flick_sk_abc def123", "must not contain whitespace or newlines (copied with a stray space?)"),
        ("flick_sk_abcdef123\t", "must not contain whitespace or newlines (copied with a stray space?)"),
        ("sk_live_abcdef123", "must look like flick_sk_…"),
        ("FLICK_SK_abcdef123", "must look like flick_sk_…"),
        ("flick_sk_", "must look like flick_sk_…"),
        ("flick_sk_abcdéf123", "must contain only printable ASCII characters"),
        ("flick_sk_abc\x00def", "must contain only printable ASCII characters"),
    ],
    ids=[
        "leading-space",
        "trailing-newline",
        "inner-space",
        "trailing-tab",
        "wrong-prefix",
        "upper-case-prefix",
        "prefix-only",
        "non-ascii",
        "nul-byte",
    ],
)
def test_a_malformed_key_is_refused_without_echoing_it(key: str, rule: str) -> None:
    """An obviously malformed key raises ValidationError naming the problem, never the key."""
    with pytest.raises(ValidationError) as caught:
        AsyncFlick(key, base_url=MOCK_BASE_URL, throttle=False)
    assert (caught.value.field, caught.value.rule, caught.value.value) == ("api_key", rule, "<redacted>")
    assert str(caught.value) == f"api_key: {rule} (got '<redacted>')"


@pytest.mark.parametrize(
    ("auth", "sent", "absent"),
    [
        ("bearer", ("authorization", f"Bearer {MOCK_KEY}"), "x-api-key"),
        ("x-api-key", ("x-api-key", MOCK_KEY), "authorization"),
    ],
    ids=["bearer", "x-api-key"],
)
async def test_the_key_is_sent_the_way_auth_says(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], auth: str, sent: tuple[str, str], absent: str
) -> None:
    """`auth="bearer"` sends `Authorization: Bearer`, `auth="x-api-key"` sends `X-API-Key`, never both."""
    httpx_mock.add_response(url=ME_URL, json=PROFILE_JSON)
    async with make_mock_client(auth=auth) as flick:
        await flick.me()
    [request] = httpx_mock.get_requests()
    assert request.headers[sent[0]] == sent[1]
    assert absent not in request.headers
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("flick-async/0.1.0 httpx/")


async def test_both_auth_styles_work_against_the_server(make_client: Callable[..., AsyncFlick]) -> None:
    """The local server accepts the key either way."""
    for auth in ("bearer", "x-api-key"):
        async with make_client(auth=auth) as flick:
            assert (await flick.me()).username == "demo"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"auth": "basic"}, "auth"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"timeout": "30"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 2.5}, "max_retries"),
        ({"max_retry_wait": -1}, "max_retry_wait"),
        ({"retry_policy": RetryPolicy(), "max_retries": 2}, "retry_policy"),
        ({"base_url": "ftp://flick.test/api"}, "base_url"),
        ({"base_url": "not a url"}, "base_url"),
    ],
    ids=lambda value: "-".join(f"{k}={v!r}" for k, v in value.items()) if isinstance(value, dict) else value,
)
def test_bad_options_are_refused(options: dict[str, object], field: str) -> None:
    """Each bad option raises ValidationError naming it."""
    options.setdefault("base_url", MOCK_BASE_URL)
    with pytest.raises(ValidationError) as caught:
        AsyncFlick(MOCK_KEY, throttle=False, **options)  # type: ignore[arg-type]
    assert caught.value.field == field


# -- lifecycle ----------------------------------------------------------------------------------


async def test_async_with_returns_the_client_and_closes_it(make_mock_client: Callable[..., AsyncFlick]) -> None:
    """`async with` yields the client itself and closes it, and its own HTTP pool, on exit."""
    flick = make_mock_client()
    async with flick as entered:
        assert entered is flick
        assert not flick.is_closed
    assert flick.is_closed
    assert flick._pipeline.http.is_closed
    await flick.aclose()  # idempotent
    assert repr(flick) == f"<AsyncFlick base_url={MOCK_BASE_URL!r} closed>"


async def test_aclose_leaves_a_passed_http_client_open(server_http: httpx.AsyncClient) -> None:
    """An `http_client` you passed is yours: aclose() does not close it."""
    flick = AsyncFlick(DEMO_API_KEY, base_url=SERVER_BASE_URL, http_client=server_http, throttle=False)
    await flick.aclose()
    assert (flick.is_closed, server_http.is_closed) == (True, False)


USES = [
    pytest.param(lambda f: f.me(), id="me"),
    pytest.param(lambda f: f.resolve("Heat"), id="resolve"),
    pytest.param(lambda f: f.reviews.list(), id="reviews.list"),
    pytest.param(lambda f: f.reviews.create("27205", media_type="movie"), id="reviews.create"),
    pytest.param(lambda f: f.watchlist.list(), id="watchlist.list"),
    pytest.param(lambda f: f.lists.list(), id="lists.list"),
    pytest.param(lambda f: f.lists.items("lst_1").list(), id="lists.items.list"),
    pytest.param(lambda f: anext(f.reviews.iter()), id="reviews.iter"),
]


@pytest.mark.parametrize("use", USES)
async def test_using_a_closed_client_raises_client_closed(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], use: Callable[[AsyncFlick], object]
) -> None:
    """Every endpoint of a closed client raises ClientClosedError (a RuntimeError) and sends nothing."""
    async with make_mock_client() as flick:
        pass
    with pytest.raises(ClientClosedError, match="closed") as caught:
        await use(flick)  # type: ignore[misc]
    assert isinstance(caught.value, RuntimeError)
    assert httpx_mock.get_requests() == []


async def test_an_iterator_made_before_close_fails_after_it(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]
) -> None:
    """A lazy iterator created while open raises ClientClosedError when first iterated after close."""
    flick = make_mock_client()
    iterator = flick.watchlist.iter()
    await flick.aclose()
    with pytest.raises(ClientClosedError):
        await anext(iterator)
    assert httpx_mock.get_requests() == []


async def test_a_closed_client_cannot_be_entered_again(make_mock_client: Callable[..., AsyncFlick]) -> None:
    """`async with` on a closed client raises rather than silently using a dead pool."""
    flick = make_mock_client()
    await flick.aclose()
    with pytest.raises(ClientClosedError):
        async with flick:
            pass


async def test_a_closed_http_client_raises_client_closed(server: FlickServer) -> None:
    """A passed `http_client` that was closed raises ClientClosedError, not httpx's bare RuntimeError."""
    http = httpx.AsyncClient(transport=server.transport())
    await http.aclose()
    flick = AsyncFlick(DEMO_API_KEY, base_url=SERVER_BASE_URL, http_client=http, throttle=False)
    with pytest.raises(ClientClosedError, match="http_client is closed"):
        await flick.me()
    assert list(server.request_log) == []


# -- sharing --------------------------------------------------------------------------------------


async def test_one_client_serves_many_tasks(server: FlickServer, client: AsyncFlick) -> None:
    """Forty tasks share one client; every call gets its own correct answer."""
    usernames: list[str] = []
    totals: list[int] = []

    async def profile() -> None:
        usernames.append((await client.me()).username)

    async def reviews() -> None:
        totals.append((await client.reviews.list(limit=3)).total)

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(profile)
            tg.start_soon(reviews)
    assert usernames == ["demo"] * 20
    assert totals == [len(server.reviews(DEMO_API_KEY))] * 20
    assert server.request_log.statuses() == [200] * 40


# -- rate-limit snapshot ------------------------------------------------------------------------


async def test_rate_limit_is_read_from_the_latest_response(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """`rate_limit` is None before any answer, then mirrors the latest X-RateLimit-* headers, errors included."""
    httpx_mock.add_response(url=ME_URL, json=PROFILE_JSON, headers=RATE_LIMIT_HEADERS)
    httpx_mock.add_response(
        url=ME_URL,
        status_code=500,
        json=envelope("internal_error", "Oops."),
        headers={**RATE_LIMIT_HEADERS, "X-RateLimit-Remaining": "40", "X-RateLimit-Remaining-Day": "4816"},
    )
    httpx_mock.add_response(url=ME_URL, status_code=502, text="proxy")  # no headers: keep what we knew
    assert mock_client.rate_limit is None
    await mock_client.me()
    assert mock_client.rate_limit == RateLimitStatus(
        limit=60, remaining=41, reset=1781200560, limit_day=5000, remaining_day=4817
    )
    with pytest.raises(InternalServerError):
        await mock_client.me()
    with pytest.raises(InternalServerError):
        await mock_client.me()
    assert mock_client.rate_limit == RateLimitStatus(
        limit=60, remaining=40, reset=1781200560, limit_day=5000, remaining_day=4816
    )


async def test_rate_limit_tracks_the_server(client: AsyncFlick, clock: FakeClock) -> None:
    """Against the local server, `remaining` counts down with each request and `reset` lies ahead."""
    await client.me()
    first = client.rate_limit
    await client.me()
    second = client.rate_limit
    assert first is not None
    assert first.reset is not None
    assert clock.time() < first.reset <= clock.time() + 60
    assert first == RateLimitStatus(limit=60, remaining=59, reset=first.reset, limit_day=5000, remaining_day=4999)
    assert second == attrs.evolve(first, remaining=58, remaining_day=4998)


THROTTLE_MISSING = importlib.util.find_spec("flick_async._throttle") is None


@pytest.mark.skipif(THROTTLE_MISSING, reason="flick_async/_throttle.py (RateLimiter) has not landed yet")
async def test_the_default_throttle_keeps_a_burst_under_the_limit(
    server: FlickServer, server_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    """With the default `throttle=True`, 70 calls against a 60/minute server wait instead of getting 429s."""

    async def burst() -> list[str]:
        return [(await flick.me()).username for _ in range(70)]

    async with AsyncFlick(DEMO_API_KEY, base_url=SERVER_BASE_URL, http_client=server_http, clock=clock) as flick:
        usernames = await clock.run(burst)
    assert usernames == ["demo"] * 70
    assert server.request_log.statuses() == [200] * 70
    assert clock.monotonic() - 1_000.0 >= 60.0  # the eleventh-from-last call waited for the next window
    assert flick.rate_limit is not None
    assert flick.rate_limit.limit == 60
