"""The `flick_client` fixture that the pytest plugin gives users."""

from __future__ import annotations

from flick_async import AsyncFlick, Profile
from flick_async.testing import FlickServer


async def test_flick_client_talks_to_the_fixture_server(
    flick_client: AsyncFlick, flick_server: FlickServer, flick_api_key: str
) -> None:
    """The client reaches the same in-process server the test can inspect, and writes land there."""
    async with flick_client:
        profile = await flick_client.me()
        result = await flick_client.reviews.create("27205", media_type="movie", rating=9, review="Plugin check.")
    assert isinstance(profile, Profile)
    assert profile.username == flick_server.profile(flick_api_key)["username"]
    stored = [review for review in flick_server.reviews(flick_api_key) if review["id"] == result.review.id]
    assert [(r["media"]["tmdb_id"], r["rating"], r["review"], r["source"]) for r in stored] == [
        ("27205", 9.0, "Plugin check.", "api")
    ]
    assert flick_client.rate_limit is not None
    assert flick_client.rate_limit.remaining == 58
