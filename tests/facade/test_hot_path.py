"""The per-call path does each piece of work once, and its shortcuts keep what they replace (#13)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flick_async import AsyncFlick, RateLimiter, RateLimitStatus, _pipeline, _rate_limit, _throttle
from flick_async._throttle import NoThrottle
from flick_async.testing import DEMO_API_KEY, FakeClock, FlickServer

from .helpers import PROFILE_JSON


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Headers]:
    """Every reading of the rate-limit headers, from the pipeline and the throttles alike.

    (`parse_rate_limit_headers` where only the snapshot is wanted, `read_headers` where `Date`
    and `Reset` are read with it.)
    """
    calls: list[httpx.Headers] = []
    real_parse, real_read = _rate_limit.parse_rate_limit_headers, _rate_limit.read_headers

    def counting_parse(headers: httpx.Headers) -> RateLimitStatus | None:
        calls.append(headers)
        return real_parse(headers)

    def counting_read(headers: httpx.Headers) -> tuple[RateLimitStatus | None, bytes | None, bytes | None]:
        calls.append(headers)
        return real_read(headers)

    monkeypatch.setattr(_pipeline, "parse_rate_limit_headers", counting_parse)
    monkeypatch.setattr(_throttle, "parse_rate_limit_headers", counting_parse)
    monkeypatch.setattr(_throttle, "read_headers", counting_read)
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


# -- requests built from cached parts (`Pipeline._build_request`) ----------------------------------


def _reference(pipeline: _pipeline.Pipeline, kwargs: dict[str, Any]) -> httpx.Request:
    """The request as `httpx.AsyncClient.build_request` builds it from the same call."""
    extra = kwargs.get("headers")
    return pipeline.http.build_request(
        kwargs["method"].upper(),
        pipeline.base_url + kwargs["url"],
        params=kwargs.get("params"),
        content=kwargs.get("content"),
        json=kwargs.get("json"),
        headers={**extra, **pipeline.headers} if extra else pipeline.headers,
        timeout=pipeline._request_timeout,
    )


def _shape(request: httpx.Request) -> tuple[Any, ...]:
    return (request.method, str(request.url), request.headers.multi_items(), request.extensions, request.read())


CALLS: list[dict[str, Any]] = [
    {"method": "get", "url": "/me"},
    {"method": "get", "url": "/me/reviews", "params": {"page": 2, "limit": 50}},
    {
        "method": "post",
        "url": "/me/reviews/batch",
        "content": b'{"reviews":[]}',
        "headers": {"Content-Type": "application/json"},
    },
    {"method": "post", "url": "/me/reviews", "json": {"tmdb_id": "27205", "media_type": "movie"}},
    {"method": "delete", "url": "/me/reviews/rev_1"},
]


@pytest.mark.parametrize(
    "client_options",
    [
        {},
        {"headers": {"X-Team": "a", "Accept": "text/plain"}},
        {"cookies": {"session": "s"}},
        {"params": {"trace": "1"}},
        {"base_url": "http://elsewhere.test/v2"},  # the SDK's base URL wins: its URLs are absolute
    ],
)
async def test_requests_are_built_as_httpx_builds_them(client_options: dict[str, Any]) -> None:
    """Method, URL, headers (order included), timeout and body as `build_request` gives them,
    through a passed client of any configuration, a `with_options` view, and after the client's
    own headers change (the cached merge is redone)."""
    async with (
        httpx.AsyncClient(**client_options) as http,
        AsyncFlick(DEMO_API_KEY, base_url="http://127.0.0.1/api/beta", http_client=http, throttle=False) as flick,
    ):
        view = flick.with_options(headers={"X-Trace": "t", "accept": "application/xml"}, timeout=3)
        for pipeline in (flick._pipeline, view._pipeline, flick._pipeline):
            for kwargs in CALLS:
                assert _shape(pipeline._build_request(kwargs)) == _shape(_reference(pipeline, kwargs))
            http.headers["X-Changed"] = str(len(http.headers))
            http.headers.pop("X-Team", None)


_DOCUMENTED_REVIEW: dict[str, Any] = {
    "id": "rev_1",
    "created_at": "2026-06-14T20:31:00Z",
    "media": {"tmdb_id": "27205", "type": "movie", "title": "Inception", "year": 2010, "poster_url": None},
    "rating": 9,
    "review": None,
    "source": "app",
    "tags": ["mind"],
    "watched_date": "2026-06-13",
}


@pytest.mark.parametrize(
    ("extra", "read_from_bytes"),
    [
        ({}, True),
        ({"likes": 3}, False),  # an unknown field: kept, so the page is read the general way
        ({"media": {**_DOCUMENTED_REVIEW["media"], "type": "podcast", "studio": "A24"}}, False),
        ({"media": {**_DOCUMENTED_REVIEW["media"], "type": "podcast"}}, True),  # unknown enum value
    ],
)
async def test_a_page_of_reviews_read_from_its_bytes_is_what_the_generated_parser_makes(
    extra: dict[str, Any], read_from_bytes: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`reviews.list()` gives `Review.from_dict`'s models whichever way the page is read, and
    reads it from its bytes exactly when every review has the documented keys."""
    from flick_api.models import Review

    from flick_async import _parsing, _resources

    reads: list[bool] = []
    real = _parsing.parse_review_page

    def spying(content: bytes) -> Any:
        result = real(content)
        reads.append(result is not None)
        return result

    monkeypatch.setattr(_resources, "parse_review_page", spying)
    items = [_DOCUMENTED_REVIEW, {**_DOCUMENTED_REVIEW, "id": "rev_2", **extra}]
    body = {"data": items, "page": 1, "limit": 2, "total": 3, "has_more": True}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncFlick(DEMO_API_KEY, http_client=http, throttle=False) as flick,
    ):
        page = await flick.reviews.list(limit=2)
    assert reads == [read_from_bytes]
    assert page.items == [Review.from_dict(item) for item in items]
    assert (page.page, page.limit, page.total, page.has_more) == (1, 2, 3, True)
    assert page.items[1].additional_properties == {key: 3 for key in extra if key == "likes"}


async def test_clients_share_parsed_urls_and_the_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client per key parses `/me` once for the process, not once per client; every request
    still goes to its own client's address; past the bound, URLs are parsed per request, not kept."""
    monkeypatch.setattr(_pipeline, "_URLS", {})
    monkeypatch.setattr(_pipeline, "_URLS_HELD", 2)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=PROFILE_JSON)

    bases = [
        "http://127.0.0.1/api/beta",
        "http://127.0.0.1/api/beta",
        "http://localhost:8000/api/beta",
        "http://[::1]/x",
    ]
    parsed: list[list[httpx.URL]] = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        for base in bases:
            async with AsyncFlick(DEMO_API_KEY, base_url=base, http_client=http, throttle=False) as flick:
                await flick.me()
                await flick.me()
            parsed.append(list(_pipeline._URLS.values()))
    assert [str(r.url) for r in seen] == [f"{bases[i // 2]}/me" for i in range(8)]
    assert parsed[0] == [seen[0].url]
    assert parsed[1][0] is parsed[0][0]  # the second client on the address parsed nothing
    assert [str(url) for url in parsed[3]] == [f"{bases[0]}/me", f"{bases[2]}/me"]  # bounded: [::1] not kept
