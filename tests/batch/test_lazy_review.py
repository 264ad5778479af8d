"""`BatchOutcome.review` is parsed when first read, and the outcome keeps its public shape (#13)."""

from __future__ import annotations

import json
import pickle
from typing import Any

import attrs
import httpx
import pytest
from flick_api.models import Review

from flick_async import AsyncFlick, BatchOutcome, ReviewInput, _batch, _parsing

from .helpers import create_through, item


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every review the bulk machinery parses into a `Review`."""
    calls: list[dict[str, Any]] = []
    real = _parsing.parse_review

    def counting(data: dict[str, Any]) -> Review:
        calls.append(data)
        return real(data)

    monkeypatch.setattr(_batch, "_review", counting)
    return calls


async def test_reviews_are_parsed_only_when_read(client: AsyncFlick, parses: list[dict[str, Any]]) -> None:
    """No review is parsed until read; each is parsed once, and equals what the server stored."""
    rows = [item(i) for i in range(120)]  # three chunks, the last one short
    result = await client.reviews.create_many(rows)
    assert result.created == 120
    assert parses == []
    stored = {review.review: review for review in await _all_reviews(client)}
    first = [outcome.review for outcome in result]
    assert len(parses) == 120
    assert first == [stored[row["review"]] for row in rows]
    assert [outcome.review for outcome in result] == first  # cached: not parsed again
    assert len(parses) == 120


async def test_outcome_keeps_its_shape(client: AsyncFlick) -> None:
    """Equal to one built by hand, frozen, hashed by its fields, picklable, with the attrs-style repr."""
    result = await client.reviews.create_many([item(0)])
    (outcome,) = result.outcomes
    review = outcome.review
    assert isinstance(review, Review)
    assert outcome == BatchOutcome(0, "created", ReviewInput(**item(0)), review=review)
    assert outcome != BatchOutcome(0, "deduplicated", ReviewInput(**item(0)), review=review)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        outcome.status = "failed"  # type: ignore[misc]
    copy = pickle.loads(pickle.dumps(outcome))  # the review travels parsed
    assert (copy.index, copy.status, copy.input, type(copy.review)) == (0, "created", outcome.input, Review)
    assert repr(outcome).startswith("BatchOutcome(index=0, status='created', input=ReviewInput(")
    failed = BatchOutcome(1, "failed", ReviewInput(**item(1)))
    assert hash(failed) == hash(BatchOutcome(1, "failed", ReviewInput(**item(1))))


async def test_an_unparseable_review_reads_as_none(clock: Any) -> None:
    """A review the parser refuses is None when read, as when it was parsed up front; the verdict stands."""
    broken = {
        "id": "rev_1",
        "media": {"tmdb_id": "27205", "type": "movie", "title": "Inception", "year": 2010, "poster_url": None},
        "rating": 9.0,
        "review": None,
        "watched_date": "2026-06-01",
        "tags": [],
        "source": "api",
        "created_at": "not a time",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        count = len(json.loads(request.content)["reviews"])
        results = [
            {"index": i, "created": True, "deduplicated": False, "review": broken, "error": None} for i in range(count)
        ]
        return httpx.Response(200, json={"results": results})

    result = await create_through(answer, [item(0), item(1)])
    assert [outcome.status for outcome in result] == ["created", "created"]
    assert [outcome.review for outcome in result] == [None, None]


async def _all_reviews(client: AsyncFlick) -> list[Review]:
    return [review async for review in client.reviews.iter()]
