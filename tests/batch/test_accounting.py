"""Honest bulk-write accounting: results matched by `index`; an item whose fate is unknown is never `failed`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest

from flick_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncFlick,
    MalformedResponseError,
    RetryPolicy,
)
from flick_async.testing import Account, DropAfterCommit, FlickServer, TruncatedJSON

from .helpers import BATCH_ROUTE, FAST, SERVER_BASE_URL, items, stored_texts, texts

UNIT_KEY = "flick_sk_unit_0123456789"


def _review_json(i: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"rev_{i:08d}",
        "media": {"tmdb_id": body["tmdb_id"], "type": "movie", "title": "T", "year": 2010, "poster_url": None},
        "rating": body.get("rating"),
        "review": body.get("review"),
        "watched_date": body.get("watched_date"),
        "tags": body.get("tags", []),
        "source": "api",
        "created_at": "2026-06-14T20:31:00Z",
    }


def _created(i: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"index": i, "created": True, "deduplicated": False, "review": _review_json(i, body), "error": None}


def _answering(mangle: Callable[[list[dict[str, Any]]], list[Any]]) -> httpx.MockTransport:
    """A batch endpoint that "creates" every item, then passes its results through `mangle`."""

    def answer(request: httpx.Request) -> httpx.Response:
        bodies = json.loads(request.content)["reviews"]
        results = mangle([_created(i, body) for i, body in enumerate(bodies)])
        return httpx.Response(200, json={"results": results, "created_count": len(bodies)})

    return httpx.MockTransport(answer)


async def _create_many_through(transport: httpx.AsyncBaseTransport, rows: list[dict[str, Any]]) -> Any:
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncFlick(UNIT_KEY, base_url=SERVER_BASE_URL, http_client=http, throttle=False, retry_policy=FAST) as flick,
    ):
        return await flick.reviews.create_many(rows)


async def test_results_in_reverse_order_are_matched_by_index() -> None:
    """A 200 whose results come in reverse order, each with its right `index`, creates every item with its review."""
    rows = items(4)
    result = await _create_many_through(_answering(lambda results: results[::-1]), rows)
    assert [o.status for o in result] == ["created"] * 4
    assert [o.review.review if o.review else None for o in result] == [row["review"] for row in rows]
    assert [o.error for o in result] == [None] * 4


def _drop_second(results: list[dict[str, Any]]) -> list[Any]:
    return [r for r in results if r["index"] != 1]


def _duplicate_second(results: list[dict[str, Any]]) -> list[Any]:
    # A second, contradicting answer for item 1: the SDK cannot tell which one to believe.
    contradiction = {
        **results[1],
        "created": False,
        "review": None,
        "error": {"code": "invalid_request", "message": "x"},
    }
    return [*results, contradiction]


def _second_out_of_range(results: list[dict[str, Any]]) -> list[Any]:
    return [{**r, "index": 7} if r["index"] == 1 else r for r in results]


def _second_relabelled_as_third(results: list[dict[str, Any]]) -> list[Any]:
    # Item 1's answer claims to be item 2's: item 1 is missing and item 2 answered twice.
    return [{**r, "index": 2} if r["index"] == 1 else r for r in results]


def _second_index_not_an_integer(results: list[dict[str, Any]]) -> list[Any]:
    return [{**r, "index": "1"} if r["index"] == 1 else r for r in results]


@pytest.mark.parametrize(
    ("mangle", "uncertain"),
    [
        (_drop_second, [1]),
        (_duplicate_second, [1]),
        (_second_out_of_range, [1]),
        (_second_relabelled_as_third, [1, 2]),
        (_second_index_not_an_integer, [1]),
    ],
    ids=["missing", "duplicated", "out-of-range", "relabelled", "index-not-an-integer"],
)
async def test_an_unmatched_index_leaves_only_its_item_uncertain(
    mangle: Callable[[list[dict[str, Any]]], list[Any]], uncertain: list[int]
) -> None:
    """A missing, duplicated or out-of-range `index` makes its item `uncertain` (may be stored), not a job error."""
    rows = items(4)
    result = await _create_many_through(_answering(mangle), rows)
    assert [o.status for o in result] == ["uncertain" if i in uncertain else "created" for i in range(4)]
    assert all(isinstance(result.outcomes[i].error, MalformedResponseError) for i in uncertain)
    assert [o.index for o in result.uncertain()] == uncertain
    assert result.failed() == []
    assert (result.counts.created, result.counts.uncertain, result.counts.failed) == (
        4 - len(uncertain),
        len(uncertain),
        0,
    )
    assert result.counts.done == 4


class _CommitThenStall(httpx.AsyncBaseTransport):
    """Lets the server store the request, then never answers (a stall past the client's timeout)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._inner.handle_async_request(request)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")


@pytest.mark.parametrize("loss", ["drop-after-commit", "cut-body", "stall-after-commit"])
async def test_a_chunk_whose_every_answer_is_lost_after_commit_is_uncertain_not_failed(
    server: FlickServer, account: Account, loss: str
) -> None:
    """Every attempt stored, every answer lost: the items are `uncertain` (they are stored), never plain `failed`."""
    if loss == "drop-after-commit":
        server.faults.add(BATCH_ROUTE, DropAfterCommit())
    elif loss == "cut-body":
        server.faults.add(BATCH_ROUTE, TruncatedJSON())
    transport: httpx.AsyncBaseTransport = server.transport()
    if loss == "stall-after-commit":
        transport = _CommitThenStall(transport)
    rows = items(10)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncFlick(
            account.api_key,
            base_url=SERVER_BASE_URL,
            http_client=http,
            throttle=False,
            timeout=0.05,
            retry_policy=RetryPolicy(max_retries=2, initial_delay=0.0, jitter=0.0),
        ) as flick,
    ):
        result = await flick.reviews.create_many(rows)
    assert stored_texts(server, account) == texts(rows)  # the server holds every one of them
    assert [o.status for o in result] == ["uncertain"] * 10
    assert result.failed() == []
    assert [o.index for o in result.uncertain()] == list(range(10))
    expected = {
        "drop-after-commit": APIConnectionError,
        "cut-body": MalformedResponseError,
        "stall-after-commit": APITimeoutError,
    }[loss]
    assert all(isinstance(o.error, expected) for o in result)
    assert (result.counts.uncertain, result.counts.failed, result.counts.done) == (10, 0, 10)
