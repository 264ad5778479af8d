"""What actually goes on the wire: the query and body each call sends for the arguments given.

A check that accepts a value is only half the promise; the other half is that the value the server
receives is the one the user meant (`page=2.0` sent as `2`, not `2.0`; no `year` when none was
given; the page size the docs name when none was given). Refused values send nothing at all.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from flick_async import AsyncFlick, ValidationError

from .helpers import MOCK_BASE_URL, page_json, review_json

REVIEWS_URL = f"{MOCK_BASE_URL}/me/reviews"


def _only_request(httpx_mock: HTTPXMock) -> httpx.Request:
    requests = httpx_mock.get_requests()
    assert len(requests) == 1
    return requests[0]


def _query(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


def _empty_page(page: int = 1, limit: int = 50) -> dict[str, Any]:
    return page_json([], page=page, limit=limit, total=0, has_more=False)


# -- list(): page and limit -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "query"),
    [
        ({}, {"page": "1", "limit": "50"}),
        ({"page": 3}, {"page": "3", "limit": "50"}),
        ({"limit": 1}, {"page": "1", "limit": "1"}),
        ({"limit": 100}, {"page": "1", "limit": "100"}),
        ({"page": 2.0, "limit": 10.0}, {"page": "2", "limit": "10"}),
    ],
    ids=["defaults", "page", "smallest-limit", "largest-limit", "integral-floats"],
)
async def test_list_sends_the_page_and_limit_given(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, kwargs: dict[str, Any], query: dict[str, str]
) -> None:
    """The API's own default page size (50) when none is given; integral floats go out as integers."""
    httpx_mock.add_response(json=_empty_page())
    await mock_client.reviews.list(**kwargs)
    request = _only_request(httpx_mock)
    assert (request.method, request.url.path, _query(request)) == ("GET", "/api/beta/me/reviews", query)


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"page": 0}, "page", "must be at least 1"),
        ({"page": -1}, "page", "must be at least 1"),
        ({"page": 1.5}, "page", "must be an integer"),
        ({"page": "2"}, "page", "must be an integer"),
        ({"page": True}, "page", "must be an integer"),
        ({"limit": 0}, "limit", "must be at least 1"),
        ({"limit": 101}, "limit", "must be at most 100"),
        ({"limit": None}, "limit", "must be an integer"),
        ({"limit": False}, "limit", "must be an integer"),
    ],
)
async def test_a_bad_page_or_limit_sends_nothing(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, kwargs: dict[str, Any], field: str, rule: str
) -> None:
    """Out of range, fractional, a string or a bool: a ValidationError naming the field, no request."""
    with pytest.raises(ValidationError) as caught:
        await mock_client.reviews.list(**kwargs)
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert httpx_mock.get_requests() == []


async def test_the_other_lists_send_the_same_query(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """Watchlist, lists and a list's items page the same way, on their own paths."""
    httpx_mock.add_response(json=_empty_page(), is_reusable=True)
    await mock_client.watchlist.list(page=2, limit=5)
    await mock_client.lists.list(limit=7)
    await mock_client.lists.items("lst_9").list(page=4)
    sent = [(r.url.path, _query(r)) for r in httpx_mock.get_requests()]
    assert sent == [
        ("/api/beta/me/watchlist", {"page": "2", "limit": "5"}),
        ("/api/beta/me/lists", {"page": "1", "limit": "7"}),
        ("/api/beta/me/lists/lst_9/items", {"page": "4", "limit": "50"}),
    ]


# -- iter(): the pages it asks for -------------------------------------------------------------------


async def test_iter_pages_by_the_largest_page_the_api_serves(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """iter() asks for 100 items a request by default (the fewest requests), page after page."""
    first = page_json([review_json(f"rev_{i}") for i in range(100)], page=1, limit=100, total=101, has_more=True)
    second = page_json([review_json("rev_100")], page=2, limit=100, total=101, has_more=False)
    httpx_mock.add_response(json=first)
    httpx_mock.add_response(json=second)
    pages = mock_client.reviews.iter()
    ids = [review.id async for review in pages]
    assert len(ids) == 101
    queries = [_query(r) for r in httpx_mock.get_requests()]
    assert queries[0]["limit"] == "100"
    assert queries[-1] == {"page": "2", "limit": "100"}
    assert (pages.complete, pages.stop_reason, pages.pages_fetched) == (True, "exhausted", 2)


async def test_iter_from_a_start_page_asks_for_that_page(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """`start_page=3, limit=10` asks for page 3 of 10 first."""
    httpx_mock.add_response(json=page_json([], page=3, limit=10, total=20, has_more=False))
    pages = mock_client.reviews.iter(start_page=3, limit=10)
    assert [review async for review in pages] == []
    assert _query(_only_request(httpx_mock)) == {"page": "3", "limit": "10"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"start_page": 0}, "page"), ({"max_items": -1}, "max_items")],
)
async def test_iter_refuses_bad_arguments_before_any_request(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, kwargs: dict[str, Any], field: str
) -> None:
    """A bad limit, start page or max_items raises at once, naming it; nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        mock_client.reviews.iter(**kwargs)
    assert caught.value.field == field
    assert httpx_mock.get_requests() == []


# -- resolve(): title, year, media_type ---------------------------------------------------------------

RESOLVED: dict[str, Any] = {"query": {"title": "Inception"}, "match": None, "candidates": []}


@pytest.mark.parametrize(
    ("kwargs", "query"),
    [
        ({"title": "Inception"}, {"title": "Inception"}),
        ({"title": "Inception", "year": 2010}, {"title": "Inception", "year": "2010"}),
        ({"title": "Inception", "year": 2010.0}, {"title": "Inception", "year": "2010"}),
        ({"title": "Inception", "year": 0}, {"title": "Inception", "year": "0"}),
        ({"title": "Dark", "media_type": "tv"}, {"title": "Dark", "media_type": "tv"}),
        ({"title": "x" * 200}, {"title": "x" * 200}),
        ({"title": "Amélie"}, {"title": "Amélie"}),
    ],
    ids=["title-only", "year", "integral-float-year", "year-zero", "media-type", "longest-title", "non-ascii"],
)
async def test_resolve_sends_what_was_given_and_nothing_else(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, kwargs: dict[str, Any], query: dict[str, str]
) -> None:
    """No `year` or `media_type` on the wire unless given; a year is sent as an integer."""
    httpx_mock.add_response(json=RESOLVED)
    await mock_client.resolve(**kwargs)
    request = _only_request(httpx_mock)
    assert (request.url.path, _query(request)) == ("/api/beta/resolve", query)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 42}, "title"),
        ({"title": "bad \ud83d half"}, "title"),
        ({"title": "Inception", "year": "2010"}, "year"),
        ({"title": "Inception", "year": 2010.5}, "year"),
        ({"title": "Inception", "year": True}, "year"),
        ({"title": "Inception", "media_type": "tv_episode"}, "media_type"),
        ({"title": "Inception", "media_type": "Movie"}, "media_type"),
    ],
    ids=[
        "empty-title",
        "long-title",
        "not-a-string",
        "lone-surrogate",
        "string-year",
        "fractional-year",
        "bool-year",
        "unresolvable-type",
        "wrong-case-type",
    ],
)
async def test_resolve_refuses_bad_arguments_before_sending(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, kwargs: dict[str, Any], field: str
) -> None:
    """Each bad argument is named; nothing reaches the server."""
    with pytest.raises(ValidationError) as caught:
        await mock_client.resolve(**kwargs)
    assert caught.value.field == field
    assert httpx_mock.get_requests() == []


# -- create(): the body ------------------------------------------------------------------------------

CREATED = {"review": review_json("rev_1"), "deduplicated": False}


async def test_create_sends_every_field_in_the_apis_form(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """Numbers as numbers (an int id as a string), the date as YYYY-MM-DD, tags as a list in order."""
    httpx_mock.add_response(status_code=201, json=CREATED)
    await mock_client.reviews.create(
        1396,  # type: ignore[arg-type]  # TMDB ids are numeric; an int is taken and sent as a string
        media_type="tv_episode",
        season_number=1,
        episode_number=0,
        rating=8,
        review="Pilot.",
        watched_date=datetime.date(2026, 5, 1),
        tags=("rewatch", "pilot"),
    )
    request = _only_request(httpx_mock)
    assert (request.method, request.url.path) == ("POST", "/api/beta/me/reviews")
    assert json.loads(request.content) == {
        "tmdb_id": "1396",
        "media_type": "tv_episode",
        "season_number": 1,
        "episode_number": 0,
        "rating": 8.0,
        "review": "Pilot.",
        "watched_date": "2026-05-01",
        "tags": ["rewatch", "pilot"],
    }


async def test_create_leaves_out_what_was_not_given(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """An unrated log with no text, date or tags sends only the title: no nulls, no empty list."""
    httpx_mock.add_response(status_code=201, json=CREATED)
    await mock_client.reviews.create("27205", media_type="movie")
    assert json.loads(_only_request(httpx_mock).content) == {"tmdb_id": "27205", "media_type": "movie"}


async def test_a_rating_of_zero_is_sent(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """0 is a rating (the lowest), not "no rating"."""
    httpx_mock.add_response(status_code=201, json=CREATED)
    await mock_client.reviews.create("27205", media_type="movie", rating=0)
    assert json.loads(_only_request(httpx_mock).content)["rating"] == 0.0
