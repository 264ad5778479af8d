"""Bad arguments to the bulk calls fail with ValidationError before any request; a closed client stops the job."""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from typing import Any

import pytest

from flick_async import AsyncFlick, BatchResult, ClientClosedError, ValidationError
from flick_async.testing import FlickServer

from .helpers import item, items

BAD_OPTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "concurrency-0": ({"concurrency": 0}, "concurrency"),
    "concurrency-negative": ({"concurrency": -2}, "concurrency"),
    "concurrency-bool": ({"concurrency": True}, "concurrency"),
    "concurrency-float": ({"concurrency": 2.0}, "concurrency"),
    "chunk-size-0": ({"chunk_size": 0}, "chunk_size"),
    "chunk-size-51": ({"chunk_size": 51}, "chunk_size"),
    "chunk-size-str": ({"chunk_size": "50"}, "chunk_size"),
    "items-none": ({"items": None}, "items"),
    "items-str": ({"items": "27205"}, "items"),
    "items-bytes": ({"items": b"27205"}, "items"),
    "items-one-mapping": ({"items": items(1)[0]}, "items"),
    "items-int": ({"items": 50}, "items"),
}


@pytest.mark.parametrize("case", BAD_OPTIONS)
async def test_create_many_rejects_bad_arguments(client: AsyncFlick, server: FlickServer, case: str) -> None:
    """create_many raises ValidationError naming the argument, before any request."""
    options, field = BAD_OPTIONS[case]
    options = {"items": items(10), **options}
    with pytest.raises(ValidationError) as caught:
        await client.reviews.create_many(**options)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)
    assert len(server.request_log) == 0


@pytest.mark.parametrize("case", BAD_OPTIONS)
async def test_stream_create_rejects_bad_arguments(client: AsyncFlick, server: FlickServer, case: str) -> None:
    """stream_create raises ValidationError when called, before the block is entered or anything is sent."""
    options, field = BAD_OPTIONS[case]
    options = {"items": items(10), **options}
    with pytest.raises(ValidationError) as caught:
        client.reviews.stream_create(**options)
    assert caught.value.field == field
    assert len(server.request_log) == 0


async def test_a_stream_cannot_be_iterated_outside_its_block(client: AsyncFlick, server: FlickServer) -> None:
    """Iterating without `async with` (`with` on the sync client) is a usage error that sends nothing."""
    stream = client.reviews.stream_create(items(10))
    with pytest.raises(RuntimeError, match=r"with reviews\.stream_create\(\.\.\.\) as outcomes"):
        await stream.__anext__()
    assert len(server.request_log) == 0


async def test_a_closed_client_stops_the_job_with_nothing_sent(client: AsyncFlick, server: FlickServer) -> None:
    """On a closed client the job raises ClientClosedError; every item read is unsent."""
    await client.aclose()
    with pytest.raises(ClientClosedError) as caught:
        await client.reviews.create_many(items(120), concurrency=2)
    partial: BatchResult = caught.value.partial  # type: ignore[attr-defined]
    assert partial.outcomes == []
    assert partial.unconfirmed == []
    assert partial.unsent == list(range(len(partial.unsent)))
    assert len(partial.unsent) >= 50
    assert len(server.request_log) == 0


async def test_an_item_that_cannot_be_json_fails_alone_when_not_validated(client: AsyncFlick) -> None:
    """With validate=False, a value JSON cannot carry (NaN, a Decimal) fails its own item only."""
    rows = [item(0), {**item(1), "rating": float("nan")}, {**item(2), "rating": decimal.Decimal("7.5")}]
    result = await client.reviews.create_many(rows, validate=False)
    assert [(o.index, o.status) for o in result] == [(0, "created"), (1, "failed"), (2, "failed")]
    assert [(type(o.error), o.error.field) for o in result.failed() if isinstance(o.error, ValidationError)] == [
        (ValidationError, "rating"),
        (ValidationError, "rating"),
    ]


async def test_an_input_iterable_that_raises_comes_out_as_itself(client: AsyncFlick) -> None:
    """The caller's own generator error is raised as itself, not inside an ExceptionGroup."""

    def rows() -> Iterator[dict[str, object]]:
        yield item(0)
        raise LookupError("the spreadsheet ran out")

    with pytest.raises(LookupError, match="ran out"):
        await client.reviews.create_many(rows())
