"""Jobs that stop early: job-stopping errors, cancellation, leaving a stream early, a slow consumer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest

from flick_async import (
    APIDisabledError,
    APIKeyRevokedError,
    AsyncFlick,
    BatchCounts,
    BatchOutcome,
    BatchResult,
    DailyQuotaExceededError,
    FlickError,
    ProRequiredError,
)
from flick_async.testing import Account, FlickServer, Slow, wait_all_tasks_blocked

from .helpers import BATCH_ROUTE, assert_accounted, batch_requests, confirmed, items, stored_texts, texts


class Counted:
    """A one-shot iterable over `rows` that counts how many items the job has read."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.read = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            self.read += 1
            yield row


def assert_store_matches(
    server: FlickServer, account: Account, rows: list[dict[str, Any]], result: BatchResult
) -> None:
    """The server holds every confirmed item, possibly unconfirmed and uncertain ones, nothing else, and no copies."""
    stored = stored_texts(server, account)
    assert len(stored) == len(set(stored)), "a review was stored twice"
    must = set(texts(rows[o.index] for o in confirmed(result.outcomes)))
    may = set(texts(rows[i] for i in result.unconfirmed))
    may |= set(texts(rows[o.index] for o in result.uncertain()))
    assert must <= set(stored) <= must | may


def _revoke(server: FlickServer, account: Account) -> None:
    assert account.api_key is not None
    server.revoke_key(account.api_key, delay=0)


def _drop_pro(server: FlickServer, account: Account) -> None:
    server.set_pro(account, False)


def _disable(server: FlickServer, account: Account) -> None:
    server.api_disabled = True


def _spend_quota(server: FlickServer, account: Account) -> None:
    server.limiter.daily_limit = batch_requests(server)


STOPPERS: dict[str, tuple[Callable[[FlickServer, Account], None], type[FlickError]]] = {
    "key-revoked": (_revoke, APIKeyRevokedError),
    "pro-dropped": (_drop_pro, ProRequiredError),
    "api-disabled": (_disable, APIDisabledError),
    "daily-quota-spent": (_spend_quota, DailyQuotaExceededError),
}


@pytest.mark.parametrize("stopper", STOPPERS)
async def test_job_stopping_error_mid_job(
    client: AsyncFlick, server: FlickServer, account: Account, stopper: str
) -> None:
    """The error is raised as itself, promptly, with a .partial accounting for every item read."""
    stop, error_class = STOPPERS[stopper]
    rows = items(2000)
    source = Counted(rows)
    requests_at_stop: list[int] = []

    def on_progress(done: int, total: int | None, counts: BatchCounts) -> None:
        if done >= 200 and not requests_at_stop:
            requests_at_stop.append(batch_requests(server))
            stop(server, account)

    with pytest.raises(error_class) as caught:
        await client.reviews.create_many(source, concurrency=4, on_progress=on_progress)
    partial: BatchResult = caught.value.partial  # type: ignore[attr-defined]
    assert_accounted(partial, source.read)
    assert not partial.complete
    assert partial.counts.done >= 200
    # Promptly: no chunk was sent after the first refusal but those already on their way.
    assert batch_requests(server) - requests_at_stop[0] <= 4
    assert source.read < len(rows)
    assert_store_matches(server, account, rows, partial)


async def test_job_stopping_error_in_a_stream(client: AsyncFlick, server: FlickServer, account: Account) -> None:
    """stream_create raises the job's error from the loop; the stream then accounts for every item read."""
    rows = items(1000)
    delivered: list[BatchOutcome] = []
    stream = client.reviews.stream_create(rows, concurrency=2)

    async def consume() -> None:
        async with stream as outcomes:
            async for outcome in outcomes:
                delivered.append(outcome)
                if len(delivered) == 100:
                    server.set_pro(account, False)

    with pytest.raises(ProRequiredError) as caught:
        await consume()
    assert stream.error is caught.value
    result = BatchResult([*delivered, *stream.undelivered], unsent=stream.unsent, unconfirmed=stream.unconfirmed)
    result.outcomes.sort(key=lambda o: o.index)
    assert_accounted(result, stream.consumed)
    assert stream.counts == result.counts
    assert_store_matches(server, account, rows, result)


@pytest.mark.async_only(
    "cancels the awaiting task; the sync client's counterpart, Ctrl-C, is in tests/facade/test_sync_client.py"
)
async def test_cancel_scope_around_create_many(client: AsyncFlick, server: FlickServer, account: Account) -> None:
    """Cancelling after k chunks stops the job at once with .partial on the cancellation; nothing runs after."""
    rows = items(1000)
    source = Counted(rows)
    partials: list[BatchResult] = []
    with anyio.CancelScope() as scope:

        def on_progress(done: int, total: int | None, counts: BatchCounts) -> None:
            if done >= 150:
                scope.cancel()

        try:
            await client.reviews.create_many(source, concurrency=3, on_progress=on_progress)
        except anyio.get_cancelled_exc_class() as exc:
            partials.append(exc.partial)  # type: ignore[attr-defined]
            raise
    assert scope.cancelled_caught
    [partial] = partials
    assert_accounted(partial, source.read)
    assert partial.counts.done >= 150
    assert source.read < len(rows)
    assert_store_matches(server, account, rows, partial)
    answered = len(server.request_log)
    await wait_all_tasks_blocked()
    assert len(server.request_log) == answered


@pytest.mark.async_only(
    "cancels the awaiting task; the sync client's counterpart, Ctrl-C, is in tests/facade/test_sync_client.py"
)
async def test_cancel_with_a_chunk_in_flight(client: AsyncFlick, server: FlickServer, account: Account) -> None:
    """Cancelling while a chunk waits for its answer leaves exactly that chunk unconfirmed and the rest unsent."""
    rows = items(400)
    source = Counted(rows)
    server.faults.add(BATCH_ROUTE, Slow(60.0), on=[3])  # the server's clock never moves: no answer
    partials: list[BatchResult] = []
    async with anyio.create_task_group() as tg:

        async def run() -> None:
            try:
                await client.reviews.create_many(source, concurrency=1)
            except anyio.get_cancelled_exc_class() as exc:
                partials.append(exc.partial)  # type: ignore[attr-defined]
                raise

        tg.start_soon(run)
        await wait_all_tasks_blocked()
        tg.cancel_scope.cancel()
    [partial] = partials
    # One chunk in flight and one read ahead, waiting for a free worker.
    assert source.read == 200
    assert [o.index for o in partial.outcomes] == list(range(100))
    assert partial.unconfirmed == list(range(100, 150))
    assert partial.unsent == list(range(150, 200))
    assert stored_texts(server, account) == texts(rows[:100])
    assert batch_requests(server) == 2  # the slow one was never answered


async def test_leaving_a_stream_early(client: AsyncFlick, server: FlickServer, account: Account) -> None:
    """After a break, delivered + undelivered + unsent + unconfirmed cover the items read; nothing runs after."""
    rows = items(2000)
    delivered: list[BatchOutcome] = []
    async with client.reviews.stream_create(rows, concurrency=4) as stream:
        async for outcome in stream:
            delivered.append(outcome)
            if len(delivered) == 120:
                break
    answered = len(server.request_log)
    result = BatchResult(
        sorted([*delivered, *stream.undelivered], key=lambda o: o.index),
        unsent=stream.unsent,
        unconfirmed=stream.unconfirmed,
    )
    assert_accounted(result, stream.consumed)
    assert stream.consumed < len(rows)
    assert stream.counts == result.counts
    assert_store_matches(server, account, rows, result)
    await wait_all_tasks_blocked()
    assert len(server.request_log) == answered


async def test_leaving_a_stream_with_a_chunk_in_flight(
    client: AsyncFlick, server: FlickServer, account: Account
) -> None:
    """A chunk still waiting for its answer when the block is left is reported unconfirmed."""
    rows = items(300)
    server.faults.add(BATCH_ROUTE, Slow(60.0), on=[2])  # never answered: the server's clock stands still
    async with client.reviews.stream_create(rows, concurrency=2) as stream:
        delivered = []
        async for outcome in stream:
            delivered.append(outcome)
            if len(delivered) == 50:
                await wait_all_tasks_blocked()  # the free worker goes on until the buffer is full
                break
    assert stream.unconfirmed == list(range(50, 100))
    # Backpressure: 3 chunks (chunk_size × (concurrency + 1)) wait for the consumer.
    assert [o.index for o in stream.undelivered] == list(range(100, 250))
    assert stream.unsent == list(range(250, stream.consumed))
    assert stored_texts(server, account) == texts(rows[:50] + rows[100:250])


async def test_an_exception_in_the_stream_block_comes_out_as_itself(client: AsyncFlick) -> None:
    """The caller's own exception leaves the block unwrapped (no ExceptionGroup) and stops the job."""
    stream = client.reviews.stream_create(items(500))

    async def consume() -> None:
        async with stream:
            async for _ in stream:
                raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):
        await consume()
    assert stream.consumed < 500


@pytest.mark.async_only("waits for the test loop's tasks to block; the sync client's job runs on its worker loop")
async def test_a_slow_consumer_holds_back_the_job_without_deadlock(client: AsyncFlick, server: FlickServer) -> None:
    """With the producer and every worker waiting for room at once, the consumer's reads wake them all."""
    rows = items(3000)
    seen = 0
    # A deadlock fails this test through pytest-timeout (60 s a test): a wall-clock bound of its
    # own failed sound code on a loaded machine (mutation runs under `nice -n 19` could not start).
    async with client.reviews.stream_create(rows, concurrency=4) as stream:
        async for _ in stream:
            seen += 1
            if seen % 500 == 1:
                await wait_all_tasks_blocked()  # the job fills the buffer and waits
                # The buffer's bound, plus a chunk from each worker that was already on its way.
                assert len(stream.undelivered) <= 50 * (4 + 1) + 50 * 4
    assert (seen, stream.counts) == (3000, BatchCounts(created=3000))
    assert batch_requests(server) == 60
