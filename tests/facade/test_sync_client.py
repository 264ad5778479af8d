"""What only the sync client `Flick` promises: its thread, its loop guard, its budget, plain iterators.

The endpoint, error, pagination and bulk-write suites run on `Flick` too (parametrised over both
clients, see `tests/_both_clients.py`); this file covers what they cannot see.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import inspect
import itertools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal, Self, assert_type

import anyio
import httpx
import pytest
from anyio.from_thread import BlockingPortal
from flick_api.api.reviews import list_reviews
from flick_api.models import ReviewPage
from pytest_httpx import HTTPXMock

from flick_async import (
    AsyncFlick,
    BatchCounts,
    BatchOutcome,
    BatchResult,
    ClientClosedError,
    DailyQuotaExceededError,
    Flick,
    ListItems,
    Lists,
    Page,
    PageIterator,
    Profile,
    RawBatchResult,
    RawResponse,
    Review,
    ReviewInput,
    Reviews,
    ValidationError,
    Watchlist,
)
from flick_async._sync import (
    SyncBatchStream,
    SyncListItems,
    SyncLists,
    SyncPageIterator,
    SyncReviews,
    SyncWatchlist,
    _Worker,
)
from flick_async.testing import DEMO_API_KEY, Account, FakeClock, FlickServer, serve_in_thread

from .helpers import MOCK_BASE_URL, PROFILE_JSON, SERVER_BASE_URL


@pytest.fixture(autouse=True)
def ctrl_c_raises() -> Iterator[None]:
    """Python's own Ctrl-C handler for every test here, some of which send SIGINT to this process.

    A non-interactive shell starts a background job with SIGINT ignored, and Python then leaves it
    ignored: started that way, the suite's Ctrl-C never arrived, the jobs fed from endless input
    ran on, and every later test of the file failed.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture
def make_flick(server: FlickServer) -> Iterator[Callable[..., Flick]]:
    """Sync clients of the local server (in process, throttling off); closed after the test."""
    built: list[Flick] = []

    def make(**options: Any) -> Flick:
        options.setdefault("base_url", SERVER_BASE_URL)
        options.setdefault("http_client", httpx.AsyncClient(transport=server.transport()))
        options.setdefault("throttle", False)
        flick = Flick(options.pop("api_key", DEMO_API_KEY), **options)
        built.append(flick)
        return flick

    yield make
    for flick in built:
        flick.close()


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_plain_calls_and_plain_iterators(make_flick: Callable[..., Flick], server: FlickServer, backend: str) -> None:
    """From plain code: results as from AsyncFlick, `iter()` a plain iterator, on either worker loop."""
    with make_flick(backend=backend) as flick:
        assert flick.me() == Profile.from_dict(server.profile(DEMO_API_KEY))
        iterator = flick.reviews.iter(limit=7)
        assert iter(iterator) is iterator
        assert list(iterator) == [Review.from_dict(r) for r in server.reviews(DEMO_API_KEY)]
        assert (iterator.stop_reason, iterator.complete) == ("exhausted", True)
        page = flick.call(list_reviews, page=2, limit=3)
        assert_type(page, ReviewPage)
        assert page.page == 2


def test_stream_create_is_a_plain_context_manager(make_flick: Callable[..., Flick]) -> None:
    """`with flick.reviews.stream_create(...) as outcomes: for outcome in outcomes` accounts for every item."""
    rows = [ReviewInput(tmdb_id=tmdb_id, media_type="movie", rating=6) for tmdb_id in ("27205", "155", "603")]
    with make_flick() as flick, flick.reviews.stream_create(rows, chunk_size=1) as outcomes:
        statuses = sorted((outcome.index, outcome.status) for outcome in outcomes)
        assert (outcomes.unsent, outcomes.unconfirmed, outcomes.counts.done) == ([], [], 3)
    assert statuses == [(0, "created"), (1, "created"), (2, "created")]


async def test_a_call_inside_a_running_event_loop_raises_at_once(make_flick: Callable[..., Flick]) -> None:
    """Inside async code (asyncio or trio) every call raises RuntimeError naming AsyncFlick; no thread starts."""
    flick = make_flick()
    with pytest.raises(RuntimeError, match=r"inside a running (asyncio|trio) event loop.*use AsyncFlick"):
        flick.me()
    with pytest.raises(RuntimeError, match="running"):
        flick.reviews.list()
    assert flick._worker.thread is None


def test_a_call_from_the_worker_thread_raises_instead_of_deadlocking(make_flick: Callable[..., Flick]) -> None:
    """An input generator (run on the worker) that calls the client back gets RuntimeError, not a hang."""
    flick = make_flick()

    def rows() -> Iterator[ReviewInput]:
        flick.me()
        yield ReviewInput(tmdb_id="27205", media_type="movie")

    with pytest.raises(RuntimeError, match="own worker thread"):
        flick.reviews.create_many(rows())
    assert flick.me().username == "demo"  # the client is still usable


def test_close_stops_the_thread_and_closes_the_connections(httpx_mock: HTTPXMock) -> None:
    """Leaving `with` closes the client's own httpx client and joins its worker thread."""
    httpx_mock.add_response(url=f"{MOCK_BASE_URL}/me", json=PROFILE_JSON)
    before = set(threading.enumerate())
    with Flick("flick_sk_unit_0123456789abcdef0123", base_url=MOCK_BASE_URL, throttle=False) as flick:
        flick.me()
        thread = flick._worker.thread
        assert thread is not None
        assert thread.is_alive()
    assert not thread.is_alive()
    assert flick._async._pipeline.http.is_closed
    assert flick.is_closed
    assert set(threading.enumerate()) <= before  # no thread of ours left (others may end meanwhile)
    with pytest.raises(ClientClosedError):
        flick.me()
    with pytest.raises(ClientClosedError), flick:
        pass
    flick.close()  # idempotent


def test_a_client_never_closed_stops_its_thread_when_collected(make_flick: Callable[..., Flick]) -> None:
    """Dropping an open client does not leak its thread (it is also a daemon: exit never waits for it)."""
    flick = Flick(DEMO_API_KEY, base_url=SERVER_BASE_URL, http_client=make_flick()._async._pipeline.http)
    flick.me()
    thread = flick._worker.thread
    assert thread is not None
    assert thread.daemon
    del flick
    gc.collect()
    thread.join(timeout=5)
    assert not thread.is_alive()


@pytest.mark.parametrize(
    "use",
    [
        lambda new: new().reviews.list(limit=2),
        lambda new: list(new().reviews.iter(limit=2, max_items=3)),
        lambda new: new().with_options(timeout=5).me(),
        lambda new: new().with_raw_response.me(),
    ],
    ids=["list", "iter", "with_options", "with_raw_response"],
)
def test_a_view_of_a_dropped_client_keeps_it_open_then_lets_its_thread_go(
    server: FlickServer, use: Callable[[Callable[[], Flick]], object]
) -> None:
    """`Flick(key).reviews.list()`: the `Flick` is dropped as soon as `.reviews` is read, and the call must
    still run (it raised ClientClosedError); once the view is gone too, the worker thread stops."""
    before = {t.ident for t in threading.enumerate()}

    def client() -> Flick:
        return Flick(
            DEMO_API_KEY, base_url=SERVER_BASE_URL, http_client=httpx.AsyncClient(transport=server.transport())
        )

    use(client)
    gc.collect()
    workers = [t for t in threading.enumerate() if t.ident not in before and t.name == "flick-sync-worker"]
    for thread in workers:
        thread.join(timeout=5)
    assert not any(thread.is_alive() for thread in workers)


def test_many_threads_share_one_client(make_flick: Callable[..., Flick]) -> None:
    """Sixteen threads calling one Flick at once all get their answer, through one worker thread."""
    flick = make_flick()
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(flick.me().username)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert (errors, results) == ([], ["demo"] * 16)


def test_create_many_keeps_its_concurrency(server: FlickServer) -> None:
    """With concurrency=4, four chunks are in flight at once on the worker loop."""
    in_flight = 0
    peak = 0
    inner = server.transport()

    class Counting(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.full = anyio.Event()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            if in_flight >= 4:
                self.full.set()
            with anyio.move_on_after(2):  # a client without concurrency never fills it
                await self.full.wait()
            try:
                return await inner.handle_async_request(request)
            finally:
                in_flight -= 1

    rows = [ReviewInput(tmdb_id="27205", media_type="movie", rating=r / 2) for r in range(8)]
    http = httpx.AsyncClient(transport=Counting())
    with Flick(DEMO_API_KEY, base_url=SERVER_BASE_URL, http_client=http, throttle=False) as flick:
        result = flick.reviews.create_many(rows, chunk_size=2, concurrency=4)
    assert (result.counts.done, peak) == (8, 4)


def test_the_sync_and_async_clients_share_the_keys_budget(server: FlickServer) -> None:
    """A Flick and an AsyncFlick on one key draw from one per-process budget (default throttle).

    The server allows 3 requests a day. After the Flick spent them, the AsyncFlick (on another
    thread's event loop) refuses locally: the server sees 3 requests, not 4.
    """
    server = FlickServer(daily_limit=3)
    account = server.add_account(f"budget-{time.monotonic_ns()}")  # a key no other test's limiter knows
    assert account.api_key is not None
    transport = server.transport()
    with Flick(account.api_key, base_url=SERVER_BASE_URL, http_client=httpx.AsyncClient(transport=transport)) as flick:
        for _ in range(3):
            flick.me()
        assert flick.rate_limit is not None
        assert flick.rate_limit.remaining_day == 0

    async def other_loop() -> None:
        async with (
            httpx.AsyncClient(transport=transport) as http,
            AsyncFlick(account.api_key, base_url=SERVER_BASE_URL, http_client=http) as client,
        ):
            with pytest.raises(DailyQuotaExceededError):
                await client.me()

    anyio.run(other_loop)
    assert len(server.request_log) == 3


def test_views_share_the_worker_and_close_with_it(make_flick: Callable[..., Flick]) -> None:
    """with_options and with_raw_response on Flick: same thread; a view's close leaves the client open."""
    flick = make_flick()
    light = flick.with_options(timeout=5, max_retries=0)
    raw = light.with_raw_response.me()
    assert_type(raw, RawResponse[Profile])
    assert (raw.status_code, raw.parse().username, raw.retries_taken) == (200, "demo", 0)
    page = flick.with_raw_response.reviews.list(limit=2)
    assert_type(page, RawResponse[Page[Review]])
    assert len(page.parse()) == 2
    assert light._worker is flick._worker
    light.close()
    assert light.is_closed
    assert not flick.is_closed
    assert flick.me().username == "demo"
    other = flick.with_options(headers={"X-A": "1"})
    flick.close()
    assert other.is_closed
    with pytest.raises(ClientClosedError):
        other.me()


def test_bad_options_raise_before_any_thread_starts() -> None:
    """The constructor validates as AsyncFlick's does (and `backend`), with no thread started."""
    before = set(threading.enumerate())
    with pytest.raises(ValidationError):
        Flick("not-a-key")
    with pytest.raises(ValidationError, match="backend"):
        Flick(DEMO_API_KEY, base_url=SERVER_BASE_URL, backend="curio")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="timeout"):
        Flick(DEMO_API_KEY, base_url=SERVER_BASE_URL).with_options(timeout=-1)
    assert set(threading.enumerate()) <= before  # no thread of ours left (others may end meanwhile)


@pytest.fixture
def roomy(clock: FakeClock) -> FlickServer:
    """A local server whose budget an endless job cannot spend before Ctrl-C stops it.

    The default (60 a minute, on the fake clock that never moves) ran out in a run whose stop
    came late, and the next call then waited for a window that never reset.
    """
    return FlickServer(clock=clock, rate_limit=1_000_000, daily_limit=10_000_000)


@pytest.fixture
def collector_off() -> Iterator[None]:
    """No garbage collection while a test sends itself Ctrl-C.

    Python runs a signal handler wherever the main thread is, a weakref callback of the
    collector included, and a KeyboardInterrupt raised there is swallowed ("Exception ignored
    in ...WeakSet._remove", seen once in 800 runs here): no SDK can see that interrupt, and
    the test would wait for it. Collected first, then off for the test.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _reviews_forever() -> Iterator[ReviewInput]:
    for n in itertools.count():
        yield ReviewInput(tmdb_id="27205", media_type="movie", review=f"take {n}")


def _assert_exact_account(partial: BatchResult, server: FlickServer, account: Account) -> None:
    """Every item read is in exactly one place, and the server holds exactly what the account says it may."""
    read = partial.counts.done + len(partial.unsent) + len(partial.unconfirmed)
    assert sorted([*(o.index for o in partial.outcomes), *partial.unsent, *partial.unconfirmed]) == list(range(read))
    stored = {int(review["review"].removeprefix("take ")) for review in server.reviews(account)}
    by_status: dict[str, set[int]] = {}
    for outcome in partial.outcomes:
        by_status.setdefault(outcome.status, set()).add(outcome.index)
    assert by_status.get("created", set()) | by_status.get("deduplicated", set()) <= stored
    # Nothing failed, unsent or never read is stored: only what may be is.
    assert stored <= by_status.get("created", set()) | by_status.get("uncertain", set()) | set(partial.unconfirmed)


@pytest.mark.usefixtures("collector_off")
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("where", ["waiting", "starting"])
def test_ctrl_c_during_create_many_stops_the_job_with_an_exact_account(
    roomy: FlickServer, monkeypatch: pytest.MonkeyPatch, backend: Literal["asyncio", "trio"], where: str
) -> None:
    """KeyboardInterrupt while blocked in create_many cancels the job on the worker and carries `.partial`.

    The input never ends, so only the interrupt can stop the job. "starting": the caller has not
    yet come back from handing the job to the worker loop when Ctrl-C arrives (what a busy worker
    that keeps the GIL does to it); the old code let that job run on unseen, with no `.partial`.
    """
    server = roomy
    account = server.add_account("interrupted")
    interrupted = threading.Event()

    def on_progress(done: int, total: int | None, counts: BatchCounts) -> None:
        if done >= 150 and not interrupted.is_set():
            interrupted.set()
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does to a script blocked in the call

    if where == "starting":
        _slow_to_come_back_from_the_first_start(monkeypatch)

    http = httpx.AsyncClient(transport=server.transport())
    with Flick(account.api_key, base_url=SERVER_BASE_URL, http_client=http, throttle=False, backend=backend) as flick:
        with pytest.raises(KeyboardInterrupt) as caught:
            flick.reviews.create_many(_reviews_forever(), concurrency=3, chunk_size=50, on_progress=on_progress)
        monkeypatch.undo()
        partial: BatchResult = caught.value.partial  # type: ignore[attr-defined]
        answered = len(server.request_log)
        assert partial.counts.done >= 150
        _assert_exact_account(partial, server, account)
        time.sleep(0.05)  # a job left running would send more meanwhile
        assert len(server.request_log) == answered  # nothing of the job ran after the interrupt
        assert flick.me().username == "interrupted"  # the client is still usable
        assert flick._worker.thread is not None
        worker = flick._worker.thread
    assert not worker.is_alive()


@pytest.mark.usefixtures("collector_off")
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("ending", ["result", "raw result", "error"])
def test_a_job_that_ends_as_ctrl_c_arrives_hands_over_how_it_ended(
    backend: Literal["asyncio", "trio"], ending: str
) -> None:
    """Ctrl-C is handled in the caller's thread only once it gets the GIL back: the job may end first.

    The job below ends with no checkpoint after the interrupt, so the stop comes too late to
    cancel it. Its result (or its error's `.partial`) is then the exact account, and the
    KeyboardInterrupt carries it; the old code raised it bare, losing every outcome.
    """
    result = BatchResult([BatchOutcome(0, "created", ReviewInput(tmdb_id="27205", media_type="movie"))])

    async def job() -> Any:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.3)  # noqa: ASYNC251 -- no checkpoint on purpose; the caller handles Ctrl-C meanwhile
        if ending == "error":
            error = DailyQuotaExceededError("Spent.", resets_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))
            error.partial = result  # type: ignore[attr-defined]
            raise error
        return RawBatchResult(result, []) if ending == "raw result" else result

    worker = _Worker(backend)
    try:
        with pytest.raises(KeyboardInterrupt) as caught:
            worker.run(job)
        assert caught.value.partial is result  # type: ignore[attr-defined]
        assert worker.run(anyio.sleep, 0) is None  # the worker is still usable
    finally:
        worker.close(None)


class _InterruptingTransport(httpx.AsyncBaseTransport):
    """Sends SIGINT (what Ctrl-C does) while the `nth` request is on its way, then holds it `hold` seconds.

    The sync sleep hands the GIL to the caller's thread, which handles Ctrl-C and asks the loop
    to stop the call; the request then waits `hold` seconds at a checkpoint, where the stop lands
    (with `hold=0` it may come too late, and the answer arrives as the caller is interrupted).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, nth: int, hold: float) -> None:
        self.inner, self.nth, self.hold, self.sent = inner, nth, hold, 0
        self.cut_short = False  # the held request was cancelled: the interrupt stopped the call

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if self.sent == self.nth:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)  # noqa: ASYNC251 -- the caller's thread handles Ctrl-C meanwhile
            try:
                await anyio.sleep(self.hold)
            except anyio.get_cancelled_exc_class():
                self.cut_short = True
                raise
        return await self.inner.handle_async_request(request)


@pytest.mark.usefixtures("collector_off")
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("hold", [5.0, 0.0], ids=["mid-fetch", "as-fetched"])
@pytest.mark.parametrize("nth", [1, 2, 4])
def test_ctrl_c_during_a_walk_loses_nothing_and_the_walk_resumes(
    server: FlickServer, backend: Literal["asyncio", "trio"], hold: float, nth: int
) -> None:
    """Ctrl-C while `next()` fetches a page: the walk goes on where it was, every item once, in order.

    Then the client is usable, and closing it leaves no thread behind.
    """
    want = [Review.from_dict(review) for review in server.reviews(DEMO_API_KEY)]
    assert len(want) > 15  # four pages of 5
    before = set(threading.enumerate())
    transport = _InterruptingTransport(server.transport(), nth, hold)
    http = httpx.AsyncClient(transport=transport)
    with Flick(DEMO_API_KEY, base_url=SERVER_BASE_URL, http_client=http, throttle=False, backend=backend) as flick:
        walk = flick.reviews.iter(limit=5)
        got: list[Review] = []
        with pytest.raises(KeyboardInterrupt):
            got.extend(walk)
        assert transport.cut_short == (hold > 0)  # held: the stop landed in the fetch
        assert len(got) == 5 * (nth - 1)
        got.extend(walk)
        assert got == want
        assert (walk.stop_reason, walk.complete) == ("exhausted", True)
        assert flick.me().username == "demo"
    assert set(threading.enumerate()) <= before  # no thread of ours left (others may end meanwhile)


@pytest.mark.usefixtures("collector_off")
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_ctrl_c_during_me_leaves_the_client_usable(server: FlickServer, backend: Literal["asyncio", "trio"]) -> None:
    """A plain call interrupted on the wire raises KeyboardInterrupt at once; the next call works."""
    before = set(threading.enumerate())
    transport = _InterruptingTransport(server.transport(), 1, 30.0)
    http = httpx.AsyncClient(transport=transport)
    with Flick(DEMO_API_KEY, base_url=SERVER_BASE_URL, http_client=http, throttle=False, backend=backend) as flick:
        with pytest.raises(KeyboardInterrupt):
            flick.me()
        assert transport.cut_short
        assert flick.me().username == "demo"
        assert not flick.is_closed
    assert set(threading.enumerate()) <= before  # no thread of ours left (others may end meanwhile)


def _slow_to_come_back_from_the_first_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller's first `start_task_soon` returns only after 30 s (or Ctrl-C): a busy worker keeps the GIL so."""
    start_task_soon = BlockingPortal.start_task_soon
    spawned: list[object] = []

    def slow_to_return(portal: BlockingPortal, *args: Any, **kwargs: Any) -> Any:
        first = not spawned  # the job's own start (`portal.call` starts a task too)
        spawned.append(args[0])
        future = start_task_soon(portal, *args, **kwargs)
        if first:
            time.sleep(30)  # the job runs; Ctrl-C interrupts this sleep
        return future

    monkeypatch.setattr(BlockingPortal, "start_task_soon", slow_to_return)


@pytest.mark.usefixtures("collector_off")
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("where", ["mid-chunk", "as-answered", "entering"])
def test_ctrl_c_in_a_stream_create_block_leaves_an_exact_account(
    roomy: FlickServer, monkeypatch: pytest.MonkeyPatch, backend: Literal["asyncio", "trio"], where: str
) -> None:
    """Ctrl-C in `for outcome in outcomes` (or while the block is entered): the job stops; what was
    yielded plus `undelivered`, `unsent` and `unconfirmed` is every item read, once, true to the server."""
    server = roomy
    account = server.add_account("streamer")
    hold = 0.0 if where == "as-answered" else 5.0
    transport = _InterruptingTransport(server.transport(), 3, hold)
    http = httpx.AsyncClient(transport=transport)
    if where == "entering":
        _slow_to_come_back_from_the_first_start(monkeypatch)
    delivered: list[BatchOutcome] = []
    with Flick(account.api_key, base_url=SERVER_BASE_URL, http_client=http, throttle=False, backend=backend) as flick:
        stream = flick.reviews.stream_create(_reviews_forever(), chunk_size=10)
        with pytest.raises(KeyboardInterrupt), stream as outcomes:
            delivered.extend(outcomes)
        assert transport.cut_short == (hold > 0)  # held: the stop landed in the chunk's request
        monkeypatch.undo()
        if where == "entering":
            assert delivered == []
        partial = BatchResult(
            sorted([*delivered, *stream.undelivered], key=lambda o: o.index),
            unsent=stream.unsent,
            unconfirmed=stream.unconfirmed,
        )
        _assert_exact_account(partial, server, account)
        answered = len(server.request_log)
        time.sleep(0.05)
        assert len(server.request_log) == answered  # the job stopped with the block
        assert flick.me().username == "streamer"


@pytest.mark.usefixtures("collector_off")
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_ctrl_c_taken_by_another_thread_still_stops_the_call(
    roomy: FlickServer, backend: Literal["asyncio", "trio"]
) -> None:
    """The kernel may give SIGINT to any thread that does not block it; the caller must still see it.

    Here it goes to an idle thread of the user's. Python then raises KeyboardInterrupt in the
    main thread only when that thread next takes the GIL: the old code, blocked for good in
    `future.result()`, never did, and an endless job ran on (this test hung until its timeout).
    """
    server = roomy
    account = server.add_account("interrupted")
    idle = threading.Event()
    bystander = threading.Thread(target=idle.wait, args=(30,), name="bystander")
    bystander.start()

    interrupted = threading.Event()

    def on_progress(done: int, total: int | None, counts: BatchCounts) -> None:
        if done >= 150 and not interrupted.is_set() and bystander.ident is not None:
            interrupted.set()
            signal.pthread_kill(bystander.ident, signal.SIGINT)

    http = httpx.AsyncClient(transport=server.transport())
    try:
        with Flick(
            account.api_key, base_url=SERVER_BASE_URL, http_client=http, throttle=False, backend=backend
        ) as flick:
            with pytest.raises(KeyboardInterrupt) as caught:
                flick.reviews.create_many(_reviews_forever(), concurrency=3, chunk_size=50, on_progress=on_progress)
            _assert_exact_account(caught.value.partial, server, account)  # type: ignore[attr-defined]
    finally:
        idle.set()
        bystander.join()


class _HandsOverAsCtrlCArrives:
    """An async iterator of 0..3 whose item 1 is taken just as Ctrl-C arrives, too late to cancel."""

    def __init__(self) -> None:
        self._items = iter(range(4))
        self.undelivered: list[int] = []

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> int:
        item = next(self._items, None)
        if item is None:
            raise StopAsyncIteration
        if item == 1:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.3)  # noqa: ASYNC251 -- no checkpoint on purpose: the stop comes too late
        return item


@pytest.mark.usefixtures("collector_off")
@pytest.mark.parametrize("wrapper", ["walk", "stream"])
def test_an_item_taken_as_ctrl_c_arrives_is_handed_out_next(wrapper: str) -> None:
    """The loop took item 1 from the iterator, the caller got KeyboardInterrupt: the next `next()` returns it.

    For a stream it is counted in `undelivered` meanwhile. The old code lost it.
    """
    worker = _Worker("asyncio")
    source = _HandsOverAsCtrlCArrives()
    try:
        if wrapper == "walk":
            items: Any = SyncPageIterator(worker, source)  # type: ignore[arg-type]
        else:
            items = SyncBatchStream(worker, source)  # type: ignore[arg-type]
            items._context = contextlib.nullcontext()  # as if entered; the fake needs no task group
        assert next(items) == 0
        with pytest.raises(KeyboardInterrupt):
            next(items)
        if wrapper == "stream":
            assert items.undelivered == [1]
        assert list(items) == [1, 2, 3]
    finally:
        worker.close(None)


def test_the_sync_surface_matches_the_async_one() -> None:
    """Flick takes AsyncFlick's arguments (plus `backend`) and has every public name of it and its groups."""
    async_params = inspect.signature(AsyncFlick).parameters
    sync_params = inspect.signature(Flick).parameters
    assert list(sync_params) == [*async_params, "backend"]
    assert all(
        (sync_params[n].default, str(sync_params[n].annotation)) == (p.default, str(p.annotation))
        for n, p in async_params.items()
    )
    pairs = [(AsyncFlick, Flick), (Reviews, SyncReviews), (Watchlist, SyncWatchlist), (Lists, SyncLists)]
    pairs += [(ListItems, SyncListItems), (PageIterator, SyncPageIterator)]
    for async_class, sync_class in pairs:
        public = {name for name in dir(async_class) if not name.startswith("_")} - {"aclose"}
        assert public - set(dir(sync_class)) == set(), sync_class
    assert {"close", "__enter__", "__exit__"} <= set(dir(Flick))


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_flick_and_an_async_client_waiting_at_once_share_one_budget(backend: Literal["asyncio", "trio"]) -> None:
    """Threads blocked in one Flick and tasks of an AsyncFlick on another loop, one key: all finish within its limit.

    Over a loopback socket, as tests/test_throttle_threads.py does for two AsyncFlicks (the
    throttle is what waits across loops; this checks the sync client hands it the same budget).
    """
    limit, calls = 10, 12
    server = FlickServer(rate_limit=limit, window_seconds=1, demo=False)
    key = server.add_account().api_key
    assert key is not None
    done: list[str] = []
    errors: list[BaseException] = []

    with serve_in_thread(server) as base_url, Flick(key, base_url=base_url, backend=backend) as flick:

        def sync_caller() -> None:
            try:
                for _ in range(calls // 3):
                    flick.me()
                    done.append("sync")
            except BaseException as error:
                errors.append(error)

        def async_thread() -> None:
            async def one(client: AsyncFlick) -> None:
                await client.me()
                done.append("async")

            async def work() -> None:
                async with AsyncFlick(key, base_url=base_url) as client, anyio.create_task_group() as tg:
                    for _ in range(calls):
                        tg.start_soon(one, client)

            try:
                anyio.run(work)
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=sync_caller, daemon=True) for _ in range(3)]
        threads.append(threading.Thread(target=async_thread, daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert errors == []
    assert sorted(done) == ["async"] * calls + ["sync"] * calls
    assert server.request_log.max_per_window(1.0, api_key=key) <= limit
    assert server.request_log.statuses(key).count(429) <= limit
