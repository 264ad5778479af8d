"""Bulk writes through server faults: a 5,000-item soak, chunks that spend their retries, and re-submitting failures."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from flick_api.models import Review

from flick_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncFlick,
    BatchCounts,
    BatchOutcome,
    BatchResult,
    Event,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    RetryScheduled,
    ReviewInput,
)
from flick_async.testing import (
    Account,
    DropAfterCommit,
    FakeClock,
    FlickServer,
    InternalError,
    RateLimitBurst,
    Slow,
    TruncatedJSON,
)

from .helpers import BATCH_ROUTE, batch_requests, create_through, items, stored_texts, texts

SOAK_ITEMS = 5000
# Generous retries without backoff: every chunk gets through, and nothing sleeps for real.
SOAK_RETRIES = RetryPolicy(max_retries=12, initial_delay=0.0, jitter=0.0)
TWO_RETRIES = RetryPolicy(max_retries=2, initial_delay=0.0, jitter=0.0)


@pytest.mark.async_only("clock.run autojumps the FakeClock on the test's loop; the sync client sleeps on its own")
async def test_fault_soak_stores_each_input_exactly_once(
    make_client: Callable[..., AsyncFlick], clock: FakeClock, server: FlickServer, account: Account
) -> None:
    """Through 500s, drops after commit, 429 bursts and timeouts, each input is stored once and has one outcome."""
    server.faults.add(BATCH_ROUTE, InternalError(), probability=0.05)
    server.faults.add(BATCH_ROUTE, DropAfterCommit(), probability=0.02)
    server.faults.add(BATCH_ROUTE, RateLimitBurst(count=3, retry_after=2), probability=0.02)
    server.faults.add(BATCH_ROUTE, TruncatedJSON(), probability=0.01)
    # The server's clock never moves, so a slow answer never comes: the client's timeout ends it.
    server.faults.add(BATCH_ROUTE, Slow(30.0), probability=0.02)
    events: list[Event] = []
    rows = items(SOAK_ITEMS)
    async with make_client(retry_policy=SOAK_RETRIES, timeout=0.25, hooks=[events.append]) as flick:
        result = await clock.run(lambda: flick.reviews.create_many(rows, concurrency=8))
        left = [*result.failed(), *result.uncertain()]
        if left:  # a chunk spent every retry: re-submitting completes the set
            again = await clock.run(lambda: flick.reviews.create_many([o.input for o in left]))
            assert [o.status for o in again if o.status not in ("created", "deduplicated")] == []

    stored = {review["review"]: Review.from_dict(review) for review in server.reviews(account)}
    assert stored_texts(server, account) == texts(rows)  # one copy of each, none missing
    assert [o.index for o in result] == list(range(SOAK_ITEMS))
    assert all(ReviewInput.coerce(o.input).review == rows[o.index]["review"] for o in result)
    assert all(
        o.review == stored[ReviewInput.coerce(o.input).review]
        for o in result
        if o.status in ("created", "deduplicated")
    )
    assert (result.complete, result.counts.done) == (True, SOAK_ITEMS)
    assert result.created + result.deduplicated + result.failed_count + result.uncertain_count == SOAK_ITEMS

    faults = [entry.fault for entry in server.request_log]
    timeouts = [e for e in events if isinstance(e, RetryScheduled) and isinstance(e.error, APITimeoutError)]
    assert {"InternalError", "DropAfterCommit", "RateLimitBurst", "TruncatedJSON"} <= set(faults)
    assert timeouts, "no request ran past the client's timeout"
    # A chunk stored by an attempt whose answer was lost comes back deduplicated on its retry, whole.
    lost_commits = faults.count("DropAfterCommit") + faults.count("TruncatedJSON")
    assert result.deduplicated % 50 == 0
    assert 0 < result.deduplicated <= 50 * lost_commits
    assert 2 in clock.slept  # Retry-After of the 429 bursts was honoured (on the fake clock)


async def test_a_chunk_stored_then_answered_500_until_its_retries_run_out_is_uncertain_and_resubmits_cleanly(
    make_client: Callable[..., AsyncFlick], server: FlickServer, account: Account
) -> None:
    """A chunk stored, then answered 500 until its retries run out, is uncertain whole; re-sending it dedupes."""
    server.faults.add(BATCH_ROUTE, DropAfterCommit(), on=[2])
    server.faults.add(BATCH_ROUTE, InternalError(), on=[3, 4, 5])
    rows = items(150)
    async with make_client(retry_policy=RetryPolicy(max_retries=3, initial_delay=0.0, jitter=0.0)) as flick:
        result = await flick.reviews.create_many(rows, concurrency=1)
        assert [o.index for o in result.uncertain()] == list(range(50, 100))
        assert all(isinstance(o.error, InternalServerError) for o in result.uncertain())
        assert (result.counts, result.complete) == (BatchCounts(created=100, uncertain=50), True)
        assert batch_requests(server) == 6
        # The uncertain chunk was stored by the dropped attempt: re-sending it copies nothing.
        again = await flick.reviews.create_many([o.input for o in result.uncertain()])
    stored = {review["review"]: Review.from_dict(review) for review in server.reviews(account)}
    assert again == BatchResult(
        [
            BatchOutcome(i, "deduplicated", o.input, review=stored[ReviewInput.coerce(o.input).review])
            for i, o in enumerate(result.uncertain())
        ]
    )
    assert stored_texts(server, account) == texts(rows)


async def test_a_chunk_refused_on_every_attempt_fails_whole_and_stores_nothing(
    make_client: Callable[..., AsyncFlick], server: FlickServer, account: Account
) -> None:
    """Only answers that write nothing (429s) until the retries run out: the chunk certainly failed."""
    server.faults.add(BATCH_ROUTE, RateLimitBurst(count=4, retry_after=0), on=[2])
    rows = items(150)
    async with make_client(retry_policy=RetryPolicy(max_retries=3, initial_delay=0.0, jitter=0.0)) as flick:
        result = await flick.reviews.create_many(rows, concurrency=1)
    assert [o.index for o in result.failed()] == list(range(50, 100))
    assert all(isinstance(o.error, RateLimitError) for o in result.failed())
    assert (result.counts, result.uncertain()) == (BatchCounts(created=100, failed=50), [])
    assert stored_texts(server, account) == texts(rows[:50] + rows[100:])


@pytest.mark.parametrize("never_sent", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_a_connection_never_made_fails_its_items_for_certain(
    never_sent: type[httpx.TransportError],
) -> None:
    """A refused connection, a connect or pool timeout on every attempt sent nothing: `failed`, not `uncertain`."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise never_sent("no connection", request=request)

    result = await create_through(refuse, items(3), retry_policy=TWO_RETRIES)
    assert [o.status for o in result] == ["failed"] * 3
    assert all(isinstance(o.error, APIConnectionError) for o in result)


async def test_an_attempt_that_may_have_arrived_keeps_the_chunk_uncertain() -> None:
    """Once one attempt may have reached the server (reset after sending), refused retries do not make it `failed`."""
    attempts = 0

    def reset_then_refuse(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise httpx.ReadError("connection reset after sending", request=request)
        raise httpx.ConnectError("connection refused", request=request)

    result = await create_through(reset_then_refuse, items(3), retry_policy=TWO_RETRIES)
    assert attempts == 3
    assert [o.status for o in result] == ["uncertain"] * 3
