"""The usual batch answer is read by a typed fast path; every answer reads as the general path reads it (#13)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flick_async import MalformedResponseError, ReviewInput, _batch, _json

SIZE = 4


def _review(i: int) -> dict[str, Any]:
    return {
        "id": f"rev_{i}",
        "media": {"tmdb_id": "27205", "type": "movie", "title": "Inception", "year": 2010, "poster_url": None},
        "rating": 9.0,
        "review": f"text {i}",
        "watched_date": "2026-06-01",
        "tags": [],
        "source": "api",
        "created_at": "2026-06-01T10:00:00Z",
    }


def _result(i: int) -> dict[str, Any]:
    return {"index": i, "created": True, "deduplicated": False, "review": _review(i), "error": None}


# One change to one result, each a way for the typed path to be wrong if it took it.
_CHANGES: list[dict[str, Any]] = [
    {},
    {"index": True},
    {"index": 1.0},
    {"index": "0"},
    {"index": 99},
    {"created": False},
    {"created": 1},
    {"deduplicated": True},
    {"deduplicated": None},
    {"review": None},
    {"review": []},
    {"review": "rev"},
    {"error": {"code": "media_not_found", "message": "no such title"}},
    {"error": "boom"},
    {"surplus": {"nested": [1]}},
]


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    results: list[Any] = [_result(i) for i in range(SIZE)]
    for at in draw(st.lists(st.integers(0, SIZE - 1), max_size=3)):
        change = draw(st.sampled_from(_CHANGES))
        if draw(st.booleans()) and change:
            results[at] = {k: v for k, v in results[at].items() if k not in change}  # the key missing
        else:
            results[at] = {**results[at], **change}
    if draw(st.booleans()):
        results = draw(st.permutations(results))
    if draw(st.booleans()):
        results = results[: draw(st.integers(0, SIZE))]
    return {"results": results, "created_count": SIZE}


def _chunk() -> _batch._Chunk:
    chunk = _batch._Chunk()
    chunk.indices.extend(range(10, 10 + SIZE))
    chunk.inputs.extend(ReviewInput(tmdb_id="27205", media_type="movie", review=f"text {i}") for i in range(SIZE))
    chunk.bodies.extend(_json.dumps(review_input.to_body()) for review_input in chunk.inputs)
    chunk.content = b'{"reviews":[' + b",".join(chunk.bodies) + b"]}"
    return chunk


def _read(content: bytes, *, typed: bool) -> list[tuple[Any, ...]]:
    response = httpx.Response(200, content=content, request=httpx.Request("POST", "http://x/me/reviews/batch"))
    if typed:
        results, _ = _batch._read_answer(response)
    else:
        results = _batch._parse_results(json.loads(content))
    outcomes = _batch._outcomes_of(_batch._match(_chunk(), results, content))
    return [(o.index, o.status, o.input, type(o.error), getattr(o.error, "code", None), o.review) for o in outcomes]


@settings(max_examples=400, derandomize=True, deadline=None)
@given(answers())
def test_every_answer_reads_as_the_general_path_reads_it(answer: dict[str, Any]) -> None:
    """Statuses, errors, inputs and reviews are those the plain-JSON path gives, whatever the answer."""
    content = json.dumps(answer).encode()
    assert _read(content, typed=True) == _read(content, typed=False)


def test_the_usual_answer_takes_the_typed_path() -> None:
    """It is decoded into the typed results (the path is not one that always falls back)."""
    content = json.dumps({"results": [_result(i) for i in range(SIZE)]}).encode()
    response = httpx.Response(200, content=content, request=httpx.Request("POST", "http://x/"))
    results, _ = _batch._read_answer(response)
    assert all(type(result) is _batch._StoredResult for result in results)
    assert [o.status for o in _batch._outcomes_of(_batch._match(_chunk(), results, content))] == ["created"] * SIZE


@pytest.mark.parametrize("content", [b"not json", b'{"results": 3}', b"[]"])
def test_an_unreadable_answer_fails_as_before(content: bytes) -> None:
    """Not JSON, or no results list: the same MalformedResponseError the plain path raises."""
    response = httpx.Response(200, content=content, request=httpx.Request("POST", "http://x/"))
    with pytest.raises(MalformedResponseError):
        _batch._read_answer(response)
