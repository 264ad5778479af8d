"""Bulk review writes at their edges, promise by promise (issue #16).

What a caller of `create_many` / `stream_create` relies on where the common case does not go:
the exact error for each argument refused; an unvalidated item that cannot be written as JSON
failing alone, with the field, rule and value; per-item errors of odd shapes; progress calls
only when something changed; a consumer that starts iterating late; the backpressure bound,
to the item; full chunks around items refused client-side; a job-stopping error after an
attempt that may have been stored; the exact size at which a result starts compacting answers;
the results-shape error named; the caller's own exception re-raised as itself.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar

import anyio
import attrs
import httpx
import pytest
from batch.helpers import SERVER_BASE_URL, UNKNOWN_MOVIE, items

from flick_async import (
    AsyncFlick,
    AuthenticationError,
    BatchCounts,
    BatchOutcome,
    MalformedResponseError,
    MediaNotFoundError,
    RetryPolicy,
    ReviewInput,
    ValidationError,
    _batch,
)
from flick_async.testing import FakeClock, FlickServer

T = TypeVar("T")
KEY = "flick_sk_unit_0123456789"
NO_RETRY = RetryPolicy(max_retries=0, initial_delay=0.0, jitter=0.0)


def _mock(handler: Callable[[httpx.Request], httpx.Response], *, retries: RetryPolicy = NO_RETRY) -> AsyncFlick:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncFlick(KEY, base_url=SERVER_BASE_URL, http_client=http, throttle=False, retry_policy=retries)


class Recorder(httpx.AsyncBaseTransport):
    """The local server, recording the reviews of each batch body it is sent."""

    def __init__(self, *, latency: FakeClock | None = None) -> None:
        self._clock = latency
        self.server = FlickServer(clock=FakeClock(), rate_limit=1_000_000, daily_limit=1_000_000, demo=False)
        key = self.server.add_account("edges").api_key
        assert key is not None
        self.key = key
        self._inner = self.server.transport()
        self.bodies: list[list[dict[str, Any]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content)["reviews"])
        if self._clock is not None:
            await self._clock.sleep(0.05)
        return await self._inner.handle_async_request(request)

    def client(self) -> AsyncFlick:
        http = httpx.AsyncClient(transport=self)
        options: dict[str, Any] = {"throttle": False, "retry_policy": NO_RETRY, "clock": self._clock}
        return AsyncFlick(self.key, base_url=SERVER_BASE_URL, http_client=http, **options)

    async def run(self, job: Callable[[], Awaitable[T]]) -> T:
        """Run `job` on the fake clock (time jumps when every task waits on it)."""
        assert self._clock is not None
        return await self._clock.run(job)


def _created(index: int) -> dict[str, Any]:
    return {"index": index, "created": True, "deduplicated": False, "review": None, "error": None}


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError("nothing may be sent")


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"concurrency": 0}, "concurrency", "must be a positive integer"),
        ({"concurrency": True}, "concurrency", "must be a positive integer"),
        ({"concurrency": "4"}, "concurrency", "must be a positive integer"),
        ({"chunk_size": 0}, "chunk_size", "must be an integer from 1 to 50"),
        ({"chunk_size": 51}, "chunk_size", "must be an integer from 1 to 50"),
        ({"chunk_size": True}, "chunk_size", "must be an integer from 1 to 50"),
        ({"items": "abc"}, "items", "must be an iterable or async iterable of review inputs"),
        ({"items": {"tmdb_id": "603"}}, "items", "must be an iterable or async iterable of review inputs"),
        ({"items": 5}, "items", "must be an iterable or async iterable of review inputs"),
    ],
)
async def test_a_refused_argument_names_its_field_rule_and_value(kwargs: dict[str, Any], field: str, rule: str) -> None:
    """stream_create and create_many refuse a bad argument before sending anything, with a
    ValidationError whose field, rule and value are the argument's (and the message says all three)."""
    value = kwargs[field]
    arguments: dict[str, Any] = {"items": items(1), **kwargs}
    rows = arguments.pop("items")
    async with _mock(_refuse) as flick:
        with pytest.raises(ValidationError) as stream_error:
            flick.reviews.stream_create(rows, **arguments)
        with pytest.raises(ValidationError) as many_error:
            await flick.reviews.create_many(rows, **arguments)
    for error in (stream_error.value, many_error.value):
        assert (error.field, error.rule) == (field, rule)
        assert error.value is value
        assert str(error).startswith(f"{field}: {rule} (got ")


@pytest.mark.parametrize(
    ("field", "value"),
    [("review", "lone \ud800 surrogate"), ("tags", ["ok", "bad \udfff"]), ("rating", float("nan"))],
)
async def test_an_unvalidated_item_that_cannot_be_sent_as_json_fails_alone(field: str, value: Any) -> None:
    """validate=False: an item whose field cannot go out as UTF-8 JSON (a lone surrogate, NaN) fails
    client-side with a ValidationError naming that field, the rule and the value as sent; the other
    items of its chunk are sent and stored."""
    recorder = Recorder()
    rows = items(3)
    rows[1] = {**rows[1], field: value}
    async with recorder.client() as flick:
        result = await flick.reviews.create_many(rows, validate=False)
    assert [o.status for o in result] == ["created", "failed", "created"]
    error = result.outcomes[1].error
    assert isinstance(error, ValidationError)
    assert (error.field, error.rule) == (field, "cannot be sent as JSON")
    expected = list(value) if field == "tags" else value
    assert error.value == expected or (error.value != error.value and value != value)  # NaN is not equal to itself
    assert [len(body) for body in recorder.bodies] == [2]


async def test_progress_is_reported_only_when_the_done_count_changed() -> None:
    """on_progress is never called for an empty job, and a one-item job reports (1, 1, its counts) once."""
    recorder = Recorder()
    calls: list[tuple[int, int | None, BatchCounts]] = []
    async with recorder.client() as flick:
        empty = await flick.reviews.create_many([], on_progress=lambda *call: calls.append(call))
        assert calls == []
        assert len(empty) == 0
        await flick.reviews.create_many(items(1), on_progress=lambda *call: calls.append(call))
    assert calls == [(1, 1, BatchCounts(created=1))]


@pytest.mark.parametrize("source", ["list", "async"])
async def test_a_consumer_that_starts_iterating_late_gets_every_outcome(source: str) -> None:
    """The job may run ahead of the block (items refused client-side are settled before the
    consumer first waits): every outcome is still delivered, none raises."""
    recorder = Recorder()
    rows: list[Any] = items(4)
    rows[0] = {**rows[0], "rating": 99}

    async def agen() -> AsyncIterator[Any]:
        for row in rows:
            yield row

    async with recorder.client() as flick, flick.reviews.stream_create(rows if source == "list" else agen()) as stream:
        for _ in range(20):
            await anyio.lowlevel.checkpoint()
        outcomes = [outcome async for outcome in stream]
    assert sorted((o.index, o.status) for o in outcomes) == [
        (0, "failed"),
        (1, "created"),
        (2, "created"),
        (3, "created"),
    ]


async def test_iterating_a_stream_outside_its_block_says_how_to_use_it() -> None:
    """`async for` on a stream never entered raises a RuntimeError that shows the `async with` form."""
    async with _mock(_refuse) as flick:
        stream = flick.reviews.stream_create(items(1))
        with pytest.raises(RuntimeError, match=r"^use `async with reviews\.stream_create\(\.\.\.\) as outcomes:`"):
            await stream.__anext__()


async def test_per_item_errors_of_any_shape_fail_the_item_and_say_what_the_server_said() -> None:
    """An item error that is not an object (a string) fails that item as unreadable; a well-formed
    one becomes its error class, of the batch request (200, POST), with `details` a mapping even when
    the server sent another shape; the other items of the chunk are unaffected."""
    results = [
        {"index": 0, "created": False, "deduplicated": False, "review": None, "error": "error code 7"},
        {
            "index": 1,
            "created": False,
            "deduplicated": False,
            "review": None,
            "error": {"code": "media_not_found", "message": "no such title", "details": ["not", "a", "mapping"]},
        },
        {
            "index": 2,
            "created": False,
            "deduplicated": False,
            "review": None,
            "error": {"code": "media_not_found", "message": "gone", "details": {"tmdb_id": "1"}},
        },
        _created(3),
    ]
    async with _mock(lambda request: httpx.Response(200, json={"results": results})) as flick:
        result = await flick.reviews.create_many(items(4))
    assert [o.status for o in result] == ["failed", "failed", "failed", "created"]
    assert isinstance(result.outcomes[0].error, MalformedResponseError)
    assert "no readable result" in str(result.outcomes[0].error)
    for outcome, message, details in [
        (result.outcomes[1], "no such title", {}),
        (result.outcomes[2], "gone", {"tmdb_id": "1"}),
    ]:
        error = outcome.error
        assert isinstance(error, MediaNotFoundError)
        assert (error.status_code, error.method, error.code) == (200, "POST", "media_not_found")
        assert error.details == details
        assert message in str(error)


@pytest.mark.parametrize("source", ["list", "async"])
async def test_a_consumer_that_stops_reading_holds_at_most_chunk_size_times_concurrency_plus_one(source: str) -> None:
    """Backpressure to the item: with nobody reading, the job reads exactly chunk_size * (concurrency + 1)
    items (here all refused client-side, so each is an outcome at once) and waits; reading resumes it."""
    rows: list[Any] = [{**row, "rating": 99} for row in items(40)]

    async def agen() -> AsyncIterator[Any]:
        for row in rows:
            yield row

    async with _mock(_refuse) as flick:
        stream = flick.reviews.stream_create(rows if source == "list" else agen(), chunk_size=3, concurrency=2)
        async with stream:
            for _ in range(50):
                await anyio.lowlevel.checkpoint()
            assert stream.consumed == 9
            assert len(stream.undelivered) == 9
            outcomes = [outcome async for outcome in stream]
    assert [o.index for o in outcomes] == list(range(40))
    assert {o.status for o in outcomes} == {"failed"}


@pytest.mark.parametrize("source", ["list", "async"])
async def test_items_refused_client_side_do_not_cut_a_chunk_short(source: str) -> None:
    """Chunks hold chunk_size sendable items (the last one fewer), whatever the refused items between them:
    no empty or short request is spent on them."""
    recorder = Recorder()
    rows: list[Any] = items(7)
    for i in (0, 3, 6):
        rows[i] = {**rows[i], "rating": 99}

    async def agen() -> AsyncIterator[Any]:
        for row in rows:
            yield row

    async with recorder.client() as flick:
        result = await flick.reviews.create_many(rows if source == "list" else agen(), chunk_size=2)
    assert [len(body) for body in recorder.bodies] == [2, 2]
    assert [o.status for o in result] == ["failed", "created", "created", "failed", "created", "created", "failed"]


async def test_a_job_stopping_error_after_an_attempt_that_may_be_stored_leaves_the_chunk_unconfirmed() -> None:
    """A chunk whose first attempt was lost after sending, then refused with 401 on the retry: the job
    stops with the AuthenticationError, and its items are `unconfirmed` (they may be stored), not `unsent`."""
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ReadError("connection reset after sending", request=request)
        return httpx.Response(401, json={"error": {"code": "invalid_api_key", "message": "no"}})

    async with _mock(handler, retries=RetryPolicy(max_retries=1, initial_delay=0.0, jitter=0.0)) as flick:
        with pytest.raises(AuthenticationError) as caught:
            await flick.reviews.create_many(items(3))
    partial = caught.value.partial  # type: ignore[attr-defined]
    assert (partial.outcomes, partial.unsent, partial.unconfirmed) == ([], [], [0, 1, 2])
    assert len(attempts) == 2


async def test_a_result_compacts_only_the_answers_that_come_once_it_holds_more_than_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the bound at 60 and chunks of 30, the chunk that brings the result to exactly 60 is kept as it
    came; the next one, past the bound, is held compressed (its item the server refused, with no review to
    hold, as it is), down to the last chunk of a single item."""
    monkeypatch.setattr(_batch, "_COMPACT_AFTER", 60)
    recorder = Recorder(latency=FakeClock())  # each answer takes a while: the result takes each as it comes
    rows: list[Any] = items(91)
    rows[75] = {**rows[75], "tmdb_id": UNKNOWN_MOVIE}
    async with recorder.client() as flick:
        result = await recorder.run(lambda: flick.reviews.create_many(rows, chunk_size=30, concurrency=1))
    assert (result.created, result.failed_count) == (90, 1)
    assert (result.outcomes[75].status, result.outcomes[75].review) == ("failed", None)
    packed = [o._review._packed for o in result.outcomes[::30] if type(o._review) is _batch._Answer]
    assert packed == [False, False, True, True]
    assert [o.review.review if o.review else None for o in result.outcomes[88:]] == [r["review"] for r in rows[88:]]


async def test_an_answer_whose_results_are_not_a_list_says_so() -> None:
    """`{"results": {...}}`: every item of the chunk is uncertain (the server answered 200: it may have stored
    them) with a MalformedResponseError naming the problem."""
    async with _mock(lambda request: httpx.Response(200, json={"results": {"0": _created(0)}})) as flick:
        result = await flick.reviews.create_many(items(2))
    assert [o.status for o in result] == ["uncertain", "uncertain"]
    error = result.outcomes[0].error
    assert isinstance(error, MalformedResponseError)
    assert "the response does not have the documented shape (TypeError: results is not a list)" in str(error)


@attrs.frozen
class FrozenError(Exception):
    """An exception of the caller's that takes no new attribute (attrs frozen)."""

    reason: str


async def test_the_callers_own_exception_comes_out_as_itself_even_when_it_takes_no_partial() -> None:
    """An input iterable that raises an exception refusing new attributes: create_many re-raises that
    exception itself (no `.partial` attached), not the error of attaching it."""

    def rows() -> Iterable[Any]:
        yield from items(2)
        raise FrozenError("the source broke")

    recorder = Recorder()
    async with recorder.client() as flick:
        with pytest.raises(FrozenError) as caught:
            await flick.reviews.create_many(rows())
    assert caught.value.reason == "the source broke"
    assert not hasattr(caught.value, "partial")


def test_an_outcome_built_by_hand_keeps_its_input_as_given() -> None:
    """`BatchOutcome(...)` holds the input it was given: a dict stays that dict (not read into a ReviewInput)."""
    row = items(1)[0]
    outcome = BatchOutcome(0, "failed", row)
    assert outcome.input is row


async def test_an_unvalidated_value_the_fast_encoder_cannot_write_is_sent_as_json_writes_it() -> None:
    """validate=False: a field msgspec refuses but JSON can carry (a mapping with a None key) goes on the
    wire as `json.dumps` writes it, for the server to judge that item alone; its neighbours are stored."""
    recorder = Recorder()
    rows = items(3)
    rows[1] = {**rows[1], "review": {None: "odd"}}
    async with recorder.client() as flick:
        result = await flick.reviews.create_many(rows, validate=False)
    (body,) = recorder.bodies
    assert body[1]["review"] == {"null": "odd"}
    assert [item["tmdb_id"] for item in body] == [row["tmdb_id"] for row in rows]
    assert [o.status for o in result] == ["created", "failed", "created"]


class Reversing(Recorder):
    """The local server, answering each chunk's results in reverse order (a result names its item by index)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        data = json.loads(await response.aread())
        data["results"].reverse()
        return httpx.Response(response.status_code, headers={"content-type": "application/json"}, json=data)


async def test_answers_out_of_order_are_matched_by_index_and_compacted_like_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Results in reverse order: each outcome gets the review of its own item; past the compaction bound
    those answers are held compressed too, and read back the same reviews."""
    monkeypatch.setattr(_batch, "_COMPACT_AFTER", 60)
    recorder = Reversing(latency=FakeClock())
    rows = items(150)
    async with recorder.client() as flick:
        result = await recorder.run(lambda: flick.reviews.create_many(rows, concurrency=1))
    assert result.created == 150
    answers = [o._review for o in result.outcomes[::50]]
    assert [type(answer) is _batch._Answer and answer._packed for answer in answers] == [False, True, True]
    assert [o.review.review if o.review else None for o in result] == [row["review"] for row in rows]


async def test_each_raw_chunk_answer_holds_the_outcomes_of_the_items_it_carried() -> None:
    """`with_raw_response.reviews.create_many`: each chunk's RawResponse parses to the outcomes of exactly the
    items that chunk sent (the bulk job names them to the pipeline), in input order."""
    recorder = Recorder()
    async with recorder.client() as flick:
        raw = await flick.with_raw_response.reviews.create_many(items(120), concurrency=1)
    assert [[o.index for o in chunk.parse()] for chunk in raw.chunks] == [
        list(range(50)),
        list(range(50, 100)),
        list(range(100, 120)),
    ]


def test_distinct_outcomes_hash_apart() -> None:
    """An outcome hashes by its fields: outcomes of different items (or statuses) spread over distinct hashes,
    so a set or dict of a big job's outcomes stays a hash table, not one long bucket."""
    rows = [ReviewInput.coerce(row) for row in items(50)]
    outcomes = [BatchOutcome(i, status, row) for i, row in enumerate(rows) for status in ("failed", "uncertain")]
    assert len({hash(outcome) for outcome in outcomes}) == len(outcomes)
    assert len(set(outcomes)) == len(outcomes)
