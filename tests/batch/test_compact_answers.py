"""A big `create_many` result keeps its chunks' answers compressed, and reads the same (#13)."""

from __future__ import annotations

import pickle

import pytest
from flick_api.models import Review

from flick_async import AsyncFlick, _batch

from .helpers import items


@pytest.fixture
def compact_after_60(monkeypatch: pytest.MonkeyPatch) -> None:
    """Results past 60 outcomes hold the rest of their answers compressed (100,000s in real jobs)."""
    monkeypatch.setattr(_batch, "_COMPACT_AFTER", 60)


async def test_compressed_answers_read_the_same_reviews(client: AsyncFlick, compact_after_60: None) -> None:
    """Every outcome's review equals what the server stored, compressed answer or not; the first
    chunks (held before the bound) stay as they came, the later ones are packed."""
    rows = items(230)  # five chunks, the last one short
    result = await client.reviews.create_many(rows)
    assert result.created == 230
    answers = {id(o._review): o._review for o in result if type(o._review) is _batch._Answer}
    packed = [answer._packed for answer in answers.values()]
    assert packed.count(True) >= 3
    assert packed.count(False) >= 1
    stored = {review.review: review async for review in client.reviews.iter()}
    assert [outcome.review for outcome in result] == [stored[row["review"]] for row in rows]
    assert all(isinstance(outcome.review, Review) for outcome in result)  # cached after the first read


async def test_a_compressed_outcome_keeps_its_shape(client: AsyncFlick, compact_after_60: None) -> None:
    """Pickling reads the review through the compressed answer; the copy holds it parsed."""
    result = await client.reviews.create_many(items(120))
    last = result.outcomes[-1]
    answer = last._review
    assert type(answer) is _batch._Answer
    assert answer._packed
    copy = pickle.loads(pickle.dumps(last))
    assert (copy.index, copy.status, copy.input) == (last.index, last.status, last.input)
    assert isinstance(copy.review, Review)
    assert isinstance(last.review, Review)
    # Compared by fields: a pickled Review does not keep the generator's UNSET sentinel (it was so before).
    assert (copy.review.id, copy.review.review, copy.review.created_at) == (
        last.review.id,
        last.review.review,
        last.review.created_at,
    )
