"""`with_raw_response`: every call returns its result with the HTTP answer (status, headers, limits, timing)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Awaitable, Callable
from typing import Any, assert_type

import anyio
import pytest
from flick_api.api.reviews import list_reviews
from flick_api.models import ReviewPage
from pytest_httpx import HTTPXMock

from flick_async import (
    AsyncFlick,
    InternalServerError,
    NotFoundError,
    Page,
    Profile,
    RateLimitStatus,
    RawResponse,
    Review,
    ReviewInput,
)
from flick_async.testing import DEMO_API_KEY, FakeClock, FlickServer, InternalError, Slow

from .helpers import MOCK_BASE_URL, MOCK_KEY, NO_BACKOFF, PROFILE_JSON, RATE_LIMIT_HEADERS, envelope


async def test_me_raw_carries_the_whole_answer(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """Status, headers, the rate-limit snapshot, method, URL and the parsed profile; never the key."""
    httpx_mock.add_response(url=f"{MOCK_BASE_URL}/me", json=PROFILE_JSON, headers={**RATE_LIMIT_HEADERS, "X-Req": "r1"})
    raw = await mock_client.with_raw_response.me()
    assert_type(raw, RawResponse[Profile])
    assert (raw.status_code, raw.method, raw.url, raw.retries_taken) == (200, "GET", f"{MOCK_BASE_URL}/me", 0)
    assert raw.headers["x-req"] == "r1"
    assert raw.rate_limit == RateLimitStatus(
        limit=60, remaining=41, reset=1781200560, limit_day=5000, remaining_day=4817
    )
    assert raw.elapsed == datetime.timedelta(0)  # the fake clock did not move
    assert raw.parse() == Profile.from_dict(PROFILE_JSON)
    shown = " ".join([repr(raw), raw.url, *raw.headers.values(), str(vars(raw) if hasattr(raw, "__dict__") else "")])
    assert MOCK_KEY not in shown


async def test_retries_taken_counts_the_failed_attempts(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]
) -> None:
    """Two 500s then a 200: retries_taken is 2, and the answer is the last attempt's."""
    for _ in range(2):
        httpx_mock.add_response(status_code=500, json=envelope("internal_error", "boom"))
    httpx_mock.add_response(json=PROFILE_JSON, headers={"X-Attempt": "3"})
    async with make_mock_client(retry_policy=NO_BACKOFF) as flick:
        raw = await flick.with_raw_response.me()
    assert (raw.retries_taken, raw.headers["x-attempt"], raw.status_code) == (2, "3", 200)


async def test_elapsed_is_the_last_attempts_time_on_the_clients_clock(
    server: FlickServer, make_client: Callable[..., AsyncFlick], clock: FakeClock
) -> None:
    """An answer that takes 2.5 s of (fake) server time reports elapsed == 2.5 s."""
    server.faults.add("GET /me", Slow(2.5))
    async with make_client() as flick:
        raw = await clock.run(flick.with_raw_response.me)
    assert raw.elapsed == datetime.timedelta(seconds=2.5)


async def test_errors_raise_as_from_the_plain_call(server: FlickServer, client: AsyncFlick) -> None:
    """The raw view raises the same exceptions (they carry status and headers themselves)."""
    with pytest.raises(NotFoundError):
        await client.with_raw_response.lists.items("lst_missing").list()
    server.faults.add("*", InternalError())
    with pytest.raises(InternalServerError):
        await client.with_options(max_retries=0).with_raw_response.me()


def _plain_and_raw(server: FlickServer) -> dict[str, Callable[[Any], Any]]:
    list_id = server.lists(DEMO_API_KEY)[0]["id"]
    return {
        "me": lambda c: c.me(),
        "resolve": lambda c: c.resolve("Inception", year=2010),
        "reviews.list": lambda c: c.reviews.list(page=2, limit=3),
        "reviews.create": lambda c: c.reviews.create("27205", media_type="movie", rating=8),
        "watchlist.list": lambda c: c.watchlist.list(limit=2),
        "lists.list": lambda c: c.lists.list(),
        "lists.items.list": lambda c: c.lists.items(list_id).list(limit=2),
        "call": lambda c: c.call(list_reviews, page=1, limit=2),
    }


CALLS = list(_plain_and_raw(FlickServer()))


@pytest.mark.parametrize("name", CALLS)
async def test_every_call_has_a_raw_twin_that_parses_to_the_plain_result(
    name: str, server: FlickServer, client: AsyncFlick
) -> None:
    """For each call: parse() equals the plain call's result; method and path are what the server saw."""
    make = _plain_and_raw(server)[name]
    raw = await make(client.with_raw_response)
    plain = await make(client)
    assert isinstance(raw, RawResponse)
    if name == "reviews.create":  # the same review, deduplicated the second time
        assert (raw.parse().review, raw.parse().deduplicated, plain.deduplicated) == (plain.review, False, True)
    else:
        assert raw.parse() == plain
    seen = server.request_log.entries[-2]
    assert (raw.status_code, raw.method) == (seen.status, seen.route.split()[0])
    assert raw.url.split("?")[0] == f"http://127.0.0.1{seen.path}"
    assert raw.rate_limit is not None


async def test_concurrent_raw_calls_each_get_their_own_answer(client: AsyncFlick) -> None:
    """Many raw calls in flight through one client: each response belongs to its own request."""
    results: dict[int, RawResponse[Page[Review]]] = {}

    async def fetch(page: int) -> None:
        results[page] = await client.with_raw_response.reviews.list(page=page, limit=2)

    async with anyio.create_task_group() as tg:
        for page in range(1, 9):
            tg.start_soon(fetch, page)
    for page, raw in results.items():
        assert f"page={page}&" in raw.url or raw.url.endswith(f"page={page}")
        assert raw.parse().page == page


async def test_iter_exposes_each_pages_answer(server: FlickServer, client: AsyncFlick) -> None:
    """`iter()` of the raw view yields the same items; `last_response` is the page each came from."""
    stored = server.reviews(DEMO_API_KEY)
    iterator = client.with_raw_response.reviews.iter(limit=4)
    assert iterator.last_response is None
    seen_pages: list[int] = []
    items = []
    async for review in iterator:
        items.append(review)
        assert iterator.last_response is not None
        page = iterator.last_response.parse()
        assert review in page.items
        if not seen_pages or seen_pages[-1] != page.page:
            seen_pages.append(page.page)
    assert [review.id for review in items] == [review["id"] for review in stored]
    assert seen_pages == list(range(1, math.ceil(len(stored) / 4) + 1))
    assert iterator.stop_reason == "exhausted"


async def test_create_many_raw_has_one_answer_per_chunk_covering_every_item(client: AsyncFlick) -> None:
    """Each answered chunk's RawResponse parses to exactly its outcomes; together they cover every item once."""
    items = [
        ReviewInput(tmdb_id=tmdb_id, media_type="movie", rating=7) for tmdb_id in ("27205", "155", "603", "680", "13")
    ]
    raw = await client.with_raw_response.reviews.create_many(items, chunk_size=2, concurrency=2)
    assert len(raw.chunks) == 3
    covered = sorted(outcome.index for chunk in raw.chunks for outcome in chunk.parse())
    assert covered == list(range(5))
    assert all((chunk.status_code, chunk.method) == (200, "POST") for chunk in raw.chunks)
    assert sorted(len(chunk.parse()) for chunk in raw.chunks) == [1, 2, 2]
    assert raw.parse() is raw.result
    assert raw.result.counts.done == 5


async def test_call_raw_is_typed_by_the_operation(client: AsyncFlick) -> None:
    """`with_raw_response.call(op)` is a RawResponse of the operation's model (checked by mypy)."""
    raw = await client.with_raw_response.call(list_reviews, limit=1)
    assert_type(raw, RawResponse[ReviewPage])
    assert raw.parse().limit == 1


async def test_with_options_and_raw_compose(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """A light client's raw view sends its options."""
    httpx_mock.add_response(url=f"{MOCK_BASE_URL}/me", json=PROFILE_JSON)
    call: Callable[[], Awaitable[RawResponse[Profile]]] = mock_client.with_options(
        headers={"X-A": "1"}
    ).with_raw_response.me
    raw = await call()
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["X-A"] == "1"
    assert raw.status_code == 200
