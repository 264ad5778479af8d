"""`Flick`: the synchronous client, for scripts, notebooks, Django views, Celery tasks and pipelines.

Design: one implementation. `Flick` owns an `AsyncFlick` and a worker thread that runs an event
loop (asyncio by default, or trio) behind an anyio `BlockingPortal`; every method hands the
matching `AsyncFlick` coroutine to that loop and blocks until it finishes. The pipeline, retries,
throttle, pagination and bulk writes are the async code itself, so the two clients cannot drift
apart, and `create_many` keeps its concurrency (its chunk tasks run on the worker loop).

Why this design, against the alternatives:

- A second, synchronous pipeline over `httpx.Client` (as generated SDKs do) is a second copy of
  the retries, throttle, batching and error translation — exactly what drifts.
- `anyio.run()` per call would start an event loop for each call, lose the connection pool
  between calls, and tie the shared throttle's waiters to loops that no longer exist.
- A worker thread keeps one loop and one pool for the client's life; many threads may share one
  `Flick` (the portal is thread-safe, and their calls run concurrently on the worker loop).

The worker is a daemon thread started on the first call, so a client never closed cannot keep the
interpreter from exiting; `close()` (or leaving `with`) closes the connections and joins the
thread, and a client dropped without closing stops its thread when garbage-collected.

Budget: the throttle is the async client's, so with the default `throttle=True` a `Flick` draws
from the same per-key, per-process budget (`RateLimiter.shared`) as every `AsyncFlick` of that key.

Callbacks (`hooks`, `on_progress`, an input generator of `create_many`) run on the worker thread.
A `Flick` call made from a running event loop would block that loop (and, from the worker thread
itself, deadlock): it raises `RuntimeError` at once instead and says to use `AsyncFlick`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime
import functools
import signal
import sys
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, Self, TypeVar

import anyio
import httpx
from anyio.from_thread import BlockingPortal
from flick_api.models import CustomList, ListItem, MediaType, ResolvableMediaType, Review, WatchlistItem

from ._client import DEFAULT_MAX_IN_FLIGHT, NOT_GIVEN, AsyncFlick, _NotGiven
from ._errors import ClientClosedError
from ._pagination import Page, PageIterator
from ._raw import RawBatchResult, RawPageIterator, RawResponse
from ._resources import DEFAULT_PAGE_SIZE
from ._validation import MAX_CHUNK, MAX_LIMIT, MediaTypeValue, ResolvableMediaTypeValue

if TYPE_CHECKING:
    from flick_api.models import MediaType, Profile, ResolvableMediaType, ResolveResult, ReviewWriteResult

    from ._batch import BatchCounts, BatchOutcome, BatchResult, BatchStream, ProgressCallback, ReviewItem
    from ._clock import Clock
    from ._errors import FlickError
    from ._events import Hook
    from ._pipeline import Operation
    from ._rate_limit import RateLimitStatus
    from ._raw import AsyncFlickWithRawResponse, RawListItems, RawLists, RawReviews, RawWatchlist, _RawPaged
    from ._resources import ListItems, Lists, Reviews, _Paged
    from ._retry import RetryPolicy
    from ._throttle import Throttle
    from ._validation import MediaTypeValue, ResolvableMediaTypeValue

__all__ = ["Flick"]

T = TypeVar("T")
P = ParamSpec("P")


class _Stop:
    """Marks the end of an async iterator on the far side of the portal."""


_STOP = _Stop()


async def _next(iterator: Any, taken: list[Any]) -> Any:
    # StopAsyncIteration is turned into a value here: an exception that ends an iteration must
    # not travel through the portal's futures.
    try:
        item = await iterator.__anext__()
    except StopAsyncIteration:
        item = _STOP
    taken.append(item)
    return item


_WAKE_EVERY = 0.05  # seconds; how soon a blocked caller notices a Ctrl-C another thread took


def _wait_for(future: concurrent.futures.Future[T]) -> T:
    """`future.result()`, in short waits, so that Ctrl-C is never left pending behind it.

    The kernel may hand SIGINT to any thread that does not block it (a thread of the user's, a
    timer); Python then runs the handler in the main thread only when that thread next takes the
    GIL, which a thread blocked for good in `future.result()` never does: Ctrl-C would wait for
    the call to end (for good, for a job fed by an endless generator).
    """
    while True:
        try:
            return future.result(timeout=_WAKE_EVERY)
        except concurrent.futures.TimeoutError:
            continue


def _take(worker: _Worker, iterator: Any, held: list[Any]) -> Any:
    """The next item of an async `iterator`, fetched on the worker loop.

    An item the loop took from the iterator just as the caller was interrupted (Ctrl-C) never
    reached the caller: it is kept in `held` and handed out first by the next call, so a walk or
    a stream resumed after the interrupt loses nothing.
    """
    if held:
        return held.pop(0)
    taken: list[Any] = []
    try:
        return worker.run(_next, iterator, taken)
    except BaseException:
        held.extend(taken)
        raise


def _attach_account(exc: BaseException, ended: Mapping[str, Any]) -> None:
    """Give `exc` (the caller's KeyboardInterrupt) the account of an interrupted bulk write as `.partial`.

    Stopped by the interrupt (or by its own error), the job's exception carries the account;
    finished before the interrupt could stop it, the job's result is the account: every item has
    its outcome, and nothing was left unsent.
    """
    if "error" in ended:
        partial = getattr(ended["error"], "partial", None)
    else:
        from ._batch import BatchResult  # loaded already if the result is one

        result = ended.get("result")
        if isinstance(result, RawBatchResult):
            result = result.result
        partial = result if isinstance(result, BatchResult) else None
    if partial is not None:
        with contextlib.suppress(AttributeError, TypeError):
            exc.partial = partial  # type: ignore[attr-defined]


def _running_loop() -> str | None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return "asyncio"
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            trio.lowlevel.current_trio_token()
        except RuntimeError:
            pass
        else:
            return "trio"
    return None


class _Loop:
    """The worker's thread, its event loop and portal: what is stopped when the client is closed or collected.

    Apart from `_Worker` so that collection can see it: the thread and the finalizer hold this,
    never the `_Worker` that the client and each of its views (`reviews`, an iterator, a light
    client) hold, so the thread stops once the last of them is gone, not while one is in use.
    """

    def __init__(self, backend: Literal["asyncio", "trio"]) -> None:
        self.backend = backend
        self.lock = threading.Lock()
        self.portal: BlockingPortal | None = None
        self.thread: threading.Thread | None = None
        self.closed = False


class _Worker:
    """Runs calls on the client's loop; shared by the client, its views and the light clients of `with_options`."""

    def __init__(self, backend: Literal["asyncio", "trio"]) -> None:
        self.loop = _Loop(backend)

    @property
    def thread(self) -> threading.Thread | None:
        return self.loop.thread

    @property
    def closed(self) -> bool:
        return self.loop.closed

    def _start(self) -> BlockingPortal:
        loop = self.loop
        backend = loop.backend  # the thread's code must not hold self (see _Loop)
        with loop.lock:
            if loop.closed:
                raise ClientClosedError("this Flick client is closed; create a new one")
            if loop.portal is not None:
                return loop.portal
            ready = threading.Event()
            box: dict[str, Any] = {}

            async def serve() -> None:
                async with BlockingPortal() as portal:
                    box["portal"] = portal
                    ready.set()
                    await portal.sleep_until_stopped()

            def run() -> None:
                # Ctrl-C is a process-wide signal the kernel may hand to any thread that does not
                # block it; handled here, Python would only raise KeyboardInterrupt in the caller's
                # (main) thread once the call it waits for had finished. Blocked here, it goes to
                # the caller at once, which cancels the job and reports its `.partial`.
                if hasattr(signal, "pthread_sigmask"):
                    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
                try:
                    anyio.run(serve, backend=backend)
                except BaseException as exc:  # reported to the thread that waits for the start
                    box["error"] = exc
                    ready.set()

            thread = threading.Thread(target=run, name="flick-sync-worker", daemon=True)
            thread.start()
            ready.wait()
            if "error" in box:
                raise box["error"]
            loop.portal = box["portal"]
            loop.thread = thread
            return loop.portal

    def _check_caller(self) -> None:
        if self.thread is not None and threading.current_thread() is self.thread:
            raise RuntimeError(
                "a Flick call from the client's own worker thread (a hook, an on_progress callback or an input"
                " generator of create_many) would wait for itself; use the AsyncFlick API from async code, or"
                " make the call after this one returns"
            )
        library = _running_loop()
        if library is not None:
            raise RuntimeError(
                f"Flick (the synchronous client) was called inside a running {library} event loop, which it"
                " would block; use AsyncFlick with await there (Jupyter supports top-level await), or run the"
                " call in a thread (anyio.to_thread.run_sync, asyncio.to_thread)"
            )

    def run(self, function: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `await function(*args, **kwargs)` on the worker loop and return its result."""
        self._check_caller()
        if self.closed:
            # The async client is closed too: the call raises ClientClosedError exactly as it
            # does there (a bulk write with its `.partial`), on a loop of its own, sending nothing.
            return anyio.run(functools.partial(function, *args, **kwargs), backend=self.loop.backend)
        portal = self._start()
        # How the call ended, written on the loop before the portal's future is settled, so the
        # waiting thread can read it even after it stopped waiting for the future (see below).
        ended: dict[str, Any] = {}
        settled = threading.Event()
        # Read and written on the loop's thread only, so `stop` and the task's start cannot race.
        task: dict[str, Any] = {"scope": None, "abandoned": False}

        async def tracked() -> T:
            if task["abandoned"]:  # the caller was interrupted before the task could start
                raise ClientClosedError("the call was interrupted before it started")
            with anyio.CancelScope() as scope:
                task["scope"] = scope
                try:
                    ended["result"] = result = await function(*args, **kwargs)
                except BaseException as exc:
                    ended["error"] = exc
                    raise
                finally:
                    settled.set()
                return result
            raise ClientClosedError("the call was interrupted")  # our own `stop` cancelled it

        def stop() -> bool:
            task["abandoned"] = True
            if task["scope"] is None:
                return False
            task["scope"].cancel()
            return True

        try:
            # The start is inside the `try`: a job runs as soon as it is spawned, and on a busy
            # worker it can be well under way (and an `on_progress` Ctrl-C already raised here)
            # before this thread gets the GIL back from `start_task_soon`.
            future = portal.start_task_soon(tracked)
            return _wait_for(future)
        except concurrent.futures.CancelledError:
            # close() from another thread stopped the loop's tasks, this one included.
            raise ClientClosedError("the Flick client was closed while the call was in flight") from None
        except BaseException as exc:
            # Ctrl-C (or any exception raised in this thread) while starting or waiting: stop
            # the task on the loop, wait for it to settle, and hand over what a bulk write had
            # done (`.partial`), as the async client does on cancellation, instead of leaving the
            # job running unseen. Python runs the SIGINT handler on this thread only once it gets
            # the GIL back from a busy worker, so the job may have ended meanwhile, or may end
            # before `stop` reaches the loop: what it ended with is then the account.
            if not settled.is_set():
                started = False
                with contextlib.suppress(RuntimeError):  # the portal stopped: close() ends the task
                    started = portal.call(stop)
                if started:
                    self._wait_until(settled)
            _attach_account(exc, ended)
            raise

    def _wait_until(self, settled: threading.Event) -> None:
        # The task settles once its cancellation has run its course. A task that never started
        # (the portal stopped first, by close() elsewhere) never sets the event: the thread ends.
        thread = self.loop.thread
        while not settled.wait(_WAKE_EVERY):
            if thread is None or not thread.is_alive():
                return

    def call(self, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a plain function on the worker loop's thread (state the loop mutates is read there)."""
        self._check_caller()
        if self.closed:
            return function(*args, **kwargs)
        return self._start().call(functools.partial(function, *args, **kwargs))

    def portal(self) -> BlockingPortal:
        self._check_caller()
        return self._start()

    def close(self, client: AsyncFlick | None) -> None:
        """Close `client` on the loop, then stop the loop and join the thread (idempotent)."""
        _shutdown(self.loop, client)


def _shutdown(loop: _Loop, client: AsyncFlick | None) -> None:
    with loop.lock:
        if loop.closed:
            return
        loop.closed = True
        portal, thread = loop.portal, loop.thread
    if portal is None or thread is None:
        if client is not None:
            # Never started: close the client on a loop of its own (no thread to stop), or,
            # inside someone's running loop, just mark it closed (its pool never connected).
            if _running_loop() is None:
                anyio.run(client.aclose, backend=loop.backend)
            else:
                client._pipeline.closed = True
        return
    try:
        if client is not None:
            portal.call(client.aclose)
    finally:
        portal.call(portal.stop, True)  # cancel what is still running: close() must not hang
        thread.join()


def _finalize(loop: _Loop, client: AsyncFlick) -> None:
    # Garbage collection of a client never closed: stop its thread (never from the thread itself).
    if loop.thread is not None and threading.current_thread() is loop.thread:
        return
    with contextlib.suppress(Exception):  # nothing to report to at collection time
        _shutdown(loop, client)


class SyncPageIterator(Iterator[T], Generic[T]):
    """`iter()` of the sync client: a plain iterator with the async iterator's accounting.

    Each `next()` may fetch a page (blocking). See `PageIterator` for how a walk stops and resumes.
    """

    def __init__(self, worker: _Worker, iterator: PageIterator[T]) -> None:
        self._worker = worker
        self._iterator = iterator
        self._held: list[Any] = []

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> T:
        item = _take(self._worker, self._iterator, self._held)
        if item is _STOP:
            raise StopIteration
        return item  # type: ignore[no-any-return]

    @property
    def stop_reason(self) -> str | None:
        """Why iteration ended (see `PageIterator.stop_reason`); None while running."""
        return self._iterator.stop_reason

    @property
    def style(self) -> str | None:
        """`"page"` or `"cursor"`, from the first page's envelope; None before it."""
        return self._iterator.style

    def __getattr__(self, name: str) -> Any:
        # Any other public attribute of the walk (PageIterator grows them): read it as is.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._iterator, name)

    @property
    def complete(self) -> bool:
        """True once the walk ended and can show it yielded every item (see `PageIterator`)."""
        return self._iterator.complete

    @property
    def incomplete_reasons(self) -> list[str]:
        """Why the walk cannot vouch for completeness (see `PageIterator.incomplete_reasons`)."""
        return self._iterator.incomplete_reasons

    @property
    def resume_token(self) -> str | None:
        """A token for `iter(resume=...)` that carries on from here."""
        return self._iterator.resume_token

    @property
    def next_page(self) -> int | None:
        """The page a later `iter(start_page=...)` would resume from (page style)."""
        return self._iterator.next_page

    @property
    def total(self) -> int | None:
        """The latest usable `total` a page reported."""
        return self._iterator.total

    @property
    def pages_fetched(self) -> int:
        """Requests spent so far."""
        return self._iterator.pages_fetched

    @property
    def duplicates_skipped(self) -> int:
        """Items skipped because they were yielded already."""
        return self._iterator.duplicates_skipped

    @property
    def boundary_rereads(self) -> int:
        """Pages fetched again because the list shrank under the walk."""
        return self._iterator.boundary_rereads


class SyncRawPageIterator(SyncPageIterator[T]):
    """`with_raw_response.<group>.iter()` of the sync client: items, and `last_response` per page."""

    _iterator: RawPageIterator[T]

    @property
    def last_response(self) -> RawResponse[Page[T]] | None:
        """The `RawResponse` of the page the latest item came from."""
        return self._iterator.last_response


class _Block:
    """One task on the worker loop inside `async with context`, for the length of a sync `with` block.

    anyio's `wrap_async_context_manager` does this too, but a Ctrl-C that lands while it starts
    escapes its `__enter__` with the job running and nothing left to stop it (the job runs at
    once, and a busy worker keeps the GIL from the caller). Here whether the task started, and
    that it must leave, are decided on the loop thread, so leaving always stops what started.
    """

    def __init__(self, worker: _Worker, context: AbstractAsyncContextManager[Any]) -> None:
        self._worker = worker
        self._context = context
        self._entered: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._finished = threading.Event()
        self._ended: dict[str, Any] = {}
        self._exc_info: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
        self._exc_info = (None, None, None)
        self._portal: BlockingPortal | None = None
        # Read and written on the loop's thread only:
        self._leave: anyio.Event | None = None
        self._abandoned = False

    async def _hold(self) -> None:
        if self._abandoned:  # left before the task started: nothing was entered
            return
        self._leave = anyio.Event()
        try:
            try:
                value = await self._context.__aenter__()
            except BaseException as exc:
                self._entered.set_exception(exc)
                raise
            self._entered.set_result(value)
            try:
                await self._leave.wait()
            finally:
                # Cancelled (the client closed elsewhere) before `exit`: leave all the same.
                self._ended["result"] = await self._context.__aexit__(*self._exc_info)
        except BaseException as exc:
            self._ended["error"] = exc
            raise
        finally:
            self._finished.set()

    def enter(self) -> None:
        self._portal = self._worker.portal()
        self._portal.start_task_soon(self._hold)
        _wait_for(self._entered)

    def exit(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        self._exc_info = (exc_type, exc, tb)  # read by the task once `release` has run

        def release() -> bool:
            self._abandoned = True
            if self._leave is None:
                return False
            self._leave.set()
            return True

        started = False
        if self._portal is not None:
            with contextlib.suppress(RuntimeError):  # the portal stopped: close() ended the task
                started = self._portal.call(release)
        if started:
            self._worker._wait_until(self._finished)
        if "error" in self._ended:
            error = self._ended["error"]
            if not isinstance(error, Exception):  # cancelled: close() from another thread
                raise ClientClosedError("the Flick client was closed while the stream was open") from None
            raise error
        result: bool | None = self._ended.get("result")
        return result


class SyncBatchStream(Iterator["BatchOutcome"]):
    """`reviews.stream_create()` of the sync client: use it as a context manager, then iterate.

    Leaving the block early stops the job; `undelivered`, `unsent` and `unconfirmed` then say
    where it stopped, as for the async `BatchStream`.

    Example:
        with flick.reviews.stream_create(rows) as outcomes:
            for outcome in outcomes:
                journal.record(outcome.index, outcome.status)
    """

    def __init__(self, worker: _Worker, stream: BatchStream) -> None:
        self._worker = worker
        self._stream = stream
        self._context: Any = None
        self._running = False
        self._held: list[Any] = []  # an outcome taken as Ctrl-C arrived (see `_take`)

    def __enter__(self) -> Self:
        if self._context is not None:
            raise RuntimeError("a stream can be entered only once")
        # The stream's task group must be entered and left by one task: `_Block` keeps one task
        # alive for the block.
        self._context = block = _Block(self._worker, self._stream)
        try:
            block.enter()
        except BaseException as exc:
            # Ctrl-C while the job starts (it runs at once): no `__exit__` follows a failed
            # `__enter__`, so stop the job here; its account is on the stream as after a block.
            with contextlib.suppress(Exception):  # the interrupt is what the caller must see
                block.exit(type(exc), exc, exc.__traceback__)
            raise
        self._running = True
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        try:
            result: bool | None = self._context.exit(exc_type, exc, tb)
        finally:
            self._running = False
        return result

    def _read(self, read: Callable[[], T]) -> T:
        # While the job runs, its state changes on the worker loop: read it there. Before the
        # block and after it nothing moves, and it is read here (from any thread or loop).
        return self._worker.call(read) if self._running else read()

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> BatchOutcome:
        if self._context is None:
            raise RuntimeError("use `with reviews.stream_create(...) as outcomes:` before iterating")
        outcome = _take(self._worker, self._stream, self._held)
        if outcome is _STOP:
            raise StopIteration
        return outcome  # type: ignore[no-any-return]

    @property
    def counts(self) -> BatchCounts:
        """Outcomes decided so far."""
        return self._read(lambda: self._stream.counts)

    @property
    def undelivered(self) -> list[BatchOutcome]:
        """Outcomes decided but not yet yielded."""
        held = [outcome for outcome in self._held if outcome is not _STOP]
        return [*held, *self._read(lambda: self._stream.undelivered)]

    @property
    def unsent(self) -> list[int]:
        """Indices read but not stored by the server."""
        return self._read(lambda: self._stream.unsent)

    @property
    def unconfirmed(self) -> list[int]:
        """Indices sent without an answer (safe to resend)."""
        return self._read(lambda: self._stream.unconfirmed)

    @property
    def error(self) -> FlickError | None:
        """The error that stopped the job, if one did."""
        return self._stream.error

    @property
    def total(self) -> int | None:
        """The input's length when it has one."""
        return self._stream.total

    @property
    def consumed(self) -> int:
        """Items read from the input so far."""
        return self._read(lambda: self._stream.consumed)


class _SyncPaged(Generic[T]):
    def __init__(self, worker: _Worker, paged: _Paged[T]) -> None:
        self._worker = worker
        self._paged = paged

    def list(self, *, page: int = 1, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> Page[T]:
        """One page (`page` from 1, `limit` 1–100), or the page after `cursor`; see the async `list()`."""
        return self._worker.run(self._paged.list, page=page, limit=limit, cursor=cursor)

    def iter(
        self,
        *,
        limit: int = MAX_LIMIT,
        resume: str | None = None,
        start_page: int | None = None,
        max_items: int | None = None,
    ) -> SyncPageIterator[T]:
        """Every item once, fetched page by page as you iterate; see the async `iter()`."""
        iterator = self._paged.iter(limit=limit, resume=resume, start_page=start_page, max_items=max_items)
        return SyncPageIterator(self._worker, iterator)


class SyncReviews(_SyncPaged[Review]):
    """Your reviews: `list`, `iter`, `create`, `create_many`, `stream_create` (see `Reviews`)."""

    _paged: Reviews

    def create(
        self,
        tmdb_id: str,
        *,
        media_type: MediaTypeValue | MediaType,
        season_number: int | None = None,
        episode_number: int | None = None,
        rating: float | None = None,
        review: str | None = None,
        watched_date: datetime.date | str | None = None,
        tags: Iterable[str] = (),
    ) -> ReviewWriteResult:
        """Write one review; see `Reviews.create`."""
        return self._worker.run(
            self._paged.create,
            tmdb_id,
            media_type=media_type,
            season_number=season_number,
            episode_number=episode_number,
            rating=rating,
            review=review,
            watched_date=watched_date,
            tags=tags,
        )

    def create_many(
        self,
        items: Iterable[ReviewItem],
        *,
        concurrency: int = 4,
        chunk_size: int = MAX_CHUNK,
        validate: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> BatchResult:
        """Write many reviews, `concurrency` chunks in flight; see `Reviews.create_many`.

        `items` is read, and `on_progress` called, on the client's worker thread.
        """
        return self._worker.run(
            self._paged.create_many,
            items,
            concurrency=concurrency,
            chunk_size=chunk_size,
            validate=validate,
            on_progress=on_progress,
        )

    def stream_create(
        self,
        items: Iterable[ReviewItem],
        *,
        concurrency: int = 4,
        chunk_size: int = MAX_CHUNK,
        validate: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> SyncBatchStream:
        """Like `create_many`, yielding outcomes as chunks finish; see `SyncBatchStream`."""
        # Built here, so that bad arguments raise at once; its events bind to the worker loop on use.
        stream = self._paged.stream_create(
            items,
            concurrency=concurrency,
            chunk_size=chunk_size,
            validate=validate,
            on_progress=on_progress,
        )
        return SyncBatchStream(self._worker, stream)


class SyncWatchlist(_SyncPaged[WatchlistItem]):
    """Your watchlist: `list`, `iter`."""


class SyncListItems(_SyncPaged[ListItem]):
    """The items of one of your lists: `list`, `iter`."""

    _paged: ListItems

    @property
    def list_id(self) -> str:
        """The list's id."""
        return self._paged.list_id


class SyncLists(_SyncPaged[CustomList]):
    """Your custom lists: `list`, `iter`, `items(list_id)`."""

    _paged: Lists

    def items(self, list_id: str) -> SyncListItems:
        """The items of one list; see `Lists.items`."""
        return SyncListItems(self._worker, self._paged.items(list_id))


class _SyncRawPaged(Generic[T]):
    def __init__(self, worker: _Worker, raw: _RawPaged[T]) -> None:
        self._worker = worker
        self._raw = raw

    def list(self, *, page: int = 1, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> RawResponse[Page[T]]:
        """`list()` with the answer."""
        return self._worker.run(self._raw.list, page=page, limit=limit, cursor=cursor)

    def iter(
        self,
        *,
        limit: int = MAX_LIMIT,
        resume: str | None = None,
        start_page: int | None = None,
        max_items: int | None = None,
    ) -> SyncRawPageIterator[T]:
        """`iter()` with `last_response` per page."""
        iterator = self._raw.iter(limit=limit, resume=resume, start_page=start_page, max_items=max_items)
        return SyncRawPageIterator(self._worker, iterator)


class SyncRawReviews(_SyncRawPaged[Review]):
    """`with_raw_response.reviews` of the sync client."""

    _raw: RawReviews

    def create(
        self,
        tmdb_id: str,
        *,
        media_type: MediaTypeValue | MediaType,
        season_number: int | None = None,
        episode_number: int | None = None,
        rating: float | None = None,
        review: str | None = None,
        watched_date: datetime.date | str | None = None,
        tags: Iterable[str] = (),
    ) -> RawResponse[ReviewWriteResult]:
        """`create()` with the answer."""
        return self._worker.run(
            self._raw.create,
            tmdb_id,
            media_type=media_type,
            season_number=season_number,
            episode_number=episode_number,
            rating=rating,
            review=review,
            watched_date=watched_date,
            tags=tags,
        )

    def create_many(
        self,
        items: Iterable[ReviewItem],
        *,
        concurrency: int = 4,
        chunk_size: int = MAX_CHUNK,
        validate: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> RawBatchResult:
        """`create_many()` with one answer per chunk."""
        return self._worker.run(
            self._raw.create_many,
            items,
            concurrency=concurrency,
            chunk_size=chunk_size,
            validate=validate,
            on_progress=on_progress,
        )


class SyncRawLists(_SyncRawPaged[CustomList]):
    """`with_raw_response.lists` of the sync client."""

    _raw: RawLists

    def items(self, list_id: str) -> _SyncRawPaged[ListItem]:
        """The raw view of one list's items."""
        raw: RawListItems = self._raw.items(list_id)
        return _SyncRawPaged(self._worker, raw)


class FlickWithRawResponse:
    """`Flick.with_raw_response`: every call, returning a `RawResponse[T]` (see `AsyncFlick.with_raw_response`)."""

    def __init__(self, worker: _Worker, raw: AsyncFlickWithRawResponse) -> None:
        self._worker = worker
        self._raw = raw
        self.reviews = SyncRawReviews(worker, raw.reviews)
        watchlist: RawWatchlist = raw.watchlist
        self.watchlist: _SyncRawPaged[WatchlistItem] = _SyncRawPaged(worker, watchlist)
        self.lists = SyncRawLists(worker, raw.lists)

    def me(self) -> RawResponse[Profile]:
        """`me()` with the answer."""
        return self._worker.run(self._raw.me)

    def resolve(
        self,
        title: str,
        *,
        year: int | None = None,
        media_type: ResolvableMediaTypeValue | ResolvableMediaType | None = None,
    ) -> RawResponse[ResolveResult]:
        """`resolve()` with the answer."""
        return self._worker.run(self._raw.resolve, title, year=year, media_type=media_type)

    def call(self, operation: Operation[P, T], /, *args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        """`call()` with the answer."""
        return self._worker.run(self._raw.call, operation, *args, **kwargs)


class Flick:
    """The synchronous Flick API client: `AsyncFlick`'s surface, as blocking calls.

    It runs the async client on a worker thread it owns (see the module docstring): the same
    pipeline, retries, throttle (the same per-key budget as every `AsyncFlick` of the key in
    this process), pagination and bulk writes, and the same errors. One client may be shared by
    many threads. Close it (`close()` or `with`) to close its connections and stop its thread.

    Takes the same arguments as `AsyncFlick`, plus `backend`: the event loop the worker runs
    (`"asyncio"`, or `"trio"`). `http_client`, if given, is an `httpx.AsyncClient`, used on the
    worker thread. Hooks and `on_progress` callbacks run on the worker thread. A `clock` is
    read and slept on the worker loop: a test's `FakeClock` must be moved there too (zero-delay
    retry policies need no moving).

    Raises:
        ValidationError: As `AsyncFlick` does, before any thread starts.
        RuntimeError: (from every call) when called inside a running event loop; use `AsyncFlick`.

    Example:
        with Flick() as flick:
            print(flick.me().username)
            for review in flick.reviews.iter():
                print(review.media.title, review.rating)
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        auth: Literal["bearer", "x-api-key"] = "bearer",
        timeout: float | None = 30.0,
        max_retries: int | _NotGiven = NOT_GIVEN,
        max_retry_wait: float | _NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        throttle: bool | Throttle = True,
        wait_for_daily_reset: bool = False,
        http_client: httpx.AsyncClient | None = None,
        max_in_flight: int | None = DEFAULT_MAX_IN_FLIGHT,
        hooks: Sequence[Hook] = (),
        clock: Clock | None = None,
        allow_insecure_http: bool = False,
        backend: Literal["asyncio", "trio"] = "asyncio",
    ) -> None:
        if backend not in ("asyncio", "trio"):
            from ._errors import ValidationError

            raise ValidationError("backend", 'must be "asyncio" or "trio"', backend)
        client = AsyncFlick(
            api_key,
            base_url=base_url,
            auth=auth,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            retry_policy=retry_policy,
            throttle=throttle,
            wait_for_daily_reset=wait_for_daily_reset,
            http_client=http_client,
            max_in_flight=max_in_flight,
            hooks=hooks,
            clock=clock,
            allow_insecure_http=allow_insecure_http,
        )
        worker = _Worker(backend)
        self._setup(worker, client, root=True)
        # On the worker, which every view holds: `Flick(key).reviews.list()` keeps the client
        # open for the call even though the `Flick` itself is dropped at once.
        self._finalizer = weakref.finalize(worker, _finalize, worker.loop, client)
        self._finalizer.atexit = False  # at exit the daemon thread simply ends with the process

    def _setup(self, worker: _Worker, client: AsyncFlick, *, root: bool) -> None:
        self._worker = worker
        self._async = client
        self._root = root
        self._reviews = SyncReviews(worker, client.reviews)
        self._watchlist = SyncWatchlist(worker, client.watchlist)
        self._lists = SyncLists(worker, client.lists)

    # -- endpoints -------------------------------------------------------------------------

    def me(self) -> Profile:
        """The profile of the account that owns the API key."""
        return self._worker.run(self._async.me)

    def resolve(
        self,
        title: str,
        *,
        year: int | None = None,
        media_type: ResolvableMediaTypeValue | ResolvableMediaType | None = None,
    ) -> ResolveResult:
        """Resolve a loose title to TMDB ids; see `AsyncFlick.resolve`."""
        return self._worker.run(self._async.resolve, title, year=year, media_type=media_type)

    def call(self, operation: Operation[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run any generated operation through this client; see `AsyncFlick.call`.

        Example:
            from flick_api.api.reviews import list_reviews

            page = flick.call(list_reviews, page=2)   # a ReviewPage
        """
        return self._worker.run(self._async.call, operation, *args, **kwargs)

    @property
    def reviews(self) -> SyncReviews:
        """Your reviews: `list`, `iter`, `create`, `create_many`, `stream_create`."""
        return self._reviews

    @property
    def watchlist(self) -> SyncWatchlist:
        """Your watchlist: `list`, `iter`."""
        return self._watchlist

    @property
    def lists(self) -> SyncLists:
        """Your custom lists: `list`, `iter`, and `items(list_id)`."""
        return self._lists

    # -- views -----------------------------------------------------------------------------

    def with_options(
        self,
        *,
        timeout: float | _NotGiven | None = NOT_GIVEN,
        max_retries: int | _NotGiven = NOT_GIVEN,
        max_retry_wait: float | _NotGiven = NOT_GIVEN,
        headers: Mapping[str, str] | None = None,
    ) -> Flick:
        """A light client with other per-request options; see `AsyncFlick.with_options`.

        It shares this client's worker thread, connections and throttle, and is closed with it.
        """
        derived = object.__new__(Flick)
        light = self._async.with_options(
            timeout=timeout, max_retries=max_retries, max_retry_wait=max_retry_wait, headers=headers
        )
        derived._setup(self._worker, light, root=False)
        return derived

    @functools.cached_property
    def with_raw_response(self) -> FlickWithRawResponse:
        """Every call of this client, returning a `RawResponse[T]`; see `AsyncFlick.with_raw_response`."""
        return FlickWithRawResponse(self._worker, self._async.with_raw_response)

    # -- state -----------------------------------------------------------------------------

    @property
    def rate_limit(self) -> RateLimitStatus | None:
        """The key's rate-limit state from the latest response's headers (None before any)."""
        return self._async.rate_limit

    @property
    def base_url(self) -> str:
        """The API base URL every path is appended to."""
        return self._async.base_url

    @property
    def is_closed(self) -> bool:
        """True once `close()` ran (or the `with` block ended)."""
        return self._async.is_closed or (self._root and self._worker.closed)

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections (unless you passed `http_client`) and stop the worker thread.

        On a client from `with_options()`, closes only that light client.
        """
        if not self._root:
            if not self._async.is_closed and not self._worker.closed:
                self._worker.run(self._async.aclose)
            return
        self._worker.close(self._async)
        self._finalizer.detach()

    def __enter__(self) -> Self:
        if self.is_closed:
            raise ClientClosedError("this Flick client is closed; create a new one")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.is_closed else "open"
        return f"<Flick base_url={self.base_url!r} {state}>"
