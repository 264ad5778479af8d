"""Review writes: created vs deduplicated, the batch's per-item outcomes, source "api", stats."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from flick_async.testing import DEMO_API_KEY, FakeClock, FlickServer

PILOT = {
    "tmdb_id": "1396",
    "media_type": "tv_episode",
    "season_number": 1,
    "episode_number": 1,
    "rating": 9,
    "review": "A perfect pilot.",
    "watched_date": "2026-06-10",
    "tags": ["rewatch"],
}


async def test_create_returns_201_and_stores_an_api_review(server: FlickServer, http: httpx.AsyncClient) -> None:
    """A new review is 201 with deduplicated false, the full media object and source "api"."""
    response = await http.post("/me/reviews", json=PILOT)
    assert response.status_code == 201
    body = response.json()
    review = body["review"]
    assert body["deduplicated"] is False
    assert review == {
        "id": review["id"],
        "media": {
            "tmdb_id": "1396",
            "type": "tv_episode",
            "title": "Pilot",
            "year": 2008,
            "poster_url": "https://posters.flick.test/w500/tv/1396.jpg",
            "season_number": 1,
            "episode_number": 1,
            "show_title": "Breaking Bad",
        },
        "rating": 9,
        "review": "A perfect pilot.",
        "watched_date": "2026-06-10",
        "tags": ["rewatch"],
        "source": "api",
        "created_at": "2026-06-12T12:00:00Z",
    }
    assert server.reviews(DEMO_API_KEY)[0] == review


async def test_identical_review_is_deduplicated_even_with_other_tags(
    server: FlickServer, http: httpx.AsyncClient
) -> None:
    """Same title, rating, text and watched date: 200, deduplicated, the stored review; tags are not compared."""
    created = (await http.post("/me/reviews", json=PILOT)).json()["review"]
    count = len(server.reviews(DEMO_API_KEY))
    again = await http.post("/me/reviews", json={**PILOT, "tags": ["different"]})
    assert again.status_code == 200
    assert again.json() == {"review": created, "deduplicated": True}
    assert len(server.reviews(DEMO_API_KEY)) == count


@pytest.mark.parametrize(
    "change",
    [
        {"rating": 8},
        {"review": "Still perfect."},
        {"watched_date": "2026-06-11"},
        {"episode_number": 2},
        {"media_type": "tv_season", "episode_number": None},
    ],
    ids=["rating", "text", "watched-date", "episode", "season-not-episode"],
)
async def test_any_compared_field_makes_a_new_review(http: httpx.AsyncClient, change: dict[str, Any]) -> None:
    """Changing the title, rating, text or watched date creates a second review."""
    await http.post("/me/reviews", json=PILOT)
    body = {k: v for k, v in {**PILOT, **change}.items() if v is not None}
    response = await http.post("/me/reviews", json=body)
    assert (response.status_code, response.json()["deduplicated"]) == (201, False)


async def test_unrated_log_without_text_dedupes_too(http: httpx.AsyncClient) -> None:
    """A bare log (no rating, text or date) is identical to another bare log of the same title."""
    first = await http.post("/me/reviews", json={"tmdb_id": "550", "media_type": "movie"})
    second = await http.post("/me/reviews", json={"tmdb_id": "550", "media_type": "movie"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["review"] == {**second.json()["review"], "rating": None, "review": None, "watched_date": None}


async def test_profile_stats_follow_the_stored_data(server: FlickServer, http: httpx.AsyncClient) -> None:
    """The profile's review count grows with created reviews, not with deduplicated ones."""
    before = (await http.get("/me")).json()["stats"]
    await http.post("/me/reviews", json=PILOT)
    await http.post("/me/reviews", json=PILOT)
    after = (await http.get("/me")).json()["stats"]
    assert after == {**before, "reviews": before["reviews"] + 1}
    assert after == {
        "reviews": len(server.reviews(DEMO_API_KEY)),
        "watchlist": len(server.watchlist(DEMO_API_KEY)),
        "lists": len(server.lists(DEMO_API_KEY)),
    }


async def test_batch_reports_every_item_in_input_order(server: FlickServer, http: httpx.AsyncClient) -> None:
    """Created, duplicate-of-stored, duplicate-within-batch, unknown title and invalid items, each in place."""
    stored = (await http.post("/me/reviews", json=PILOT)).json()["review"]
    count = len(server.reviews(DEMO_API_KEY))
    items = [
        {"tmdb_id": "129", "media_type": "movie", "rating": 9.5},
        PILOT,
        {"tmdb_id": "999999999", "media_type": "movie"},
        {"tmdb_id": "129", "media_type": "movie", "rating": 9.5, "tags": ["dupe"]},
        {"tmdb_id": "1396", "media_type": "tv_season", "season_number": 2, "rating": 11},
        "not an object",
        {"tmdb_id": "1399", "media_type": "tv_season", "season_number": 1},
    ]
    response = await http.post("/me/reviews/batch", json={"reviews": items})
    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    first = results[0]["review"]
    assert [r["index"] for r in results] == list(range(7))
    assert [(r["created"], r["deduplicated"]) for r in results] == [
        (True, False),
        (False, True),
        (False, False),
        (False, True),
        (False, False),
        (False, False),
        (True, False),
    ]
    assert results[1]["review"] == stored
    assert results[3]["review"] == first
    assert results[2] == {
        "index": 2,
        "created": False,
        "deduplicated": False,
        "review": None,
        "error": {"code": "media_not_found", "message": "No movie found on TMDB for tmdb_id 999999999."},
    }
    assert results[4]["error"] == {
        "code": "invalid_request",
        "message": "Invalid request: rating must be a number from 0 to 10.",
        "details": {"rating": "must be a number from 0 to 10"},
    }
    assert results[5]["error"]["details"] == {"body": "must be a JSON object"}
    assert all(r["error"] is None for r in results if r["review"] is not None)
    assert (body["created_count"], body["deduplicated_count"], body["error_count"]) == (2, 2, 3)
    assert first["source"] == results[6]["review"]["source"] == "api"
    assert len(server.reviews(DEMO_API_KEY)) == count + 2


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"reviews": []}, {"reviews": "must hold 1 to 50 reviews (got 0)"}),
        (
            {"reviews": [{"tmdb_id": "129", "media_type": "movie"}] * 51},
            {"reviews": "must hold 1 to 50 reviews (got 51)"},
        ),
        ({}, {"reviews": "is required"}),
        ({"reviews": {"tmdb_id": "129"}}, {"reviews": "must be an array"}),
        ([], {"body": "must be a JSON object"}),
    ],
    ids=["empty", "51-items", "missing", "not-array", "not-object"],
)
async def test_malformed_batch_envelope_is_a_top_level_400(
    server: FlickServer, http: httpx.AsyncClient, body: Any, details: dict[str, str]
) -> None:
    """0 or 51 items, or no reviews array: 400 invalid_request for the whole request, nothing written."""
    before = server.reviews(DEMO_API_KEY)
    response = await http.post("/me/reviews/batch", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["details"] == details
    assert server.reviews(DEMO_API_KEY) == before


async def test_batch_of_fifty_is_accepted(server: FlickServer, http: httpx.AsyncClient) -> None:
    """50 items is the maximum and all are written."""
    items = [{"tmdb_id": "550", "media_type": "movie", "rating": i / 5} for i in range(50)]
    body = (await http.post("/me/reviews/batch", json={"reviews": items})).json()
    assert (body["created_count"], body["deduplicated_count"], body["error_count"]) == (50, 0, 0)


async def test_newest_reviews_come_first(server: FlickServer, http: httpx.AsyncClient, clock: FakeClock) -> None:
    """GET /me/reviews lists the latest write first, with created_at from the server clock."""
    await http.post("/me/reviews", json={"tmdb_id": "550", "media_type": "movie"})
    clock.advance(61)
    await http.post("/me/reviews", json={"tmdb_id": "13", "media_type": "movie"})
    data = (await http.get("/me/reviews?limit=2")).json()["data"]
    assert [(r["media"]["tmdb_id"], r["created_at"]) for r in data] == [
        ("13", "2026-06-12T12:01:01Z"),
        ("550", "2026-06-12T12:00:00Z"),
    ]
