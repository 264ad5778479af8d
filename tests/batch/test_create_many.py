"""`reviews.create_many` on a healthy server: chunking, input order, input kinds, duplicates, mixed chunks, progress."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
import pytest
from flick_api.models import Review

from flick_async import (
    AsyncFlick,
    BatchCounts,
    BatchOutcome,
    BatchResult,
    InvalidRequestError,
    MediaNotFoundError,
    ReviewInput,
    ValidationError,
)
from flick_async.testing import Account, FakeClock, FlickServer, Slow, wait_all_tasks_blocked

from .helpers import BATCH_ROUTE, UNKNOWN_MOVIE, batch_requests, item, items, stored_texts, texts


def expected_created(server: FlickServer, account: Account, rows: list[dict[str, Any]]) -> list[BatchOutcome]:
    """The outcomes of writing `rows` to an empty account: each created, with the review now stored."""
    stored = {review["review"]: Review.from_dict(review) for review in server.reviews(account)}
    return [BatchOutcome(i, "created", ReviewInput(**row), review=stored[row["review"]]) for i, row in enumerate(rows)]


@pytest.mark.parametrize("n", [0, 1, 49, 50, 51, 1001])
async def test_chunk_boundaries(client: AsyncFlick, server: FlickServer, account: Account, n: int) -> None:
    """n items take ⌈n/50⌉ batch requests and give n created outcomes, in input order, matching the store."""
    rows = items(n)
    result = await client.reviews.create_many(rows)
    assert batch_requests(server) == math.ceil(n / 50)
    assert result == BatchResult(expected_created(server, account, rows))
    assert (result.counts, result.complete, len(result)) == (BatchCounts(created=n), True, n)
    assert stored_texts(server, account) == texts(rows)


@pytest.mark.parametrize("chunk_size", [1, 7, 50])
async def test_chunk_size_sets_items_per_request(
    client: AsyncFlick, server: FlickServer, account: Account, chunk_size: int
) -> None:
    """chunk_size is the number of items per batch request."""
    rows = items(120)
    result = await client.reviews.create_many(rows, chunk_size=chunk_size, concurrency=3)
    assert batch_requests(server) == math.ceil(120 / chunk_size)
    assert result == BatchResult(expected_created(server, account, rows))


@pytest.mark.async_only("moves the server's FakeClock from the test's loop; the sync client's sleepers wait on its own")
async def test_input_order_survives_chunks_finishing_out_of_order(
    client: AsyncFlick, server: FlickServer, account: Account
) -> None:
    """The first chunk answers last, yet outcome i is still input i, and the stream yields it last."""
    assert isinstance(server.clock, FakeClock)
    server.faults.add(BATCH_ROUTE, Slow(5.0), on=[1])
    rows = items(200)
    delivered: list[int] = []

    async def release_first_chunk() -> None:
        await wait_all_tasks_blocked()  # the three other chunks are answered by now
        assert [entry.fault for entry in server.request_log] == [None, None, None]
        assert isinstance(server.clock, FakeClock)
        server.clock.advance(5.0)

    async with anyio.create_task_group() as tg:
        tg.start_soon(release_first_chunk)
        async with client.reviews.stream_create(rows, concurrency=4) as outcomes:
            collected = [outcome async for outcome in outcomes]
            delivered = [outcome.index for outcome in collected]
    assert delivered == [*range(50, 200), *range(50)]
    assert [entry.fault for entry in server.request_log] == [None, None, None, "Slow"]
    assert sorted(collected, key=lambda o: o.index) == expected_created(server, account, rows)


def _as_list(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return rows


def _as_tuple(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple(rows)


def _as_generator(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    return (row for row in rows)


def _as_review_inputs(rows: list[dict[str, Any]]) -> list[ReviewInput]:
    return [ReviewInput(**row) for row in rows]


def _as_mixed(rows: list[dict[str, Any]]) -> list[ReviewInput | dict[str, Any]]:
    return [ReviewInput(**row) if i % 2 else row for i, row in enumerate(rows)]


async def _as_async_generator_of(rows: list[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    for row in rows:
        await anyio.lowlevel.checkpoint()
        yield row


def _as_async_generator(rows: list[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    return _as_async_generator_of(rows)


INPUT_KINDS: dict[str, tuple[Callable[[list[dict[str, Any]]], Any], bool]] = {
    "list-of-mappings": (_as_list, True),
    "tuple": (_as_tuple, True),
    "sync-generator": (_as_generator, False),
    "async-generator": (_as_async_generator, False),
    "review-inputs": (_as_review_inputs, True),
    "mixed-inputs": (_as_mixed, True),
}


@pytest.mark.parametrize("kind", INPUT_KINDS)
async def test_input_kinds(client: AsyncFlick, server: FlickServer, account: Account, kind: str) -> None:
    """Lists, tuples, generators, async generators, mappings and ReviewInputs all write the same reviews."""
    wrap, sized = INPUT_KINDS[kind]
    rows = items(120)
    totals: list[int | None] = []
    result = await client.reviews.create_many(wrap(rows), on_progress=lambda done, total, counts: totals.append(total))
    assert result == BatchResult(expected_created(server, account, rows))
    assert batch_requests(server) == 3
    assert set(totals) == ({120} if sized else {None})


# -- duplicates ----------------------------------------------------------------------------------


async def test_duplicates_within_a_chunk(client: AsyncFlick, server: FlickServer, account: Account) -> None:
    """A repeat inside one chunk comes back deduplicated with the first copy's review; one copy is stored."""
    first, second = item(0), item(1)
    repeat = {**first, "tags": ["other"]}  # tags are not part of a review's identity
    result = await client.reviews.create_many([first, second, repeat])
    review = Review.from_dict(next(r for r in server.reviews(account) if r["review"] == first["review"]))
    assert result.outcomes[0] == BatchOutcome(0, "created", ReviewInput(**first), review=review)
    assert result.outcomes[2] == BatchOutcome(2, "deduplicated", ReviewInput(**repeat), review=review)
    assert result.outcomes[1].status == "created"
    assert (result.counts, batch_requests(server)) == (BatchCounts(created=2, deduplicated=1), 1)
    assert stored_texts(server, account) == texts([first, second])


async def test_duplicates_across_chunks(client: AsyncFlick, server: FlickServer, account: Account) -> None:
    """The same review in two chunks in flight together is stored once: one created, one deduplicated."""
    rows = items(100)
    rows[75] = rows[10]
    result = await client.reviews.create_many(rows, concurrency=2)
    pair = [result.outcomes[10], result.outcomes[75]]
    assert sorted(o.status for o in pair) == ["created", "deduplicated"]
    assert (
        pair[0].review
        == pair[1].review
        == Review.from_dict(next(r for r in server.reviews(account) if r["review"] == rows[10]["review"]))
    )
    assert result.counts == BatchCounts(created=99, deduplicated=1)
    assert stored_texts(server, account) == texts(rows[:75] + rows[76:])


async def test_duplicates_of_stored_reviews(client: AsyncFlick, server: FlickServer, account: Account) -> None:
    """Items identical to reviews already stored come back deduplicated with the stored review; nothing is copied."""
    rows = items(60)
    existing = {
        i: server.add_review(
            account,
            tmdb_id=rows[i]["tmdb_id"],
            rating=rows[i]["rating"],
            review=rows[i]["review"],
            watched_date=rows[i]["watched_date"],
            source="app",
        )
        for i in (0, 30, 59)
    }
    result = await client.reviews.create_many(rows)
    for i, stored in existing.items():
        assert result.outcomes[i] == BatchOutcome(
            i, "deduplicated", ReviewInput(**rows[i]), review=Review.from_dict(stored)
        )
    assert result.counts == BatchCounts(created=57, deduplicated=3)
    assert stored_texts(server, account) == texts(rows)


async def test_resubmitting_a_finished_job_writes_nothing(
    client: AsyncFlick, server: FlickServer, account: Account
) -> None:
    """Running the same job twice gives the same reviews back, all deduplicated."""
    rows = items(120)
    first = await client.reviews.create_many(rows)
    again = await client.reviews.create_many(rows)
    assert again.outcomes == [BatchOutcome(o.index, "deduplicated", o.input, review=o.review) for o in first.outcomes]
    assert stored_texts(server, account) == texts(rows)


# -- mixed chunks --------------------------------------------------------------------------------


async def test_per_item_server_errors_beside_good_items(
    client: AsyncFlick, server: FlickServer, account: Account
) -> None:
    """media_not_found and server-side invalid_request fail their own items only, in one request."""
    rows = [item(0), {**item(1), "tmdb_id": UNKNOWN_MOVIE}, item(2), {**item(3), "rating": 11}, item(4)]
    result = await client.reviews.create_many(rows, validate=False)
    assert batch_requests(server) == 1
    assert [o.status for o in result] == ["created", "failed", "created", "failed", "created"]
    assert stored_texts(server, account) == texts([rows[0], rows[2], rows[4]])
    not_found, invalid = result.outcomes[1].error, result.outcomes[3].error
    assert isinstance(not_found, MediaNotFoundError)
    assert (not_found.code, not_found.message) == (
        "media_not_found",
        f"No movie found on TMDB for tmdb_id {UNKNOWN_MOVIE}.",
    )
    assert isinstance(invalid, InvalidRequestError)
    assert (invalid.code, dict(invalid.details)) == ("invalid_request", {"rating": "must be a number from 0 to 10"})
    assert result.outcomes[1].input == ReviewInput(**rows[1])
    assert result.outcomes[1].review is None
    assert result.counts == BatchCounts(created=3, failed=2)


@pytest.mark.parametrize("tags", ["drama", "", False, True, 0, {"drama": 1}], ids=repr)
async def test_unvalidated_tags_go_as_given_for_the_server_to_judge(
    client: AsyncFlick, server: FlickServer, account: Account, tags: object
) -> None:
    """With validate=False, tags that are not a list go as given: the server refuses them, and that
    item alone fails. (A string was sent as one tag per letter, a falsy value was dropped and the
    item stored without its tags, and True raised a bare TypeError out of the whole job.)"""
    rows = [item(0), {**item(1), "tags": tags}, item(2)]
    result = await client.reviews.create_many(rows, validate=False)
    assert [o.status for o in result] == ["created", "failed", "created"]
    error = result.outcomes[1].error
    assert isinstance(error, InvalidRequestError)
    assert dict(error.details) == {"tags": "must be an array of strings"}
    assert stored_texts(server, account) == texts([rows[0], rows[2]])


async def test_unvalidated_tags_given_as_any_iterable_are_sent_as_a_list(
    client: AsyncFlick, server: FlickServer, account: Account
) -> None:
    """validate=False still reads an iterable of tags (a generator, a tuple) into the JSON array."""
    rows = [{**item(0), "tags": (tag for tag in ("a", "b"))}, {**item(1), "tags": ("c",)}, {**item(2), "tags": []}]
    result = await client.reviews.create_many(rows, validate=False)
    assert [o.status for o in result] == ["created"] * 3
    assert sorted(tuple(review["tags"]) for review in server.reviews(account)) == [(), ("a", "b"), ("c",)]


async def test_one_dict_refilled_for_every_row_is_read_row_by_row(
    client: AsyncFlick, server: FlickServer, account: Account
) -> None:
    """A source that hands in one dict refilled for each row (and clears it at the end): every
    outcome's input is its own row, as sent, and every row is stored once."""
    rows = [{**item(i), "tags": [f"t{i}"]} for i in range(120)]

    def refilled() -> Iterator[dict[str, Any]]:
        row: dict[str, Any] = {}
        for source in rows:
            row.clear()
            row.update(source)
            row["tags"] = list(source["tags"])
            yield row
            row["tags"].append("changed after it was read")
        row.clear()

    result = await client.reviews.create_many(refilled())
    assert [o.status for o in result] == ["created"] * len(rows)
    assert [o.input for o in result] == [ReviewInput(**row) for row in rows]
    assert stored_texts(server, account) == texts(rows)


async def test_client_side_validation_failures_cost_no_request(
    client: AsyncFlick, server: FlickServer, account: Account
) -> None:
    """Invalid items fail with ValidationError and are not sent; the valid ones take ⌈valid/50⌉ requests."""
    rows: list[Any] = items(60)
    bad: dict[int, Any] = {
        5: {**rows[5], "rating": 11},
        17: {**rows[17], "tags": "drama"},
        40: {"tmdb_id": "1"},
        41: "not a review",
    }
    for i, row in bad.items():
        rows[i] = row
    result = await client.reviews.create_many(rows)
    assert batch_requests(server) == 2  # 56 valid items
    assert [o.index for o in result.failed()] == sorted(bad)
    assert [(o.input, type(o.error), getattr(o.error, "field", None)) for o in result.failed()] == [
        (ReviewInput(**bad[5]), ValidationError, "rating"),
        (ReviewInput(**bad[17]), ValidationError, "tags"),
        (bad[40], ValidationError, "media_type"),
        (bad[41], ValidationError, "item"),
    ]
    assert stored_texts(server, account) == texts(row for i, row in enumerate(rows) if i not in bad)


async def test_an_input_of_only_invalid_items_sends_nothing(client: AsyncFlick, server: FlickServer) -> None:
    """When no item passes validation, every outcome is a ValidationError and no request is made."""
    rows = [{**row, "rating": -1} for row in items(75)]
    result = await client.reviews.create_many(rows)
    assert (len(server.request_log), result.counts) == (0, BatchCounts(failed=75))
    assert all(isinstance(o.error, ValidationError) for o in result)


# -- progress ------------------------------------------------------------------------------------


async def test_progress_is_monotonic_and_ends_at_the_totals(client: AsyncFlick) -> None:
    """on_progress gets (done, total, counts) with done growing, counts adding up, and a final call at the totals."""
    rows: list[Any] = items(230)
    rows[3] = {**rows[3], "rating": 99}
    rows[200] = rows[100]
    calls: list[tuple[int, int | None, BatchCounts]] = []
    result = await client.reviews.create_many(
        rows, concurrency=3, on_progress=lambda done, total, counts: calls.append((done, total, counts))
    )
    dones = [done for done, _, _ in calls]
    assert dones == sorted(set(dones))
    assert all(total == 230 and counts.done == done for done, total, counts in calls)
    assert calls[-1] == (230, 230, BatchCounts(created=228, deduplicated=1, failed=1)) == (230, 230, result.counts)


async def test_progress_total_is_none_for_generators(client: AsyncFlick) -> None:
    """A generator's length is unknown, so total is None in every progress call."""
    calls: list[tuple[int, int | None, BatchCounts]] = []
    await client.reviews.create_many(
        (row for row in items(120)), on_progress=lambda done, total, counts: calls.append((done, total, counts))
    )
    assert [(done, total) for done, total, _ in calls][-1] == (120, None)
    assert {total for _, total, _ in calls} == {None}
