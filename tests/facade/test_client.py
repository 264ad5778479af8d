"""AsyncFlick itself: configuration, lifecycle, sharing, and the rate-limit snapshot."""

from __future__ import annotations

import importlib.util
import threading
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
    SystemClock,
    ValidationError,
)
from flick_async.testing import DEMO_API_KEY, FakeClock, FlickServer, Slow, serve_in_thread

from .helpers import MOCK_BASE_URL, MOCK_KEY, PROFILE_JSON, RATE_LIMIT_HEADERS, SERVER_BASE_URL, envelope

ME_URL = f"{MOCK_BASE_URL}/me"


def _record_headers(httpx_mock: HTTPXMock, *, url: str) -> list[httpx.Headers]:
    """Answer `url` with the profile, keeping a copy of the headers each request had as it was sent."""
    seen: list[httpx.Headers] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.copy())
        return httpx.Response(200, json=PROFILE_JSON)

    httpx_mock.add_callback(answer, url=url)
    return seen


# -- configuration ------------------------------------------------------------------------------


async def test_key_and_base_url_come_from_the_environment(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without arguments the key is FLICK_API_KEY and the base URL FLICK_BASE_URL."""
    monkeypatch.setenv("FLICK_API_KEY", "flick_sk_from_env_123456")
    monkeypatch.setenv("FLICK_BASE_URL", "https://staging.flick.test/api/beta/")
    sent = _record_headers(httpx_mock, url="https://staging.flick.test/api/beta/me")
    async with AsyncFlick(throttle=False) as flick:
        assert flick.base_url == "https://staging.flick.test/api/beta"
        await flick.me()
    [headers] = sent
    assert headers["Authorization"] == "Bearer flick_sk_from_env_123456"


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
    seen = _record_headers(httpx_mock, url=ME_URL)
    async with make_mock_client(auth=auth) as flick:
        await flick.me()
    [headers] = seen
    assert headers[sent[0]] == sent[1]
    assert absent not in headers
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("flick-async/0.1.0 httpx/")
    # Once the exchange is over, the request object no longer holds the key (test_security.py).
    [request] = httpx_mock.get_requests()
    assert sent[0] not in request.headers


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
    totals: list[int | None] = []  # Page.total is None when a server sends no usable count

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


# -- timeouts through a passed http_client --------------------------------------------------------


async def test_the_timeout_applies_through_a_passed_http_client_over_a_real_socket() -> None:
    """AsyncFlick(timeout=…) holds through an http_client whose own timeout is shorter (real socket, slow server)."""
    server = FlickServer()  # the real clock: Slow sleeps for real, on the server's side of the socket
    server.faults.add("GET /me", Slow(0.6))
    with serve_in_thread(server) as base_url:
        async with (
            httpx.AsyncClient(timeout=0.2) as http,  # the user's client: a 0.2 s read timeout
            AsyncFlick(
                DEMO_API_KEY, base_url=base_url, http_client=http, throttle=False, timeout=5.0, max_retries=0
            ) as flick,
        ):
            profile = await flick.me()
    assert profile.username == "demo"


async def test_the_timeout_is_set_on_every_request() -> None:
    """Each request carries AsyncFlick's timeout, not the http_client's default; None means no timeout."""
    seen: list[object] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json=PROFILE_JSON)

    for timeout in (7.5, None):
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http,
            AsyncFlick(MOCK_KEY, base_url=MOCK_BASE_URL, http_client=http, throttle=False, timeout=timeout) as flick,
        ):
            await flick.me()
    assert seen == [
        {"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5},
        {"connect": None, "read": None, "write": None, "pool": None},
    ]


# -- aclose() while calls are in flight -----------------------------------------------------------


async def test_a_call_waiting_to_retry_during_aclose_says_the_client_was_closed(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], clock: FakeClock
) -> None:
    """A call between attempts when aclose() runs stops with ClientClosedError naming aclose, not an http_client."""
    httpx_mock.add_response(url=ME_URL, status_code=500, json=envelope("internal_error", "boom"))
    retrying = anyio.Event()
    flick = make_mock_client(
        retry_policy=RetryPolicy(max_retries=3, initial_delay=1.0, jitter=0.0), hooks=[lambda _: retrying.set()]
    )
    caught: list[BaseException] = []

    async def call() -> None:
        try:
            await flick.me()
        except ClientClosedError as exc:
            caught.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(call)
        await retrying.wait()  # the call now sleeps before its retry
        assert clock.next_deadline() is not None
        await flick.aclose()
        clock.advance(1.0)
    [error] = caught
    assert "http_client" not in str(error)
    assert str(error) == "this AsyncFlick client was closed (aclose()) while the call was in flight"
    assert len(httpx_mock.get_requests()) == 1  # no attempt after aclose()


async def test_a_call_on_the_wire_during_aclose_says_the_client_was_closed() -> None:
    """Over a real socket, a call in flight when aclose() closes the client's own pool gets ClientClosedError."""
    on_the_wire = threading.Event()

    class Clock(SystemClock):
        async def sleep(self, seconds: float) -> None:
            on_the_wire.set()  # Slow sleeps here: the request reached the server
            await super().sleep(seconds)

    server = FlickServer(clock=Clock())
    server.faults.add("GET /me", Slow(2.0))
    caught: list[BaseException] = []
    with serve_in_thread(server) as base_url:
        flick = AsyncFlick(DEMO_API_KEY, base_url=base_url, throttle=False, max_retries=2, timeout=10.0)

        async def call() -> None:
            try:
                await flick.me()
            except Exception as exc:  # whatever it is, it is checked below
                caught.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(call)
            assert await anyio.to_thread.run_sync(on_the_wire.wait, 10.0)
            await flick.aclose()
    [error] = caught
    assert isinstance(error, ClientClosedError), repr(error)
    assert "http_client" not in str(error)


async def test_a_closed_passed_http_client_is_named_only_when_it_was_passed(server: FlickServer) -> None:
    """The http_client message stays for a client the user passed and closed, with the call in flight or not."""
    http = httpx.AsyncClient(transport=server.transport())
    flick = AsyncFlick(DEMO_API_KEY, base_url=SERVER_BASE_URL, http_client=http, throttle=False)
    await flick.me()
    await http.aclose()
    with pytest.raises(ClientClosedError, match=r"^the httpx\.AsyncClient passed as http_client is closed$"):
        await flick.me()
