"""Raw responses: `flick.with_raw_response.<call>(...)` returns the parsed result with its HTTP answer.

The raw view runs the very same methods as the client: each call is made inside a
`ResponseCapture`, and the pipeline records the answer of its last attempt there (a context
variable, so concurrent calls through one client each see their own). Nothing is parsed twice
and no second code path can drift from the first.

Pagination and bulk writes, which make many requests per call, expose them this way:

- `list()` is one request: a `RawResponse[Page[T]]`.
- `iter()` yields items as usual; its `last_response` is the `RawResponse[Page[T]]` of the page
  the latest item came from (one per page fetched).
- `create_many()` returns a `RawBatchResult`: the `BatchResult` and one `RawResponse` per answered
  chunk, in the order the chunks were answered, each parsing to that chunk's outcomes. A chunk that
  failed after its retries has no response; its outcomes carry the error (status and headers).
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Generic, ParamSpec, Protocol, TypeVar

import attrs
import httpx
from flick_api.models import (
    CustomList,
    ListItem,
    Profile,
    ResolvableMediaType,
    ResolveResult,
    Review,
    WatchlistItem,
)

from ._pagination import Page, PageFetcher, PageIterator
from ._pipeline import Operation, ResponseCapture, ResponseInfo
from ._rate_limit import RateLimitStatus
from ._validation import MAX_CHUNK, MAX_LIMIT, ResolvableMediaTypeValue

if TYPE_CHECKING:
    from flick_api.models import ResolvableMediaType

    from ._batch import BatchOutcome, BatchResult, ProgressCallback, ReviewItem
    from ._resources import ListItems, Lists, Reviews, Watchlist, _Paged
    from ._validation import ResolvableMediaTypeValue

__all__ = ["RawBatchResult", "RawPageIterator", "RawResponse"]

T = TypeVar("T")
U = TypeVar("U")
P = ParamSpec("P")


@attrs.frozen
class RawResponse(Generic[T]):
    """A result with the HTTP answer it came from.

    Attributes:
        status_code: The HTTP status of the answer.
        headers: The answer's headers.
        rate_limit: Its `X-RateLimit-*` snapshot (None when it carried none).
        elapsed: From sending the last attempt to its answer.
        retries_taken: Attempts that failed before this one (0 when the first succeeded).
        method: The request's method.
        url: The request's URL with its query; the key is sent in a header and never shows here.

    Example:
        raw = await flick.with_raw_response.me()
        print(raw.status_code, raw.rate_limit, raw.retries_taken)
        profile = raw.parse()
    """

    status_code: int
    headers: httpx.Headers = attrs.field(repr=False)
    rate_limit: RateLimitStatus | None
    elapsed: datetime.timedelta
    retries_taken: int
    method: str
    url: str
    _parsed: T = attrs.field(repr=False, alias="parsed")

    def parse(self) -> T:
        """The result the plain call returns (already read and checked when the answer arrived).

        The body is parsed as the answer arrives, so that an unreadable one is retried or raised
        exactly as the plain call does; `parse()` hands out that result.
        """
        return self._parsed

    @classmethod
    def _of(cls, info: ResponseInfo, parsed: U) -> RawResponse[U]:
        return RawResponse(
            status_code=info.status_code,
            headers=info.headers,
            rate_limit=info.rate_limit,
            elapsed=info.elapsed,
            retries_taken=info.retries_taken,
            method=info.method,
            url=info.url,
            parsed=parsed,
        )


@attrs.frozen
class RawBatchResult:
    """What `with_raw_response.reviews.create_many()` returns.

    Attributes:
        result: The `BatchResult`, as `create_many()` returns it.
        chunks: One `RawResponse` per answered chunk, in the order answered; each parses to that
            chunk's outcomes (with their input `index`).
    """

    result: BatchResult
    chunks: list[RawResponse[list[BatchOutcome]]]

    def parse(self) -> BatchResult:
        """The `BatchResult`."""
        return self.result


def _raw(call: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    async def raw(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        with ResponseCapture() as capture:
            value = await call(*args, **kwargs)
        assert capture.info is not None, "every call makes a request"
        return RawResponse._of(capture.info, value)

    raw.__doc__ = call.__doc__
    return raw


class RawPageIterator(PageIterator[T]):
    """`iter()` of the raw view: the same items, and the answer of the page each came from.

    Attributes:
        last_response: The `RawResponse[Page[T]]` of the latest page fetched (None before the first).
    """

    last_response: RawResponse[Page[T]] | None

    @classmethod
    def _of(cls, plain: PageIterator[T]) -> RawPageIterator[T]:
        # The plain iterator as iter() built it (its validation, scope, resume token), with its
        # page fetches captured: the walk itself stays the one in _pagination.
        raw = cls.__new__(cls)
        raw.__dict__.update(plain.__dict__)
        raw._fetch_page = plain._fetch
        raw._fetch = raw._fetch_raw
        raw.last_response = None
        return raw

    _fetch_page: PageFetcher[T]

    async def _fetch_raw(self, *, page: int | None, cursor: str | None, limit: int) -> Page[T]:
        with ResponseCapture() as capture:
            result = await self._fetch_page(page=page, cursor=cursor, limit=limit)
        assert capture.info is not None
        self.last_response = RawResponse._of(capture.info, result)
        return result


class _Client(Protocol):
    """The client a raw view wraps (`AsyncFlick`; named by shape, as this module sits below it)."""

    @property
    def reviews(self) -> Reviews: ...
    @property
    def watchlist(self) -> Watchlist: ...
    @property
    def lists(self) -> Lists: ...
    async def me(self) -> Profile: ...
    async def resolve(
        self,
        title: str,
        *,
        year: int | None = None,
        media_type: ResolvableMediaTypeValue | ResolvableMediaType | None = None,
    ) -> ResolveResult: ...
    async def call(self, operation: Operation[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...


class _RawPaged(Generic[T]):
    def __init__(self, paged: _Paged[T]) -> None:
        self._paged = paged
        self.list = _raw(paged.list)

    def iter(
        self,
        *,
        limit: int = MAX_LIMIT,
        resume: str | None = None,
        start_page: int | None = None,
        max_items: int | None = None,
    ) -> RawPageIterator[T]:
        """Like `iter()`, with `last_response` on the iterator (see `RawPageIterator`)."""
        return RawPageIterator._of(
            self._paged.iter(limit=limit, resume=resume, start_page=start_page, max_items=max_items)
        )


class RawReviews(_RawPaged[Review]):
    """`with_raw_response.reviews`: `list`, `iter`, `create`, `create_many`."""

    def __init__(self, reviews: Reviews) -> None:
        super().__init__(reviews)
        self._reviews = reviews
        self.create = _raw(reviews.create)

    async def create_many(
        self,
        items: Iterable[ReviewItem] | AsyncIterable[ReviewItem],
        *,
        concurrency: int = 4,
        chunk_size: int = MAX_CHUNK,
        validate: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> RawBatchResult:
        """Like `reviews.create_many()`, with one `RawResponse` per answered chunk (`RawBatchResult`)."""
        with ResponseCapture() as capture:
            result = await self._reviews.create_many(
                items, concurrency=concurrency, chunk_size=chunk_size, validate=validate, on_progress=on_progress
            )
        by_index = {outcome.index: outcome for outcome in result.outcomes}
        chunks = [
            RawResponse._of(info, [by_index[i] for i in indices if i in by_index])
            for indices, info in capture.responses
        ]
        return RawBatchResult(result=result, chunks=chunks)


class RawWatchlist(_RawPaged[WatchlistItem]):
    """`with_raw_response.watchlist`: `list`, `iter`."""


class RawListItems(_RawPaged[ListItem]):
    """`with_raw_response.lists.items(list_id)`: `list`, `iter`."""


class RawLists(_RawPaged[CustomList]):
    """`with_raw_response.lists`: `list`, `iter`, `items(list_id)`."""

    def __init__(self, lists: Lists) -> None:
        super().__init__(lists)
        self._lists = lists

    def items(self, list_id: str) -> RawListItems:
        """The raw view of one list's items."""
        items: ListItems = self._lists.items(list_id)
        return RawListItems(items)


class AsyncFlickWithRawResponse:
    """`flick.with_raw_response`: every call of the client, returning a `RawResponse[T]`.

    Example:
        raw = await flick.with_raw_response.reviews.list(page=2)
        print(raw.status_code, raw.headers["x-ratelimit-remaining"], raw.url)
        page = raw.parse()
    """

    def __init__(self, client: _Client) -> None:
        self._client = client
        self.reviews = RawReviews(client.reviews)
        self.watchlist = RawWatchlist(client.watchlist)
        self.lists = RawLists(client.lists)

    async def me(self) -> RawResponse[Profile]:
        """`me()` with the answer."""
        return await _raw(self._client.me)()

    async def resolve(
        self,
        title: str,
        *,
        year: int | None = None,
        media_type: ResolvableMediaTypeValue | ResolvableMediaType | None = None,
    ) -> RawResponse[ResolveResult]:
        """`resolve()` with the answer."""
        return await _raw(self._client.resolve)(title, year=year, media_type=media_type)

    async def call(self, operation: Operation[P, T], /, *args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        """`call()` with the answer: see `AsyncFlick.call`."""
        with ResponseCapture() as capture:
            value = await self._client.call(operation, *args, **kwargs)
        assert capture.info is not None
        return RawResponse._of(capture.info, value)
