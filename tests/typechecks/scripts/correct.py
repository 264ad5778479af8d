"""A user's script that uses flick-async as documented: `mypy --strict` must pass it, and see real types.

`assert_type` cannot tell a real type from `Any` when the name it compares with is itself `Any`
(as every flick_api model is to a mypy that finds no `py.typed`), so each `reveal_type` line
also names the type mypy must reveal, module paths left out.
"""

from __future__ import annotations

import datetime
from typing import assert_type, reveal_type

from flick_async import (
    AsyncFlick,
    BatchOutcome,
    BatchResult,
    Candidate,
    MediaType,
    Page,
    Profile,
    ResolveResult,
    Review,
    ReviewInput,
    ReviewWriteResult,
)


async def main() -> None:
    async with AsyncFlick("flick_sk_example") as flick:
        me = await flick.me()
        assert_type(me, Profile)
        reveal_type(me)  # reveals: Profile
        reveal_type(me.stats)  # reveals: ProfileStats
        name: str = me.username

        page = await flick.reviews.list(limit=10)
        assert_type(page, Page[Review])
        reveal_type(page)  # reveals: Page[Review]
        for review in page.items:
            assert_type(review, Review)
            reveal_type(review.media)  # reveals: Media
            reveal_type(review.media.type_)  # reveals: MediaType
            title: str = review.media.title
            print(name, title, review.rating, page.total)

        async for review in flick.reviews.iter():
            assert_type(review, Review)

        found = await flick.resolve("Heat", year=1995, media_type="movie")
        assert_type(found, ResolveResult)
        assert_type(found.match, Candidate | None)
        reveal_type(found.match)  # reveals: Candidate | None
        if found.match is not None:
            print(found.match.tmdb_id, found.match.score)

        written = await flick.reviews.create(
            "1396",
            media_type="tv_episode",
            season_number=1,
            episode_number=2,
            rating=9,
            watched_date=datetime.date(2026, 6, 1),
            tags=(tag for tag in ("rewatch",)),  # any iterable of strings
        )
        assert_type(written, ReviewWriteResult)

        from_text = "movie"  # a str read from a file: the generated enum types it, the SDK checks it
        items = [ReviewInput(tmdb_id="27205", media_type=MediaType(from_text), rating=8.5)]
        result = await flick.reviews.create_many([*items, {"tmdb_id": "603", "media_type": "movie"}])
        assert_type(result, BatchResult)
        for outcome in result.failed():
            assert_type(outcome, BatchOutcome)
            reveal_type(outcome.input)  # reveals: ReviewInput | Mapping[str, Any]
            reveal_type(outcome.review)  # reveals: Review | None
            retry = ReviewInput.coerce(outcome.input)
            print(retry.tmdb_id, outcome.error)
