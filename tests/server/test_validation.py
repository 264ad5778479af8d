"""Validation: every constraint of the reference, with per-field details; unreadable bodies get a clean 400."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from flick_async.testing import DEMO_API_KEY, Catalog, FakeClock, FlickServer

from .conftest import client_for

MOVIE = {"tmdb_id": "129", "media_type": "movie"}

INVALID_REVIEWS: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("missing-fields", {}, {"tmdb_id": "is required", "media_type": "is required"}),
    ("empty-tmdb-id", {"tmdb_id": "", "media_type": "movie"}, {"tmdb_id": "must be a non-empty string"}),
    ("numeric-tmdb-id", {"tmdb_id": 129, "media_type": "movie"}, {"tmdb_id": "must be a non-empty string"}),
    (
        "unknown-media-type",
        {"tmdb_id": "129", "media_type": "film"},
        {"media_type": "must be one of movie, tv, tv_season, tv_episode"},
    ),
    ("rating-too-high", {**MOVIE, "rating": 10.5}, {"rating": "must be a number from 0 to 10"}),
    ("rating-negative", {**MOVIE, "rating": -1}, {"rating": "must be a number from 0 to 10"}),
    ("rating-string", {**MOVIE, "rating": "9"}, {"rating": "must be a number from 0 to 10"}),
    ("rating-bool", {**MOVIE, "rating": True}, {"rating": "must be a number from 0 to 10"}),
    ("rating-null", {**MOVIE, "rating": None}, {"rating": "must be a number from 0 to 10"}),
    (
        "review-too-long",
        {**MOVIE, "review": "x" * 10_001},
        {"review": "must be at most 10,000 characters (got 10,001)"},
    ),
    ("review-not-string", {**MOVIE, "review": 5}, {"review": "must be a string"}),
    ("too-many-tags", {**MOVIE, "tags": ["t"] * 21}, {"tags": "must hold at most 20 tags (got 21)"}),
    ("tag-too-long", {**MOVIE, "tags": ["ok", "x" * 65]}, {"tags[1]": "must be at most 64 characters (got 65)"}),
    ("tag-not-string", {**MOVIE, "tags": [1]}, {"tags[0]": "must be a string"}),
    ("tags-not-array", {**MOVIE, "tags": "a,b"}, {"tags": "must be an array of strings"}),
    (
        "future-watched-date",
        {**MOVIE, "watched_date": "2026-06-13"},
        {"watched_date": "must not be in the future (today is 2026-06-12 UTC)"},
    ),
    (
        "bad-watched-date",
        {**MOVIE, "watched_date": "2026-02-30"},
        {"watched_date": "must be a date written YYYY-MM-DD"},
    ),
    (
        "datetime-watched-date",
        {**MOVIE, "watched_date": "2026-06-01T10:00:00"},
        {"watched_date": "must be a date written YYYY-MM-DD"},
    ),
    (
        "season-missing",
        {"tmdb_id": "1396", "media_type": "tv_season"},
        {"season_number": "is required when media_type is tv_season"},
    ),
    (
        "episode-missing",
        {"tmdb_id": "1396", "media_type": "tv_episode", "season_number": 1},
        {"episode_number": "is required when media_type is tv_episode"},
    ),
    (
        "both-missing",
        {"tmdb_id": "1396", "media_type": "tv_episode"},
        {
            "season_number": "is required when media_type is tv_episode",
            "episode_number": "is required when media_type is tv_episode",
        },
    ),
    (
        "negative-season",
        {"tmdb_id": "1396", "media_type": "tv_season", "season_number": -1},
        {"season_number": "must be an integer of at least 0"},
    ),
    (
        "float-episode",
        {"tmdb_id": "1396", "media_type": "tv_episode", "season_number": 1, "episode_number": 1.5},
        {"episode_number": "must be an integer of at least 0"},
    ),
]


@pytest.mark.parametrize(("body", "details"), [c[1:] for c in INVALID_REVIEWS], ids=[c[0] for c in INVALID_REVIEWS])
async def test_invalid_review_is_rejected_field_by_field(
    server: FlickServer, http: httpx.AsyncClient, body: dict[str, Any], details: dict[str, str]
) -> None:
    """Each broken constraint is a 400 invalid_request naming the field; nothing is written."""
    before = server.reviews(DEMO_API_KEY)
    response = await http.post("/me/reviews", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["details"] == details
    assert error["message"] == "Invalid request: " + "; ".join(f"{k} {v}" for k, v in details.items()) + "."
    assert server.reviews(DEMO_API_KEY) == before


async def test_watched_today_and_boundaries_are_valid(http: httpx.AsyncClient) -> None:
    """Today's date, ratings 0 and 10, 10,000 characters, 20 tags of 64 characters: all accepted."""
    body = {**MOVIE, "rating": 0, "review": "x" * 10_000, "watched_date": "2026-06-12", "tags": ["t" * 64] * 20}
    assert (await http.post("/me/reviews", json=body)).status_code == 201
    assert (await http.post("/me/reviews", json={**MOVIE, "rating": 10})).status_code == 201


async def test_future_is_judged_by_the_server_clock(catalog: Catalog, clock: FakeClock) -> None:
    """Tomorrow becomes valid once the server's UTC date reaches it."""
    server = FlickServer(catalog=catalog, clock=clock)
    body = {**MOVIE, "watched_date": "2026-06-13"}
    async with client_for(server, DEMO_API_KEY) as http:
        assert (await http.post("/me/reviews", json=body)).status_code == 400
        clock.advance(12 * 3600)
        assert (await http.post("/me/reviews", json=body)).status_code == 201


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("page=0", {"page": "must be at least 1"}),
        ("page=x", {"page": "must be an integer"}),
        ("limit=0", {"limit": "must be from 1 to 100"}),
        ("limit=101", {"limit": "must be from 1 to 100"}),
        ("limit=2.5", {"limit": "must be an integer"}),
        ("page=-1&limit=500", {"page": "must be at least 1", "limit": "must be from 1 to 100"}),
    ],
)
@pytest.mark.parametrize("path", ["/me/reviews", "/me/watchlist", "/me/lists"])
async def test_page_and_limit_bounds(http: httpx.AsyncClient, path: str, query: str, details: dict[str, str]) -> None:
    """page ≥ 1 and 1 ≤ limit ≤ 100 on every list endpoint."""
    response = await http.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == details


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("", {"title": "is required"}),
        ("title=", {"title": "must be 1 to 200 characters (got 0)"}),
        ("title=" + "x" * 201, {"title": "must be 1 to 200 characters (got 201)"}),
        ("title=Up&year=last", {"year": "must be an integer"}),
        ("title=Up&media_type=tv_episode", {"media_type": "must be movie or tv"}),
    ],
    ids=["missing", "empty", "too-long", "bad-year", "bad-media-type"],
)
async def test_resolve_parameters(http: httpx.AsyncClient, query: str, details: dict[str, str]) -> None:
    """title is 1–200 characters, year an integer, media_type movie or tv."""
    response = await http.get(f"/resolve?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == details


@pytest.mark.parametrize(
    ("content", "headers", "message"),
    [
        (b'{"tmdb_id": "129",', {"content-type": "application/json"}, "Malformed JSON body"),
        (b"", {"content-type": "application/json"}, "Malformed JSON body"),
        (b'{"tmdb_id": NaN}', {"content-type": "application/json"}, "Malformed JSON body"),
        (b"\xff\xfe", {"content-type": "application/json"}, "Malformed JSON body"),
        (b"[" * 100_000, {"content-type": "application/json"}, "Malformed JSON body"),
        (
            b'{"tmdb_id": "129", "media_type": "movie"}',
            {"content-type": "text/plain"},
            "Send the body as application/json.",
        ),
        (b'{"tmdb_id": "129", "media_type": "movie"}', {}, "Send the body as application/json."),
        (b'"just a string"', {"content-type": "application/json"}, "Invalid request: body must be a JSON object."),
    ],
    ids=["truncated", "empty", "nan", "not-utf8", "deeply-nested", "text-plain", "no-content-type", "not-an-object"],
)
@pytest.mark.parametrize("path", ["/me/reviews", "/me/reviews/batch"])
async def test_unreadable_bodies_get_a_clean_400(
    http: httpx.AsyncClient, path: str, content: bytes, headers: dict[str, str], message: str
) -> None:
    """Malformed JSON, a wrong content type or a non-object body: 400 invalid_request, never a 500."""
    response = await http.post(path, content=content, headers=headers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith(message)


async def test_oversized_body_is_refused(catalog: Catalog, clock: FakeClock) -> None:
    """A body over max_body_bytes is a 400, whether declared by Content-Length or streamed."""
    server = FlickServer(catalog=catalog, clock=clock, max_body_bytes=1000)
    big = b'{"reviews": [' + b" " * 2000 + b"]}"

    async def chunks() -> Any:
        yield big[:500]
        yield big[500:]

    async with client_for(server, DEMO_API_KEY) as http:
        declared = await http.post("/me/reviews/batch", content=big, headers={"content-type": "application/json"})
        streamed = await http.post("/me/reviews/batch", content=chunks(), headers={"content-type": "application/json"})
    for response in (declared, streamed):
        assert response.status_code == 400
        assert response.json()["error"] == {
            "code": "invalid_request",
            "message": "Request body too large (max 1,000 bytes).",
            "details": {"body": "must be at most 1,000 bytes"},
        }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"tmdb_id": "999999999", "media_type": "movie"}, "No movie found on TMDB for tmdb_id 999999999."),
        ({"tmdb_id": "129", "media_type": "tv"}, "No TV show found on TMDB for tmdb_id 129."),
        (
            {"tmdb_id": "1396", "media_type": "tv_season", "season_number": 7},
            "TV show 1396 has no season 7 on TMDB.",
        ),
        (
            {"tmdb_id": "1396", "media_type": "tv_episode", "season_number": 2, "episode_number": 9},
            "TV show 1396 has no episode 9 in season 2 on TMDB.",
        ),
        (
            {"tmdb_id": "1396", "media_type": "tv_episode", "season_number": 3, "episode_number": 1},
            "TV show 1396 has no season 3 on TMDB.",
        ),
        (
            {"tmdb_id": "2316", "media_type": "tv_season", "season_number": 1},
            "TV show 2316 has no season 1 on TMDB.",
        ),
    ],
    ids=[
        "unknown-movie",
        "movie-id-as-tv",
        "unknown-season",
        "unknown-episode",
        "episode-of-unknown-season",
        "show-without-seasons",
    ],
)
async def test_unknown_titles_are_media_not_found(http: httpx.AsyncClient, body: dict[str, Any], message: str) -> None:
    """A title, season or episode the catalog lacks is 404 media_not_found."""
    response = await http.post("/me/reviews", json=body)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "media_not_found", "message": message}}


async def test_missing_list_is_not_found(http: httpx.AsyncClient) -> None:
    """An unknown list id is 404 not_found."""
    response = await http.get("/me/lists/lst_999999/items")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "No list lst_999999 among your lists."}}


async def test_a_lone_surrogate_in_a_json_escape_is_refused_by_field() -> None:
    """JSON can spell "\\ud83d" as an escape; UTF-8 cannot carry it back out, so the server refuses it."""
    server = FlickServer(clock=FakeClock())
    body = b'{"tmdb_id": "129", "media_type": "movie", "review": "great \\ud83d", "tags": ["ok", "\\udc00"]}'
    async with client_for(server, DEMO_API_KEY) as http:
        response = await http.post("/me/reviews", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert set(details) == {"review", "tags[1]"}
    assert "lone surrogate" in details["review"]
