"""The endpoint groups hanging off `AsyncFlick`: reviews, watchlist, lists."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterable, Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from flick_api.api.lists import list_list_items, list_lists
from flick_api.api.reviews import create_review, list_reviews
from flick_api.api.watchlist import list_watchlist
from flick_api.models import (
    CustomList,
    CustomListPage,
    ListItem,
    ListItemPage,
    Media,
    Review,
    ReviewPage,
    ReviewWriteResult,
    WatchlistItem,
    WatchlistPage,
)

from ._pagination import Page, PageIterator
from ._validation import ReviewInput, check_list_id, check_page

if TYPE_CHECKING:
    from ._batch import BatchResult, BatchStream, ProgressCallback, ReviewItem
    from ._client import AsyncFlick

# _batch (and the anyio streams it uses) loads on the first bulk write: most clients never make one.
MAX_CHUNK = 50  # the API's limit per batch request

__all__ = ["ListItems", "Lists", "Reviews", "Watchlist"]

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50  # the API's own default for list()
ITER_PAGE_SIZE = 100  # the API's maximum: iter() spends the fewest requests


class _GeneratedPage(Protocol[T]):  # the shape every generated *Page model has
    data: list[T]
    page: int
    limit: int
    total: int
    has_more: bool


def _page(generated: _GeneratedPage[T]) -> Page[T]:
    return Page(
        items=list(generated.data),
        page=generated.page,
        limit=generated.limit,
        total=generated.total,
        has_more=generated.has_more,
    )


def _media_key(media: Media) -> tuple[Hashable, ...]:
    return (media.tmdb_id, str(media.type_), media.season_number or None, media.episode_number or None)


class _Paged(Generic[T]):
    """`list()` and `iter()` over one generated list operation; subclasses name the operation."""

    def __init__(
        self,
        client: AsyncFlick,
        build: Callable[..., dict[str, Any]],
        parse: Callable[[Any], _GeneratedPage[T]],
        key: Callable[[T], Hashable],
        path_args: Sequence[Any] = (),
    ) -> None:
        self._client = client
        self._build = build
        self._parse = parse
        self._key = key
        self._path_args = tuple(path_args)

    async def list(self, *, page: int = 1, limit: int = DEFAULT_PAGE_SIZE) -> Page[T]:
        """One page (`page` from 1, `limit` 1–100), in the server's order.

        Raises:
            ValidationError: `page` or `limit` is out of range; nothing was sent.
        """
        page, limit = check_page(page, limit)
        kwargs = self._build(*self._path_args, page=page, limit=limit)
        return _page(await self._client._request(kwargs, self._parse))

    def iter(
        self, *, limit: int = ITER_PAGE_SIZE, start_page: int = 1, max_items: int | None = None
    ) -> PageIterator[T]:
        """Every item, fetched page by page as you iterate; see `PageIterator` for how it stops."""
        return PageIterator(self._fetch, self._key, start_page=start_page, limit=limit, max_items=max_items)

    async def _fetch(self, page: int, limit: int) -> Page[T]:
        return await self.list(page=page, limit=limit)


class Reviews(_Paged[Review]):
    """Your reviews, newest first."""

    def __init__(self, client: AsyncFlick) -> None:
        super().__init__(client, list_reviews._get_kwargs, ReviewPage.from_dict, lambda review: review.id)

    async def create(
        self,
        tmdb_id: str,
        *,
        media_type: str,
        season_number: int | None = None,
        episode_number: int | None = None,
        rating: float | None = None,
        review: str | None = None,
        watched_date: datetime.date | str | None = None,
        tags: Iterable[str] = (),
    ) -> ReviewWriteResult:
        """Write one review.

        Re-sending an identical review (same title, rating, text and watched date) returns the
        existing one with `deduplicated=True` instead of creating a copy; that is also why a
        retried POST is safe.

        Args:
            tmdb_id: The title's TMDB id; for seasons and episodes, the show's id.
            media_type: `movie`, `tv`, `tv_season` or `tv_episode`.
            season_number: Required for `tv_season` and `tv_episode`.
            episode_number: Required for `tv_episode`.
            rating: 0–10; omit for an unrated log.
            review: Up to 10,000 characters.
            watched_date: A date (or `YYYY-MM-DD`), not in the future.
            tags: Up to 20 tags of up to 64 characters each; any iterable of strings.

        Raises:
            ValidationError: A field breaks a rule of the reference; nothing was sent.
            MediaNotFoundError: No such title on TMDB.

        Example:
            result = await flick.reviews.create("27205", media_type="movie", rating=9)
            print(result.review.id, result.deduplicated)
        """
        body = ReviewInput(
            tmdb_id=tmdb_id,
            media_type=media_type,
            season_number=season_number,
            episode_number=episode_number,
            rating=rating,
            review=review,
            watched_date=watched_date,
            tags=tags,
        ).to_request()
        return await self._client._request(create_review._get_kwargs(body=body), ReviewWriteResult.from_dict)

    async def create_many(
        self,
        items: Iterable[ReviewItem] | AsyncIterable[ReviewItem],
        *,
        concurrency: int = 4,
        chunk_size: int = MAX_CHUNK,
        validate: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> BatchResult:
        """Write many reviews through the batch endpoint, `chunk_size` per request.

        Items are read lazily; up to `concurrency` chunks are in flight, every request through
        the client's throttle and retry policy. Transient failures retry the whole chunk, which
        is safe because the server deduplicates: an item stored before a response was lost
        comes back `deduplicated`, never as a copy.

        Args:
            items: `ReviewInput`s, or mappings with the same fields as `create()`; any iterable
                or async iterable.
            concurrency: Chunks in flight at once.
            chunk_size: Items per batch request (1–50).
            validate: Check each item before sending; an invalid item becomes a `failed`
                outcome with a `ValidationError` and costs no request.
            on_progress: Called as `(done, total or None, BatchCounts)` as chunks complete.

        Returns:
            One outcome per input item, in input order.

        Raises:
            AuthenticationError, PermissionDeniedError, APIDisabledError, DailyQuotaExceededError:
                The job stopped; the exception's `.partial` is a `BatchResult` with every
                confirmed outcome and the indices left `unsent` or `unconfirmed`.

        Example:
            result = await flick.reviews.create_many(
                ReviewInput(tmdb_id=row.id, media_type="movie", rating=row.stars * 2) for row in rows
            )
            print(result.counts)
            retry = [outcome.input for outcome in result.failed()]
        """
        from ._batch import run_to_result

        return await run_to_result(
            self.stream_create(
                items, concurrency=concurrency, chunk_size=chunk_size, validate=validate, on_progress=on_progress
            )
        )

    def stream_create(
        self,
        items: Iterable[ReviewItem] | AsyncIterable[ReviewItem],
        *,
        concurrency: int = 4,
        chunk_size: int = MAX_CHUNK,
        validate: bool = True,
        on_progress: ProgressCallback | None = None,
    ) -> BatchStream:
        """Like `create_many`, but yields outcomes as chunks finish and keeps none of them.

        For inputs too large to keep results for; memory stays constant. Each outcome carries
        its input `index`. Use it as a context manager, which keeps the chunk tasks inside the
        block; after leaving early, the stream's `undelivered`, `unsent` and `unconfirmed`
        account for every item read.

        Example:
            async with flick.reviews.stream_create(huge_async_generator()) as outcomes:
                async for outcome in outcomes:
                    if outcome.status == "failed":
                        failures.write(outcome.index, outcome.error)
        """
        from ._batch import BatchStream

        return BatchStream(
            self._client,
            items,
            concurrency=concurrency,
            chunk_size=chunk_size,
            validate=validate,
            on_progress=on_progress,
        )


class Watchlist(_Paged[WatchlistItem]):
    """Your watchlist, most recently added first."""

    def __init__(self, client: AsyncFlick) -> None:
        super().__init__(
            client,
            list_watchlist._get_kwargs,
            WatchlistPage.from_dict,
            lambda item: (_media_key(item.media), item.added_at),
        )


class Lists(_Paged[CustomList]):
    """Custom lists you own (the watchlist is separate)."""

    def __init__(self, client: AsyncFlick) -> None:
        super().__init__(client, list_lists._get_kwargs, CustomListPage.from_dict, lambda item: item.id)

    def items(self, list_id: str) -> ListItems:
        """The items of one list (ranked lists in rank order).

        Raises:
            ValidationError: `list_id` is empty.
        """
        return ListItems(self._client, check_list_id(list_id))


class ListItems(_Paged[ListItem]):
    """The items of one of your lists. A list that is not yours raises `NotFoundError`."""

    def __init__(self, client: AsyncFlick, list_id: str) -> None:
        super().__init__(
            client,
            list_list_items._get_kwargs,
            ListItemPage.from_dict,
            lambda item: (_media_key(item.media), item.rank, item.added_at),
            path_args=(list_id,),
        )
        self.list_id = list_id
