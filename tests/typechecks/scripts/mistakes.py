"""A user's script with deliberate mistakes: `mypy --strict` must report each, on its line, with its code.

Each line ending in `# expect: CODE` must get exactly that error; no other line may get any.
"""

from __future__ import annotations

from flick_async import AsyncFlick, ReviewInput


async def main() -> None:
    async with AsyncFlick("flick_sk_example") as flick:
        me = await flick.me()
        print(me.usernme)  # expect: attr-defined

        page = await flick.reviews.list()
        for review in page.items:
            print(review.media.titel)  # expect: attr-defined
            print(review.rating + 1)  # expect: operator
        print(page.total + 1)  # expect: operator

        async for review in flick.reviews.iter():
            print(review.ratng)  # expect: attr-defined

        await flick.reviews.create("27205", media_type="moive")  # expect: arg-type
        await flick.reviews.create("27205", media_type="movie", tags=[1])  # expect: list-item
        await flick.reviews.create("27205", media_type="movie", ratng=9)  # expect: call-arg
        await flick.resolve("Heat", media_type="tv_season")  # expect: arg-type
        found = await flick.resolve("Heat")
        print(found.match.score)  # expect: union-attr

        ReviewInput(tmdb_id="1", media_type="film")  # expect: arg-type
        result = await flick.reviews.create_many([ReviewInput(tmdb_id="1", media_type="movie")])
        for outcome in result.failed():
            print(outcome.input.rating)  # expect: union-attr
        print(result.counts.creatd)  # expect: attr-defined
