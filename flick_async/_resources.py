"""The endpoint groups hanging off `AsyncFlick`: reviews, watchlist, lists.

Each group sends through the request pipeline it is given; it never imports the client.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterable, Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flick_api import _rules
from flick_api.api.lists import list_list_items, list_lists
from flick_api.api.reviews import create_review, list_reviews
from flick_api.api.watchlist import list_watchlist
from flick_api.models import CustomList, ListItem, Media, MediaType, Review, ReviewWriteResult, WatchlistItem

from ._errors import ValidationError
from ._pagination import Page, PageIterator
from ._parsing import parse_review, parse_review_page
from ._validation import MAX_CHUNK, MediaTypeValue, ReviewInput, check_list_id, check_page

if TYPE_CHECKING:
    # _batch (and the anyio streams it uses) loads on the first bulk write: most clients never make one.
    from ._batch import BatchResult, BatchStream, ProgressCallback, ReviewItem
    from ._pipeline import Pipeline

__all__ = ["ListItems", "Lists", "Reviews", "Watchlist"]

T = TypeVar("T")
# The schema's default and maximum page sizes (the documented 50 and 100 when it names none).
DEFAULT_PAGE_SIZE: int = _rules.LIMIT_DEFAULT if _rules.LIMIT_DEFAULT is not None else 50  # for list()
ITER_PAGE_SIZE: int = _rules.LIMIT_MAXIMUM if _rules.LIMIT_MAXIMUM is not None else 100  # iter(): fewest requests


def _count(value: object) -> int | None:
    """A count the server sent, or None when it is not one (null, `"3"`, `[3]`, a bool, negative)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _page(data: object, item: Callable[[Any], T], asked: int) -> Page[T]:
    """Read a list envelope of either style; a shape the walk cannot use raises ValueError.

    Tolerated (beta): unknown fields, and a `total`, `page` or `limit` that is not a count
    (`total` becomes None; the page and limit asked for stand in for the others). Refused: no
    `data` list, or no way to tell whether more pages follow.
    """
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError("a page is an object with a `data` list")
    return _envelope(data, [item(raw) for raw in data["data"]], asked)


def _envelope(data: dict[str, Any], items: list[T], asked: int) -> Page[T]:
    """The page of `items` that the envelope fields `data` describe (`_page`'s rules)."""
    limit = _count(data.get("limit")) or asked
    total = _count(data.get("total"))
    if "next_cursor" in data:  # cursor style
        cursor = data["next_cursor"]
        if cursor is not None and not isinstance(cursor, str):
            raise ValueError(f"`next_cursor` must be a string or null, not {type(cursor).__name__}")
        return Page(items=items, page=None, limit=limit, total=total, has_more=bool(cursor), next_cursor=cursor or None)
    has_more = data.get("has_more")
    if not isinstance(has_more, bool):
        raise ValueError(f"`has_more` must be true or false, not {has_more!r}")
    return Page(items=items, page=_count(data.get("page")) or 1, limit=limit, total=total, has_more=has_more)


def _media_key(media: Media) -> tuple[Hashable, ...]:
    return (media.tmdb_id, str(media.type_), media.season_number or None, media.episode_number or None)


class _Paged(Generic[T]):
    """`list()` and `iter()` over one list operation; subclasses name the operation and its item model."""

    def __init__(
        self,
        pipeline: Pipeline,
        build: Callable[..., dict[str, Any]],
        item: Callable[[Any], T],
        key: Callable[[T], Hashable],
        path_args: Sequence[Any] = (),
        fast: Callable[[bytes], tuple[list[T], dict[str, Any]] | None] | None = None,
    ) -> None:
        self._pipeline = pipeline
        # Reads a page's items and envelope fields straight from its bytes; None: read it the general way.
        self._fast = fast
        self._build = build
        self._item = item
        self._key = key
        self._path_args = tuple(path_args)

    async def list(self, *, page: int = 1, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> Page[T]:
        """One page (`page` from 1, `limit` 1–100), in the server's order.

        `page` is the API's page style; a server that pages by cursor takes `cursor` (a
        `Page.next_cursor`) instead and serves its first page without one. `iter()` handles
        either without you choosing.

        Raises:
            ValidationError: `page`, `limit` or `cursor` is out of range (nothing was sent), or
                `page` > 1 was asked of a server that pages by cursor.
            MalformedResponseError: The answer is not a page this SDK can read.
        """
        page, limit = check_page(page, limit)
        if cursor is not None and (not isinstance(cursor, str) or not cursor):
            raise ValidationError("cursor", "must be a non-empty string (a Page.next_cursor)", cursor)
        result = await self._fetch(page=None if cursor is not None else page, cursor=cursor, limit=limit)
        if result.style == "cursor" and cursor is None and page > 1:
            # The server ignored `page` and served its first page: handing that out as page N would lie.
            raise ValidationError("page", "this server pages by cursor: pass cursor= (a Page.next_cursor)", page)
        return result

    def iter(
        self,
        *,
        limit: int = ITER_PAGE_SIZE,
        resume: str | None = None,
        start_page: int | None = None,
        max_items: int | None = None,
    ) -> PageIterator[T]:
        """Every item once, fetched page by page as you iterate; see `PageIterator` for how it stops.

        Args:
            limit: Items per request (1–100); a server that serves fewer is followed.
            resume: A `PageIterator.resume_token` from an earlier walk of the same list: carry on
                from there, in either pagination style.
            start_page: Page style only: begin at this page (a page-number convenience; prefer
                `resume`).
            max_items: Stop after yielding this many.

        Raises:
            ValidationError: A bad `limit`, `max_items`, `start_page` or `resume`; nothing was sent.
        """
        scope = self._build(*self._path_args)["url"]
        return PageIterator(
            self._fetch,
            self._key,
            limit=limit,
            start_page=start_page,
            resume=resume,
            max_items=max_items,
            scope=scope,
            owner=self._pipeline.key_fingerprint,
        )

    async def _fetch(self, *, page: int | None, cursor: str | None, limit: int) -> Page[T]:
        kwargs = self._build(*self._path_args)
        # The query is set here, not by the generated signature, so the same call serves a
        # client regenerated for cursor pagination.
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params = {"cursor": cursor, "limit": limit}
        elif page is not None:
            params = {"page": page, "limit": limit}
        kwargs["params"] = params
        fast = self._fast
        if fast is None:
            return await self._pipeline.request(kwargs, lambda data: _page(data, self._item, limit))

        def read_fast(content: bytes) -> Page[T] | None:
            parsed = fast(content)
            if parsed is None:
                return None
            try:
                return _envelope(parsed[1], parsed[0], limit)
            except ValueError:  # the general path raises it again, as the error it always was
                return None

        return await self._pipeline.request(kwargs, lambda data: _page(data, self._item, limit), read_fast)


class Reviews(_Paged[Review]):
    """Your reviews, newest first."""

    def __init__(self, pipeline: Pipeline) -> None:
        # The fast parsers: a page of 50 reviews took 355 µs through Review.from_dict (7 µs each),
        # 115 µs decoded to dicts and read by parse_review, 67 µs decoded to typed structures.
        super().__init__(
            pipeline, list_reviews._get_kwargs, parse_review, lambda review: review.id, fast=parse_review_page
        )

    async def create(
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
        return await self._pipeline.request(create_review._get_kwargs(body=body), ReviewWriteResult.from_dict)

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
        comes back `deduplicated`, never as a copy. Each outcome is `created`, `deduplicated`,
        `failed` (certainly not stored) or `uncertain` (may be stored; its answer was lost or
        unreadable); `BatchOutcome` says which are safe to re-send.

        Args:
            items: `ReviewInput`s, or mappings with the same fields as `create()`; any iterable
                or async iterable.
            concurrency: Chunks in flight at once (on the wire, at most the client's `max_in_flight`).
            chunk_size: Items per batch request (1–50).
            validate: Check each item before sending; an invalid item becomes a `failed`
                outcome with a `ValidationError` and costs no request.
            on_progress: Called as `(done, total or None, BatchCounts)` as chunks complete.

        Returns:
            One outcome per input item, in input order; `result.failed()` and
            `result.uncertain()` list the items not known to be stored.

        Raises:
            AuthenticationError, PermissionDeniedError, APIDisabledError, DailyQuotaExceededError:
                The job stopped; the exception's `.partial` is a `BatchResult` with every
                confirmed outcome and the indices left `unsent` or `unconfirmed`.

        Example:
            result = await flick.reviews.create_many(
                ReviewInput(tmdb_id=row.id, media_type="movie", rating=row.stars * 2) for row in rows
            )
            print(result.counts)
            retry = [outcome.input for outcome in (*result.failed(), *result.uncertain())]
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
                    if outcome.status in ("failed", "uncertain"):  # uncertain: may be stored
                        failures.write(outcome.index, outcome.status, outcome.error)
        """
        from ._batch import BatchStream

        return BatchStream(
            self._pipeline,
            items,
            concurrency=concurrency,
            chunk_size=chunk_size,
            validate=validate,
            on_progress=on_progress,
        )


class Watchlist(_Paged[WatchlistItem]):
    """Your watchlist, most recently added first."""

    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__(
            pipeline,
            list_watchlist._get_kwargs,
            WatchlistItem.from_dict,
            lambda item: (_media_key(item.media), item.added_at),
        )


class Lists(_Paged[CustomList]):
    """Custom lists you own (the watchlist is separate)."""

    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__(pipeline, list_lists._get_kwargs, CustomList.from_dict, lambda item: item.id)

    def items(self, list_id: str) -> ListItems:
        """The items of one list (ranked lists in rank order).

        Raises:
            ValidationError: `list_id` is empty.
        """
        return ListItems(self._pipeline, check_list_id(list_id))


class ListItems(_Paged[ListItem]):
    """The items of one of your lists. A list that is not yours raises `NotFoundError`."""

    def __init__(self, pipeline: Pipeline, list_id: str) -> None:
        super().__init__(
            pipeline,
            list_list_items._get_kwargs,
            ListItem.from_dict,
            # Not the rank: an insert at rank 1 renumbers every item, and one seen at rank 2
            # must not come again as a "new" item at rank 3.
            lambda item: (_media_key(item.media), item.added_at),
            path_args=(list_id,),
        )
        self.list_id = list_id
