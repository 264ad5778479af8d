"""Client-side validation: every constraint of the reference, caught before anything is sent."""

from __future__ import annotations

import datetime
import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from flick_async import AsyncFlick, ReviewInput, ValidationError
from flick_async.testing import FlickServer

from .helpers import MOCK_BASE_URL, page_json, review_json

Call = Callable[[AsyncFlick], object]
TODAY = datetime.datetime.now(datetime.UTC).date()


def _create(**fields: Any) -> Call:
    body: dict[str, Any] = {"tmdb_id": "27205", "media_type": "movie", **fields}
    return lambda flick: flick.reviews.create(**body)


# (call, field, rule): one case per constraint of the reference, and per way of breaking it.
INVALID = [
    # GET /resolve
    pytest.param(lambda f: f.resolve(""), "title", "must be 1–200 characters long", id="title-empty"),
    pytest.param(lambda f: f.resolve("x" * 201), "title", "must be 1–200 characters long", id="title-201-chars"),
    pytest.param(lambda f: f.resolve(None), "title", "must be a string", id="title-none"),
    pytest.param(lambda f: f.resolve("Heat", year="1995"), "year", "must be an integer", id="year-string"),
    pytest.param(lambda f: f.resolve("Heat", year=True), "year", "must be an integer", id="year-bool"),
    pytest.param(lambda f: f.resolve("Heat", year=1995.5), "year", "must be an integer", id="year-fraction"),
    pytest.param(
        lambda f: f.resolve("Heat", media_type="tv_season"),
        "media_type",
        "must be one of movie, tv",
        id="resolve-media-type-season",
    ),
    pytest.param(
        lambda f: f.resolve("Heat", media_type="film"), "media_type", "must be one of movie, tv", id="resolve-film"
    ),
    # page and limit, on every list endpoint and its iterator
    pytest.param(lambda f: f.reviews.list(page=0), "page", "must be at least 1", id="reviews-page-0"),
    pytest.param(lambda f: f.reviews.list(page="2"), "page", "must be an integer", id="reviews-page-string"),
    pytest.param(lambda f: f.reviews.list(limit=0), "limit", "must be at least 1", id="reviews-limit-0"),
    pytest.param(lambda f: f.reviews.list(limit=101), "limit", "must be at most 100", id="reviews-limit-101"),
    pytest.param(lambda f: f.reviews.list(limit=50.5), "limit", "must be an integer", id="reviews-limit-fraction"),
    pytest.param(lambda f: f.watchlist.list(page=-1), "page", "must be at least 1", id="watchlist-page-negative"),
    pytest.param(lambda f: f.watchlist.list(limit=101), "limit", "must be at most 100", id="watchlist-limit-101"),
    pytest.param(lambda f: f.lists.list(page=0), "page", "must be at least 1", id="lists-page-0"),
    pytest.param(lambda f: f.lists.list(limit=1000), "limit", "must be at most 100", id="lists-limit-1000"),
    pytest.param(lambda f: f.lists.items("lst_1").list(page=0), "page", "must be at least 1", id="items-page-0"),
    pytest.param(lambda f: f.lists.items("lst_1").list(limit=0), "limit", "must be at least 1", id="items-limit-0"),
    pytest.param(lambda f: f.reviews.iter(limit=101), "limit", "must be at most 100", id="reviews-iter-limit"),
    pytest.param(lambda f: f.watchlist.iter(start_page=0), "page", "must be at least 1", id="watchlist-iter-start"),
    pytest.param(lambda f: f.lists.iter(limit=0), "limit", "must be at least 1", id="lists-iter-limit"),
    pytest.param(
        lambda f: f.lists.items("lst_1").iter(max_items=-1),
        "max_items",
        "must be a non-negative integer or None",
        id="items-iter-max-items",
    ),
    # list_id
    pytest.param(
        lambda f: f.lists.items(""),
        "list_id",
        "must be a non-empty string (an id from lists.list())",
        id="list-id-empty",
    ),
    pytest.param(
        lambda f: f.lists.items("   "),
        "list_id",
        "must be a non-empty string (an id from lists.list())",
        id="list-id-blank",
    ),
    pytest.param(
        lambda f: f.lists.items(None),
        "list_id",
        "must be a non-empty string (an id from lists.list())",
        id="list-id-none",
    ),
    # POST /me/reviews
    pytest.param(_create(tmdb_id=""), "tmdb_id", "must be a non-empty string", id="tmdb-id-empty"),
    pytest.param(_create(tmdb_id=None), "tmdb_id", "must be a non-empty string", id="tmdb-id-none"),
    pytest.param(
        _create(media_type="film"), "media_type", "must be one of movie, tv, tv_episode, tv_season", id="media-type"
    ),
    pytest.param(_create(rating=-0.1), "rating", "must be between 0 and 10", id="rating-below-0"),
    pytest.param(_create(rating=10.01), "rating", "must be between 0 and 10", id="rating-above-10"),
    pytest.param(_create(rating=float("nan")), "rating", "must be between 0 and 10", id="rating-nan"),
    pytest.param(_create(rating=float("inf")), "rating", "must be between 0 and 10", id="rating-inf"),
    pytest.param(_create(rating="9"), "rating", "must be a number", id="rating-string"),
    pytest.param(_create(rating=True), "rating", "must be a number", id="rating-bool"),
    pytest.param(_create(review="x" * 10_001), "review", "must be at most 10,000 characters", id="review-10001"),
    pytest.param(_create(review=42), "review", "must be a string", id="review-not-string"),
    pytest.param(_create(tags=[f"t{i}" for i in range(21)]), "tags", "must hold at most 20 tags", id="tags-21"),
    pytest.param(_create(tags=["ok", "x" * 65]), "tags[1]", "must be at most 64 characters", id="tag-65-chars"),
    pytest.param(_create(tags=["ok", 7]), "tags[1]", "must be a string", id="tag-not-string"),
    pytest.param(_create(tags="rewatch"), "tags", "must be a list of strings", id="tags-lone-string"),
    pytest.param(
        _create(watched_date="2026/06/01"), "watched_date", "must be a date written YYYY-MM-DD", id="date-slashes"
    ),
    pytest.param(
        _create(watched_date="2026-6-1"), "watched_date", "must be a date written YYYY-MM-DD", id="date-unpadded"
    ),
    pytest.param(
        _create(watched_date="2026-02-30"), "watched_date", "must be a date written YYYY-MM-DD", id="date-no-such-day"
    ),
    pytest.param(
        _create(watched_date=datetime.datetime(2026, 6, 1, 12, 0)),
        "watched_date",
        "must be a date (YYYY-MM-DD), not a datetime",
        id="date-is-datetime",
    ),
    pytest.param(
        _create(watched_date=20260601),
        "watched_date",
        "must be a datetime.date or a YYYY-MM-DD string",
        id="date-int",
    ),
    pytest.param(
        _create(watched_date=TODAY + datetime.timedelta(days=2)),
        "watched_date",
        "must not be in the future",
        id="date-future",
    ),
    pytest.param(
        _create(media_type="tv_season"),
        "season_number",
        "is required when media_type is tv_season",
        id="season-missing-for-season",
    ),
    pytest.param(
        _create(media_type="tv_episode", episode_number=1),
        "season_number",
        "is required when media_type is tv_episode",
        id="season-missing-for-episode",
    ),
    pytest.param(
        _create(media_type="tv_episode", season_number=1),
        "episode_number",
        "is required when media_type is tv_episode",
        id="episode-missing-for-episode",
    ),
    pytest.param(
        _create(media_type="tv_season", season_number=-1), "season_number", "must be at least 0", id="season-negative"
    ),
    pytest.param(
        _create(media_type="tv_season", season_number="1"), "season_number", "must be an integer", id="season-string"
    ),
    pytest.param(
        _create(media_type="tv_season", season_number=1.5), "season_number", "must be an integer", id="season-fraction"
    ),
]


async def _run(call: Call, flick: AsyncFlick) -> None:
    result = call(flick)  # iter() raises at once; the coroutine methods raise when awaited
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize(("call", "field", "rule"), INVALID)
async def test_invalid_input_raises_before_sending(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, call: Call, field: str, rule: str
) -> None:
    """Each broken rule raises ValidationError (a ValueError) naming field and rule; nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        await _run(call, mock_client)
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"{field}: {rule} (got ")
    assert httpx_mock.get_requests() == []


# The limits themselves are allowed: validation must not be stricter than the server.
BOUNDARIES = [
    pytest.param(lambda f: f.resolve("x" * 200, year=0), "GET", "/resolve", id="title-200-chars"),
    pytest.param(lambda f: f.resolve("x", media_type="tv"), "GET", "/resolve", id="title-1-char"),
    pytest.param(lambda f: f.reviews.list(page=1, limit=100), "GET", "/me/reviews", id="limit-100"),
    pytest.param(lambda f: f.watchlist.list(limit=1), "GET", "/me/watchlist", id="limit-1"),
    pytest.param(_create(rating=0), "POST", "/me/reviews", id="rating-0"),
    pytest.param(_create(rating=10), "POST", "/me/reviews", id="rating-10"),
    pytest.param(_create(review="x" * 10_000), "POST", "/me/reviews", id="review-10000"),
    pytest.param(_create(tags=["x" * 64] * 20), "POST", "/me/reviews", id="tags-20-of-64"),
    pytest.param(_create(watched_date=TODAY), "POST", "/me/reviews", id="watched-today"),
    pytest.param(_create(tmdb_id=27205), "POST", "/me/reviews", id="numeric-tmdb-id"),
    # JSON Schema's integer is any number without a fraction: 1995.0 is taken (and sent as 1995).
    pytest.param(lambda f: f.resolve("Heat", year=1995.0), "GET", "/resolve", id="year-integral-float"),
    pytest.param(lambda f: f.reviews.list(limit=50.0), "GET", "/me/reviews", id="limit-integral-float"),
    # The schema asks for minLength 1, nothing more: a blank id is the server's to judge (a 404).
    pytest.param(_create(tmdb_id="  "), "POST", "/me/reviews", id="blank-tmdb-id"),
    pytest.param(
        _create(tmdb_id="1396", media_type="tv_episode", season_number=0, episode_number=0),
        "POST",
        "/me/reviews",
        id="season-0-episode-0",
    ),
]


@pytest.mark.parametrize(("call", "method", "path"), BOUNDARIES)
async def test_values_at_the_limits_are_sent(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, call: Call, method: str, path: str
) -> None:
    """Values exactly at a documented limit pass validation and reach the server."""
    if path == "/resolve":
        httpx_mock.add_response(method=method, json={"match": None, "candidates": []})
    elif method == "POST":
        httpx_mock.add_response(
            method=method, status_code=201, json={"review": review_json("r"), "deduplicated": False}
        )
    else:
        httpx_mock.add_response(method=method, json=page_json([], total=0, has_more=False))
    await _run(call, mock_client)
    [request] = httpx_mock.get_requests()
    assert (request.method, request.url.path) == (method, f"/api/beta{path}")
    assert str(request.url).startswith(MOCK_BASE_URL)


async def test_the_create_body_holds_exactly_the_given_fields(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """Optional fields left out are not sent; given ones are sent in the API's spelling."""
    httpx_mock.add_response(method="POST", status_code=201, json={"review": review_json("r"), "deduplicated": False})
    await mock_client.reviews.create(
        "1396",
        media_type="tv_episode",
        season_number=1,
        episode_number=2,
        rating=7,
        review="Good.",
        watched_date=datetime.date(2026, 6, 1),
        tags=("rewatch", "cozy"),
    )
    [request] = httpx_mock.get_requests()
    assert json.loads(request.content) == {
        "tmdb_id": "1396",
        "media_type": "tv_episode",
        "season_number": 1,
        "episode_number": 2,
        "rating": 7.0,
        "review": "Good.",
        "watched_date": "2026-06-01",
        "tags": ["rewatch", "cozy"],
    }


def test_review_input_coerce_names_an_unknown_or_missing_field() -> None:
    """A mapping with a misspelt or missing field is rejected by name."""
    with pytest.raises(ValidationError) as unknown:
        ReviewInput.coerce({"tmdb_id": "1", "media_type": "movie", "ratng": 9})
    with pytest.raises(ValidationError) as missing:
        ReviewInput.coerce({"tmdb_id": "1"})
    assert [(e.value.field, e.value.rule) for e in (unknown, missing)] == [
        ("ratng", "is not a review field"),
        ("media_type", "is required"),
    ]


# --- what the schema and the server accept, the SDK must accept too (issue #11) -------------

ACCEPTED_BY_THE_API = [
    pytest.param({"media_type": "movie", "season_number": 1}, id="season-on-movie"),
    pytest.param({"tmdb_id": "1396", "media_type": "tv", "season_number": 2}, id="season-on-tv"),
    pytest.param(
        {"tmdb_id": "1396", "media_type": "tv", "season_number": 2, "episode_number": 3}, id="season-episode-on-tv"
    ),
    pytest.param(
        {"tmdb_id": "1396", "media_type": "tv_season", "season_number": 1, "episode_number": 2}, id="ep-on-season"
    ),
]


@pytest.mark.parametrize("fields", ACCEPTED_BY_THE_API)
async def test_what_the_server_accepts_is_sent_and_created(client: AsyncFlick, fields: dict[str, Any]) -> None:
    """The schema allows these bodies and the local server answers 201: the SDK must not refuse them."""
    body: dict[str, Any] = {"tmdb_id": "27205", "media_type": "movie", **fields}
    result = await client.reviews.create(**body)
    assert result.review.id


async def test_the_extra_numbers_are_sent_as_given(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """A season number on a movie is the server's to judge: sent as given, not dropped."""
    httpx_mock.add_response(method="POST", status_code=201, json={"review": review_json("r"), "deduplicated": False})
    await mock_client.reviews.create("27205", media_type="movie", season_number=1)
    [request] = httpx_mock.get_requests()
    assert json.loads(request.content) == {"tmdb_id": "27205", "media_type": "movie", "season_number": 1}


async def test_integral_floats_are_sent_as_integers(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """2.0 is an integer to JSON Schema; the SDK sends it as 2, so no server can read it as a fraction."""
    httpx_mock.add_response(method="POST", status_code=201, json={"review": review_json("r"), "deduplicated": False})
    httpx_mock.add_response(method="GET", json={"match": None, "candidates": []})
    await mock_client.reviews.create("1396", media_type="tv_episode", season_number=2.0, episode_number=1e1)  # type: ignore[arg-type]
    await mock_client.resolve("Heat", year=1995.0)  # type: ignore[arg-type]
    create, resolve = httpx_mock.get_requests()
    sent = json.loads(create.content)
    assert (sent["season_number"], sent["episode_number"]) == (2, 10)
    assert all(type(sent[name]) is int for name in ("season_number", "episode_number"))
    assert resolve.url.params["year"] == "1995"


@pytest.mark.parametrize("year", [-1, -(10**6), 0, 10**6])
async def test_resolve_takes_any_integer_year(client: AsyncFlick, year: int) -> None:
    """The schema sets no bounds on `year`: a negative one is the server's to judge."""
    result = await client.resolve("Heat", year=year)
    assert result.candidates is not None


async def test_tags_may_be_any_iterable_of_strings(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """A generator, a set or a dict view of tags is read once, in order, and sent as a list."""
    for _ in range(3):
        httpx_mock.add_response(
            method="POST", status_code=201, json={"review": review_json("r"), "deduplicated": False}
        )
    await mock_client.reviews.create("27205", media_type="movie", tags=(t for t in ("rewatch", "cozy")))
    await mock_client.reviews.create("27205", media_type="movie", tags=frozenset({"solo"}))
    await mock_client.reviews.create("27205", media_type="movie", tags={"a": 1, "b": 2}.keys())
    sent = [json.loads(request.content)["tags"] for request in httpx_mock.get_requests()]
    assert sent == [["rewatch", "cozy"], ["solo"], ["a", "b"]]
    assert ReviewInput(tmdb_id="1", media_type="movie", tags=iter(["x"])).tags == ("x",)


@pytest.mark.parametrize("tags", [{"rewatch": True}, b"rewatch", 7])
async def test_tags_that_are_not_an_iterable_of_strings_are_named(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, tags: object
) -> None:
    """A mapping (its keys would be sent silently), bytes or a number is refused, not reinterpreted."""
    with pytest.raises(ValidationError) as caught:
        await mock_client.reviews.create("27205", media_type="movie", tags=tags)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("tags", "must be a list of strings")
    assert httpx_mock.get_requests() == []


# --- strings JSON cannot carry as UTF-8 (issue #11: a lone surrogate) -------------------------

LONE = "great \ud83d"
UNSENDABLE = [
    pytest.param(_create(review=LONE), "review", id="review"),
    pytest.param(_create(tags=["ok", LONE]), "tags[1]", id="tag"),
    pytest.param(_create(tmdb_id="27205\udc00"), "tmdb_id", id="tmdb-id"),
    pytest.param(lambda f: f.resolve(LONE), "title", id="resolve-title"),
    pytest.param(lambda f: f.lists.items("lst_\ud800"), "list_id", id="list-id"),
]


@pytest.mark.parametrize(("call", "field"), UNSENDABLE)
async def test_a_lone_surrogate_is_a_validation_error_before_sending(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, call: Call, field: str
) -> None:
    """Not a UnicodeEncodeError from deep inside httpx: a ValidationError naming the field, nothing sent."""
    with pytest.raises(ValidationError) as caught:
        await _run(call, mock_client)
    assert caught.value.field == field
    assert "lone surrogate" in caught.value.rule
    str(caught.value).encode("utf-8")  # the message itself is printable anywhere
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("validate", [True, False])
@pytest.mark.parametrize("field", ["review", "tags", "tmdb_id"])
async def test_a_lone_surrogate_fails_its_item_alone_in_create_many(
    client: AsyncFlick, server: FlickServer, validate: bool, field: str
) -> None:
    """10 good items and 1 bad: the bad one fails with a ValidationError, the 10 are created, none cancelled."""
    bad: dict[str, Any] = {"tmdb_id": "27205", "media_type": "movie", "rating": 5}
    bad[field] = [LONE] if field == "tags" else LONE
    good = [{"tmdb_id": "27205", "media_type": "movie", "rating": 5, "review": f"take {i}"} for i in range(10)]
    items = [*good[:4], bad, *good[4:]]
    assert server.demo_account is not None
    before = len(server.reviews(server.demo_account))
    result = await client.reviews.create_many(items, chunk_size=3, validate=validate)
    assert [o.status for o in result] == ["created"] * 4 + ["failed"] + ["created"] * 6
    failed = result.outcomes[4]
    assert isinstance(failed.error, ValidationError)
    assert failed.error.field.startswith(field)
    assert result.complete
    assert len(server.reviews(server.demo_account)) == before + 10
