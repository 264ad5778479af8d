"""Bulk review writes against the local server, promise by promise (issue #16).

`concurrency` chunks in flight, never more and, with work waiting, never fewer; a dict and the
`ReviewInput` it reads as go on the wire alike and come back as the same outcome `input`; an
outcome is frozen in every field; an item the answer does not name carries an error that says
so; the result's counts, lists and progress calls agree with its outcomes.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import attrs
import httpx
import pytest
from batch.helpers import SERVER_BASE_URL, UNKNOWN_MOVIE, items

from flick_async import AsyncFlick, BatchCounts, BatchOutcome, MalformedResponseError, RetryPolicy, ReviewInput
from flick_async.testing import FakeClock, FlickServer

FAST = RetryPolicy(max_retries=0, initial_delay=0.0, jitter=0.0)


class Wire(httpx.AsyncBaseTransport):
    """The local server behind a one-way latency on a fake clock; records each batch body and how many overlap."""

    def __init__(self, server: FlickServer, clock: FakeClock, *, latency: float = 0.05) -> None:
        self._inner, self._clock, self._latency = server.transport(), clock, latency
        self.bodies: list[list[dict[str, Any]]] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content)["reviews"])
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self._clock.sleep(self._latency)
            response = await self._inner.handle_async_request(request)
            await self._clock.sleep(self._latency)
            return response
        finally:
            self.in_flight -= 1


def setup() -> tuple[FlickServer, FakeClock, Wire, str]:
    clock = FakeClock()
    server = FlickServer(clock=FakeClock(), rate_limit=1_000_000, daily_limit=1_000_000, demo=False)
    key = server.add_account("pins").api_key
    assert key is not None
    return server, clock, Wire(server, clock), key


def client(wire: Wire, clock: FakeClock, key: str) -> AsyncFlick:
    http = httpx.AsyncClient(transport=wire)
    return AsyncFlick(key, base_url=SERVER_BASE_URL, http_client=http, clock=clock, throttle=False, retry_policy=FAST)


@pytest.mark.parametrize(("concurrency", "chunks"), [(1, 4), (3, 10), (4, 3)])
async def test_concurrency_chunks_are_in_flight_at_once_never_more(concurrency: int, chunks: int) -> None:
    """With `chunks` chunks of 50 to send, exactly min(concurrency, chunks) requests overlap; every item is stored."""
    server, clock, wire, key = setup()
    rows = items(50 * chunks)
    async with client(wire, clock, key) as flick:
        result = await clock.run(lambda: flick.reviews.create_many(rows, concurrency=concurrency))
    assert wire.most_in_flight == min(concurrency, chunks)
    assert [len(body) for body in wire.bodies] == [50] * chunks
    assert result.counts == BatchCounts(created=50 * chunks)
    assert len(server.reviews(key)) == 50 * chunks


def _variants(i: int) -> tuple[dict[str, Any], ReviewInput]:
    """One review as a plain dict with values of every accepted kind, and as the ReviewInput it reads as."""
    row: dict[str, Any] = {
        "tmdb_id": items(i + 1)[i]["tmdb_id"],
        "media_type": "movie",
        "rating": [7, 7.5, 0, 10][i % 4],
        "review": f"variant {i}",
        "watched_date": [datetime.date(2026, 5, 1), "2026-05-02", None, datetime.date(2000, 1, 1)][i % 4],
        "tags": [["a", "b"], ("c",), [], None][i % 4],
    }
    return row, ReviewInput.coerce(row)


async def test_a_dict_and_its_review_input_go_on_the_wire_alike_and_come_back_as_the_same_input() -> None:
    """The same items as dicts and as ReviewInputs: identical request bodies, and equal outcome inputs."""
    pairs = [_variants(i) for i in range(8)]
    sent: list[list[dict[str, Any]]] = []
    inputs: list[list[Any]] = []
    for kind in (0, 1):
        _, clock, wire, key = setup()
        rows = [pair[kind] for pair in pairs]
        async with client(wire, clock, key) as flick:
            result = await clock.run(lambda: flick.reviews.create_many(rows))  # noqa: B023 (awaited here)
        assert result.counts == BatchCounts(created=8)
        sent.append(wire.bodies[0])
        inputs.append([outcome.input for outcome in result])
    assert sent[0] == sent[1]
    assert inputs[0] == inputs[1] == [pair[1] for pair in pairs]
    assert all(type(value) is ReviewInput for value in inputs[0])


async def test_failed_and_uncertain_outcomes_hold_the_review_input_to_resend() -> None:
    """A per-item server error and an unreadable result: their inputs are ReviewInputs equal to what was handed in."""
    rows: list[dict[str, Any]] = items(3)
    rows[1] = {**rows[1], "tmdb_id": UNKNOWN_MOVIE}
    _, clock, wire, key = setup()
    async with client(wire, clock, key) as flick:
        result = await clock.run(lambda: flick.reviews.create_many(rows))
    assert [o.status for o in result] == ["created", "failed", "created"]
    assert [o.input for o in result] == [ReviewInput.coerce(row) for row in rows]
    assert type(result.outcomes[1].input) is ReviewInput


async def test_an_outcome_refuses_every_change() -> None:
    """index, status, input, review and error can be neither set nor deleted."""
    _, clock, wire, key = setup()
    async with client(wire, clock, key) as flick:
        result = await clock.run(lambda: flick.reviews.create_many(items(1)))
    (outcome,) = result.outcomes
    before = (outcome.index, outcome.status, outcome.input, outcome.review, outcome.error)
    for field in ("index", "status", "input", "review", "error"):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(outcome, field, None)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            delattr(outcome, field)
    assert (outcome.index, outcome.status, outcome.input, outcome.review, outcome.error) == before


def _answer(results: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={"results": results})


def _created(index: int) -> dict[str, Any]:
    return {"index": index, "created": True, "deduplicated": False, "review": None, "error": None}


@pytest.mark.parametrize(
    ("results", "said"),
    [
        ([_created(0), _created(2)], "has no result with this item's index"),
        ([_created(0), _created(1), _created(1), _created(2)], "has 2 results with this item's index"),
        ([_created(0), {"index": 1, "created": True}, _created(2)], "has no readable result for this item"),
    ],
    ids=["missing", "twice", "unreadable"],
)
async def test_an_item_the_answer_does_not_name_once_says_why_it_is_uncertain(
    results: list[dict[str, Any]], said: str
) -> None:
    """Its error is a MalformedResponseError of the batch request (200, POST) saying what the answer lacked."""
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(lambda request: _answer(results))) as http,
        AsyncFlick("flick_sk_unit_0123456789", base_url=SERVER_BASE_URL, http_client=http, throttle=False) as flick,
    ):
        result = await flick.reviews.create_many(items(3))
    assert [o.status for o in result] == ["created", "uncertain", "created"]
    error = result.outcomes[1].error
    assert isinstance(error, MalformedResponseError)
    assert (error.status_code, error.method) == (200, "POST")
    assert said in str(error)


async def test_counts_lists_and_progress_agree_with_the_outcomes() -> None:
    """The counts, their properties, failed(), uncertain() and the last progress call all tell the same story."""
    rows: list[Any] = items(120)
    rows[5] = {**rows[5], "rating": 99}  # refused client-side
    rows[70] = {**rows[70], "tmdb_id": UNKNOWN_MOVIE}  # refused by the server
    rows[110] = rows[10]  # stored by the first chunk, so deduplicated in the third
    calls: list[tuple[int, int | None, BatchCounts]] = []
    _, clock, wire, key = setup()
    async with client(wire, clock, key) as flick:
        result = await clock.run(
            lambda: flick.reviews.create_many(rows, concurrency=1, on_progress=lambda *call: calls.append(call))
        )
    expected = BatchCounts(created=117, deduplicated=1, failed=2, uncertain=0)
    assert result.counts == expected
    assert (result.created, result.deduplicated, result.failed_count, result.uncertain_count) == (117, 1, 2, 0)
    assert expected.done == 120 == len(result) == len(list(result))
    assert [o.index for o in result.failed()] == [5, 70]
    assert result.uncertain() == []
    assert [o.index for o in result if o.status == "deduplicated"] == [110]
    assert result.complete
    assert calls[-1] == (120, 120, expected)
    assert [done for done, _, _ in calls] == sorted({done for done, _, _ in calls})
    assert all(counts.done == done for done, _, counts in calls)


async def test_outcomes_equal_by_fields_hash_alike() -> None:
    """Two outcomes of equal fields are equal and hash alike, so they can be set members and dict keys."""
    first = BatchOutcome(3, "failed", ReviewInput.coerce(items(1)[0]))
    second = BatchOutcome(3, "failed", ReviewInput.coerce(items(1)[0]))
    assert first == second
    assert hash(first) == hash(second)
    assert len({first, second, BatchOutcome(4, "failed", first.input)}) == 2


async def test_unvalidated_items_are_sent_as_given_tags_and_dates_included() -> None:
    """validate=False: every field given is sent (tags as a list, a date as ISO text); empty tags are left out."""
    rows: list[Any] = items(3)
    rows[0] = {**rows[0], "tags": ("x", "y"), "watched_date": datetime.date(2026, 4, 30)}
    rows[1] = {**rows[1], "tags": []}
    rows[2] = ReviewInput.coerce({**rows[2], "tags": ["z"]})
    _, clock, wire, key = setup()
    async with client(wire, clock, key) as flick:
        result = await clock.run(lambda: flick.reviews.create_many(rows, validate=False))
    assert result.counts == BatchCounts(created=3)
    (body,) = wire.bodies
    assert [item.get("tags") for item in body] == [["x", "y"], None, ["z"]]
    assert body[0]["watched_date"] == "2026-04-30"
    assert body[1]["review"] == rows[1]["review"]


async def test_a_stream_entered_twice_says_so_and_its_job_goes_on() -> None:
    """A second `async with` on the same stream is refused by name; the first block still gets every outcome."""
    _, clock, wire, key = setup()
    async with client(wire, clock, key) as flick:
        stream = flick.reviews.stream_create(items(60))

        async def run() -> list[BatchOutcome]:
            async with stream:
                with pytest.raises(RuntimeError, match=r"^a BatchStream can be entered only once$"):
                    await stream.__aenter__()
                return [outcome async for outcome in stream]

        outcomes = await clock.run(run)
    assert sorted(o.index for o in outcomes) == list(range(60))
    assert {o.status for o in outcomes} == {"created"}


async def test_an_async_iterable_of_review_inputs_and_odd_dicts_is_read_item_by_item() -> None:
    """Items that are not plain fast-path dicts (ReviewInputs, a dict with a tag set, an invalid dict) from an
    async iterable: each is sent or refused on its own, and keeps its input."""
    rows: list[Any] = [ReviewInput.coerce(row) for row in items(3)]
    rows.append({**items(4)[3], "tags": {"set"}})
    rows.append({**items(5)[4], "rating": 99})

    async def source() -> Any:
        for row in rows:
            yield row

    _, clock, wire, key = setup()
    async with client(wire, clock, key) as flick:
        result = await clock.run(lambda: flick.reviews.create_many(source()))
    assert [o.status for o in result] == ["created"] * 4 + ["failed"]
    assert [o.input for o in result.outcomes[:3]] == rows[:3]
    assert result.outcomes[3].input == ReviewInput.coerce(rows[3])
    assert result.outcomes[4].error is not None
    assert len(wire.bodies) == 1
    assert len(wire.bodies[0]) == 4
