"""The request the pipeline sends is the one httpx's `build_request` would build.

The pipeline builds requests from cached parts (each path's URL, the client's headers merged with
its own) rather than through `http_client.build_request`, for speed. What goes on the wire must
not change with that: the method, the URL and its query, every header (the user's http_client's,
the client's `with_options` headers overriding them whatever their case, never the key in the
cache), the body, and the timeout; across calls that hit the caches, after the user changes the
http_client's headers, and for an http_client with cookies or query parameters of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import httpx
import pytest
from batch.helpers import items, texts
from flick_api.api.reviews import create_review
from flick_api.models import MediaType, ReviewCreate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flick_async import AsyncFlick, MalformedResponseError, _pipeline
from flick_async.testing import FakeClock

BASE_URL = "https://api.flick.test/api/beta"
KEY = "flick_sk_unit_0123456789abcdef0123"
REVIEW = ReviewCreate(media_type=MediaType.MOVIE, tmdb_id="27205")
PAGE = {"data": [], "page": 1, "limit": 2, "total": 0, "has_more": False}

_NAMES = st.sampled_from(["X-Trace", "x-trace", "X-Team", "Accept", "User-Agent", "X-Client"])
_VALUES = st.text(alphabet="abcxyz019-", min_size=1, max_size=6)
_HEADERS = st.dictionaries(_NAMES, _VALUES, max_size=3)


def _shape(request: httpx.Request) -> tuple[object, ...]:
    return (
        request.method,
        str(request.url),
        sorted((name.lower(), value) for name, value in request.headers.multi_items()),
        request.read(),
        request.extensions.get("timeout"),
    )


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    client_headers=_HEADERS,
    option_headers=_HEADERS,
    later_headers=_HEADERS,
    cookies=st.booleans(),
    params=st.booleans(),
    timeout=st.none() | st.sampled_from([2.5, 30.0]),
)
def test_every_request_is_what_build_request_would_build(
    client_headers: dict[str, str],
    option_headers: dict[str, str],
    later_headers: dict[str, str],
    cookies: bool,
    params: bool,
    timeout: float | None,
) -> None:
    """Random http_client headers, `with_options` headers (names in either case), cookies and query
    parameters of the http_client, timeouts; the same calls twice (the second from the caches), and
    again after the user changed the http_client's headers: each request on the wire equals what
    `http_client.build_request` makes of the same call with the client's headers, plus the key."""
    sent: list[tuple[object, ...]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(_shape(request))  # as it goes on the wire: the key is removed once it has
        return httpx.Response(200, json=PAGE)

    async def run() -> None:
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(answer),
            headers=client_headers,
            cookies={"session": "s1"} if cookies else None,
            params={"tenant": "t1"} if params else None,
        )
        async with (
            http,
            AsyncFlick(KEY, base_url=BASE_URL, http_client=http, throttle=False, clock=FakeClock()) as root,
        ):
            flick = root.with_options(headers=option_headers, timeout=timeout)
            calls: list[Callable[[], Awaitable[object]]] = [
                lambda: flick.reviews.list(limit=2),
                lambda: flick.watchlist.list(page=2, limit=2),
                lambda: flick.call(create_review, body=REVIEW),  # a body, and headers of its own
            ]
            expected: list[httpx.Request] = []
            for round_ in range(3):
                if round_ == 2:
                    http.headers.update(later_headers)
                for call, (method, path, query, body) in zip(
                    calls,
                    [
                        ("GET", "/me/reviews", {"page": 1, "limit": 2}, None),
                        ("GET", "/me/watchlist", {"page": 2, "limit": 2}, None),
                        ("POST", "/me/reviews", None, REVIEW.to_dict()),
                    ],
                    strict=True,
                ):
                    with contextlib.suppress(MalformedResponseError):  # every answer here is a page
                        await call()
                    extra = {"Content-Type": "application/json"} if body is not None else {}
                    expected.append(
                        http.build_request(
                            method,
                            BASE_URL + path,
                            params=query,
                            json=body,
                            headers={**extra, **flick._pipeline.headers, "Authorization": f"Bearer {KEY}"},
                            timeout=httpx.Timeout(timeout),
                        )
                    )
            assert sent == [_shape(request) for request in expected]

    asyncio.run(run())


async def test_the_cached_headers_never_hold_the_key() -> None:
    """The key is set on each request as httpx sends it and removed after; the merged headers the next
    request is built from must not have kept it (a request object left behind would carry it)."""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=PAGE)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer), headers={"X-Team": "t"})
    async with http, AsyncFlick(KEY, base_url=BASE_URL, http_client=http, throttle=False, clock=FakeClock()) as flick:
        first = await flick.reviews.list(limit=2)
        await flick.reviews.list(limit=2)
    assert first.items == []
    assert [request.headers.get("authorization") for request in sent] == [None, None]  # removed after sending
    assert all(request.headers["x-team"] == "t" for request in sent)


async def test_a_hook_that_changes_one_requests_timeout_leaves_the_next_alone() -> None:
    """Each request gets a timeout of its own, as `build_request` gives it: an event hook or a
    transport that edits `request.extensions["timeout"]` in place (to give one slow call more time)
    must not change the timeout of every call after it."""
    seen: list[dict[str, float | None]] = []

    async def stretch_first(request: httpx.Request) -> None:
        if not seen:
            request.extensions["timeout"]["read"] = 99.0

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        return httpx.Response(200, json=PAGE)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer), event_hooks={"request": [stretch_first]})
    async with (
        http,
        AsyncFlick(KEY, base_url=BASE_URL, http_client=http, throttle=False, timeout=5.0, clock=FakeClock()) as flick,
    ):
        for _ in range(3):
            await flick.reviews.list(limit=2)
    assert [timeout["read"] for timeout in seen] == [99.0, 5.0, 5.0]


async def test_calls_with_a_new_header_value_each_time_send_each_and_hold_no_more_than_a_few(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An operation with a header parameter (an idempotency key, a trace id) sends a new value with
    every call: each request carries its own value, and the merged-header sets the pipeline keeps
    for speed stay bounded (a service making millions of calls must not keep one per call)."""
    sent: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("x-request-id"))
        return httpx.Response(200, json=PAGE)

    monkeypatch.setattr(_pipeline, "_MERGED_HEADERS", {})
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with http, AsyncFlick(KEY, base_url=BASE_URL, http_client=http, throttle=False, clock=FakeClock()) as flick:
        pipeline = flick._pipeline
        for i in range(500):
            request = pipeline._build_request({"method": "get", "url": "/me", "headers": {"X-Request-Id": f"r{i}"}})
            await http.send(request)
        held = len(_pipeline._MERGED_HEADERS)
    assert sent == [f"r{i}" for i in range(500)]
    assert held <= _pipeline._HEADER_SETS_HELD < 500


async def test_bulk_writes_through_an_http_client_with_cookies_or_query_parameters_store_every_item() -> None:
    """An http_client with cookies or query parameters of its own has its requests built by httpx's
    `build_request` (which merges those too), not from the cached parts: a bulk write's body,
    encoded by the SDK beforehand, must go with it, or every chunk would be refused as empty."""
    from flick_async.testing import DEMO_API_KEY, FlickServer

    rows = items(120)
    for cookies, params in (({"session": "s1"}, None), (None, {"tenant": "t1"})):
        server = FlickServer()
        account = server.demo_account
        assert account is not None
        http = httpx.AsyncClient(transport=server.transport(), base_url=server.base_url, cookies=cookies, params=params)
        async with (
            http,
            AsyncFlick(DEMO_API_KEY, base_url=server.base_url, http_client=http, throttle=False) as flick,
        ):
            result = await flick.reviews.create_many(rows)
        assert (result.counts.created, result.counts.failed, result.counts.uncertain) == (120, 0, 0)
        stored = [review["review"] for review in server.reviews(account)]
        assert sorted(text for text in stored if text in set(texts(rows))) == texts(rows)
