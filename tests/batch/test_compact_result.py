"""A `create_many` result holds its stored chunks compactly and makes the outcomes when first read (#13).

The promises that must survive it:
- every outcome's `input` is the item as handed in (as `ReviewInput.coerce` reads it, the
  value types included), whatever the caller does to its dicts after they were read;
- `outcomes` is made once: the same objects on every read, from any thread;
- `counts`, `len`, `failed()`, `uncertain()` and `repr` agree with the outcomes without making them;
- the result pickles and compares as the result built from its outcomes by hand;
- a job that `asyncio.run` returns does not pay for a repr of every outcome.
"""

from __future__ import annotations

import asyncio
import datetime
import pickle
import random
import threading
from typing import Any

import anyio.to_thread
import attrs
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flick_async import AsyncFlick, BatchOutcome, BatchResult, ReviewInput, _batch, _json
from flick_async.testing import FlickServer

from .helpers import FAST, MOVIES, SERVER_BASE_URL, item

KEY = "flick_sk_compact_0123456789"
MOCK_URL = "http://127.0.0.1/api/beta"


def _made(result: BatchResult) -> bool:
    """Whether the result's outcomes have been made (`_batch._Lazy`)."""
    held = result._outcomes
    return not isinstance(held, _batch._Lazy) or held.outcomes is not None


def _exact(review_input: Any) -> list[tuple[type, Any]]:
    """A ReviewInput's fields with their types: 8 and 8.0 are equal, but only one is what was handed in."""
    return [(type(value), value) for value in attrs.astuple(review_input, recurse=False)]


# Items the fast path takes, in every shape that sends them as given and every one it converts:
# int or float ratings, dates as strings or date objects, None or missing fields, tags as a list,
# a tuple, empty or missing.
_ROWS = st.fixed_dictionaries(
    {"tmdb_id": st.sampled_from(MOVIES[:20]), "media_type": st.just("movie")},
    optional={
        "rating": st.one_of(st.none(), st.integers(0, 10), st.floats(0, 10)),
        "review": st.one_of(st.none(), st.text(max_size=12)),
        "watched_date": st.one_of(
            st.none(), st.sampled_from(["2026-05-01", "2025-12-31"]), st.just(datetime.date(2026, 5, 1))
        ),
        "tags": st.one_of(st.none(), st.lists(st.text(max_size=5), max_size=3), st.tuples(st.just("t"))),
    },
)


def _answer_all_stored(request: httpx.Request) -> httpx.Response:
    sent = _json.loads(request.content)["reviews"]
    results = [
        {
            "index": i,
            "created": i % 3 != 0,
            "deduplicated": i % 3 == 0,
            "review": {"id": f"rev_{i}", "media": {"tmdb_id": body["tmdb_id"], "media_type": "movie"}},
            "error": None,
        }
        for i, body in enumerate(sent)
    ]
    return httpx.Response(200, json={"results": results, "created_count": len(sent), "deduplicated_count": 0})


async def _create_many(rows: Any, answer: Any = _answer_all_stored, **options: Any) -> BatchResult:
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http,
        AsyncFlick(KEY, base_url=MOCK_URL, http_client=http, throttle=False, retry_policy=FAST) as flick,
    ):
        return await flick.reviews.create_many(rows, **options)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(_ROWS, min_size=1, max_size=120))
async def test_every_stored_input_is_the_item_as_handed_in(rows: list[dict[str, Any]]) -> None:
    expected = [_exact(ReviewInput.coerce(row)) for row in rows]
    result = await _create_many(rows, chunk_size=50)
    for row in rows:  # what the caller does to its dicts and lists after the job changes nothing
        if isinstance(row.get("tags"), list):
            row["tags"].append("changed")
        row.clear()
    assert [o.status for o in result] == ["deduplicated" if i % 50 % 3 == 0 else "created" for i in range(len(rows))]
    assert [_exact(o.input) for o in result] == expected


async def test_the_outcomes_are_made_once_and_only_when_read() -> None:
    rows = [item(i) for i in range(260)]
    result = await _create_many(rows)
    assert not _made(result)  # nothing made yet
    assert (len(result), result.counts.done, result.created + result.deduplicated) == (260, 260, 260)
    assert (result.failed(), result.uncertain()) == ([], [])
    assert repr(result).startswith("BatchResult(outcomes=<260 outcomes>, unsent=[], unconfirmed=[], counts=")
    assert not _made(result)
    first = result.outcomes
    assert result.outcomes is first
    assert [o.index for o in first] == list(range(260))
    assert all(a is b for a, b in zip(result, first, strict=True))


async def test_threads_reading_the_outcomes_first_get_the_same_objects() -> None:
    result = await _create_many([item(i) for i in range(2000)])
    barrier = threading.Barrier(8)
    seen: list[list[BatchOutcome]] = []

    def read() -> None:
        barrier.wait()
        seen.append(result.outcomes)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert all(outcomes is seen[0] for outcomes in seen)


_KINDS = ["created", "created", "created", "dedup", "not_found", "internal", "odd", "gone", "twice"]


def _mixed_answer(seed: int) -> Any:
    """Answers that mix every kind of result: stored, per-item errors, internal errors, unreadable
    results, missing and duplicated indices, results out of order, lost chunks (500)."""
    rng = random.Random(seed)

    def answer(request: httpx.Request) -> httpx.Response:
        sent = _json.loads(request.content)["reviews"]
        if rng.random() < 0.1:
            return httpx.Response(500, json={"error": {"code": "internal_error", "message": "lost"}})
        results: list[Any] = []
        for i, body in enumerate(sent):
            kind = rng.choice(_KINDS)
            stored = {"index": i, "created": True, "deduplicated": False, "review": {"id": f"r{i}"}, "error": None}
            if kind == "dedup":
                stored = {**stored, "created": False, "deduplicated": True}
            elif kind in ("not_found", "internal"):
                code = "media_not_found" if kind == "not_found" else "internal_error"
                error = {"code": code, "message": body["tmdb_id"]}
                stored = {**stored, "created": False, "review": None, "error": error}
            elif kind == "odd":
                stored = {"index": i, "created": "yes"}
            elif kind == "gone":
                continue
            results.append(stored)
            if kind == "twice":
                results.append(stored)
        if rng.random() < 0.5:
            rng.shuffle(results)
        return httpx.Response(200, json={"results": results, "created_count": 0, "deduplicated_count": 0})

    return answer


@settings(max_examples=40, derandomize=True, deadline=None)
@given(seed=st.integers(0, 2**32), size=st.integers(1, 300), chunk_size=st.integers(1, 50))
async def test_the_lists_agree_with_the_outcomes_without_making_them(seed: int, size: int, chunk_size: int) -> None:
    rng = random.Random(seed)
    rows: list[Any] = [item(i) for i in range(size)]
    for i in rng.sample(range(size), k=size // 10):
        rows[i] = {**rows[i], "rating": 11}  # refused client-side, between stored items
    result = await _create_many(rows, _mixed_answer(seed), chunk_size=chunk_size, concurrency=rng.randint(1, 8))
    failed, uncertain, counts = result.failed(), result.uncertain(), result.counts
    assert not _made(result)
    outcomes = result.outcomes
    assert [o.index for o in outcomes] == list(range(size))
    assert failed == [o for o in outcomes if o.status == "failed"]
    assert all(any(o is p for p in outcomes) for o in failed + uncertain)  # the same objects
    assert uncertain == [o for o in outcomes if o.status == "uncertain"]
    assert counts.done == len(result) == size
    for status in ("created", "deduplicated", "failed", "uncertain"):
        assert getattr(counts, status) == sum(o.status == status for o in outcomes)
    by_hand = BatchResult(list(outcomes))
    assert result == by_hand
    assert by_hand.counts == counts
    copy = pickle.loads(pickle.dumps(result))  # errors included: each comes back as its own copy
    assert [(o.index, o.status, o.input, o.review) for o in copy] == [
        (o.index, o.status, o.input, o.review) for o in outcomes
    ]
    assert [(type(o.error), str(o.error), vars(o.error)) for o in copy if o.error is not None] == [
        (type(o.error), str(o.error), vars(o.error)) for o in outcomes if o.error is not None
    ]


async def test_a_result_returned_from_asyncio_run_is_not_made_for_its_repr() -> None:
    """asyncio.run formats its main task's repr, result included, on Python 3.11 (in an error
    `signal.getsignal` discards): a result's repr must neither make 5,000 outcomes nor list them."""

    async def job() -> BatchResult:
        return await _create_many([item(i) for i in range(5000)])

    result = await anyio.to_thread.run_sync(asyncio.run, job())
    assert not _made(result)
    assert len(repr(result)) < 300


async def test_a_small_result_shows_its_outcomes_and_indices() -> None:
    result = await _create_many([item(0), {**item(1), "rating": 11}])
    _ = result.outcomes
    text = repr(result)
    assert text.startswith("BatchResult(outcomes=[BatchOutcome(index=0, status='deduplicated'")
    assert "BatchOutcome(index=1, status='failed'" in text
    big = BatchResult([], unsent=list(range(11)))
    assert "unsent=<11 indices>" in repr(big)


async def test_a_stopped_stream_gives_the_same_undelivered_outcomes_on_every_read() -> None:
    server = FlickServer(rate_limit=10**6, daily_limit=10**6)
    account = server.add_account("stream")
    async with (
        httpx.AsyncClient(transport=server.transport()) as http,
        AsyncFlick(account.api_key, base_url=SERVER_BASE_URL, http_client=http, throttle=False) as flick,
    ):
        async with flick.reviews.stream_create([item(i) for i in range(400)], concurrency=4) as stream:
            async for _ in stream:
                break
        first, again = stream.undelivered, stream.undelivered
    assert first
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert 1 + len(first) + len(stream.unsent) + len(stream.unconfirmed) == stream.consumed


async def test_items_sent_as_given_are_read_back_out_of_their_request_body(monkeypatch: Any) -> None:
    """A chunk whose every item went as given keeps one request body, not a copy per item; every
    input reads back exactly, non-ASCII and escaped text included, with the refused items between
    them (their chunk's indices are no longer consecutive)."""
    made: list[Any] = []
    real = _batch._Run.__init__

    def spy(self: Any, *args: Any) -> None:
        real(self, *args)
        made.append(self)

    monkeypatch.setattr(_batch._Run, "__init__", spy)
    texts = ["plain", 'a "quoted" \\ line\nbreak', "é ü 名前 🎬", ""]
    rows: list[Any] = [
        {**item(i), "review": f"{texts[i % 4]} {i}", "tags": [texts[(i + 1) % 4] or "t", "x"]} for i in range(130)
    ]
    for i in (7, 60, 61, 129):
        rows[i] = {**rows[i], "rating": 10.5}
    expected = [_exact(ReviewInput.coerce(row)) for row in rows]
    result = await _create_many(rows, chunk_size=50)
    made.sort(key=lambda run: run.indices[0])  # in the order answered: concurrent chunks may finish in any
    assert [type(run.inputs) for run in made] == [_batch._Sent] * 3
    assert [type(run.indices) for run in made] == [list, list, range]  # 7 refused, then 60 and 61, then none
    assert [o.index for o in result.failed()] == [7, 60, 61, 129]
    assert [_exact(o.input) for o in result] == expected
    sent = made[0].inputs
    assert list(sent) == [sent[p] for p in range(len(sent))]
    assert sent[1:3] == [sent[1], sent[2]]
    assert (sent[-1], sent[-len(sent)]) == (sent[len(sent) - 1], sent[0])
    with pytest.raises(IndexError):
        sent[len(sent)]


async def test_an_evolved_result_keeps_every_outcome() -> None:
    """`attrs.evolve` (and so `copy.replace`) builds a result from the fields: the outcomes not
    made yet go with it, and what either one makes is shared."""
    rows: list[Any] = [item(i) for i in range(120)]
    rows[5] = {**rows[5], "rating": 11}
    result = await _create_many(rows)
    copy = attrs.evolve(result, unsent=[999])
    assert (copy.counts, len(copy), copy.unsent) == (result.counts, 120, [999])
    assert [o.index for o in copy.failed()] == [5]
    assert copy.outcomes is result.outcomes
    assert [o.index for o in copy] == list(range(120))


async def test_threads_reading_one_result_at_once_see_every_failure_and_input() -> None:
    """`failed()` and `outcome.input` read from threads while another makes the outcomes: each
    sees every failure, and every input as handed in."""
    rows: list[Any] = [{**item(i), "rating": i % 10} for i in range(3000)]  # int ratings: tuple snapshots
    for i in range(0, 3000, 97):
        rows[i] = {**rows[i], "rating": 11}
    refused = list(range(0, 3000, 97))
    expected = [_exact(ReviewInput.coerce(row)) for row in rows]
    for _ in range(3):
        seen = _read_at_once(await _create_many(rows))
        assert sorted(map(len, seen)) == [len(refused)] * 3 + [3000] * 3
        assert all(found == refused for found in seen if len(found) == len(refused))
        assert all(found == expected for found in seen if len(found) == 3000)


def _read_at_once(result: BatchResult) -> list[list[Any]]:
    """Three threads list the failures and three the exact inputs of `result`, all at one moment."""
    barrier = threading.Barrier(6)
    seen: list[list[Any]] = []

    def failures() -> None:
        barrier.wait()
        seen.append([o.index for o in result.failed()])

    def inputs() -> None:
        barrier.wait()
        seen.append([_exact(o.input) for o in result.outcomes])

    threads = [threading.Thread(target=read) for read in (failures, inputs) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seen
