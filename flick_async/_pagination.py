"""Pages of a list endpoint, and the iterator that walks them.

The API pages by number, newest first, so an item added while a job pages pushes everything
one place later and the next page starts with an item already seen. The iterator remembers
what it yielded and skips repeats. It also refuses to page forever: a server that keeps saying
`has_more` without handing out new items is stopped, and `stop_reason` says why.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator
from typing import Generic, Literal, TypeVar

import attrs

from ._errors import ValidationError
from ._events import logger
from ._validation import check_page

__all__ = ["Page", "PageIterator", "StopReason"]

T = TypeVar("T")

StopReason = Literal["exhausted", "max_items", "empty_page", "page_bound"]


@attrs.frozen
class Page(Generic[T]):
    """One page of a list endpoint.

    Attributes:
        items: The items on this page, in the server's order.
        page: The 1-indexed page number.
        limit: The page size asked for.
        total: Items across all pages, as the server counted them for this page.
        has_more: Whether a later page holds more items.
    """

    items: list[T]
    page: int
    limit: int
    total: int
    has_more: bool

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def next_page(self) -> int | None:
        """The page to ask for next, or None on the last page."""
        return self.page + 1 if self.has_more else None


class PageIterator(AsyncIterator[T], Generic[T]):
    """Yields every item of a list endpoint, fetching pages lazily.

    Attributes:
        stop_reason: Why iteration ended: `"exhausted"` (the server said no more),
            `"max_items"`, `"empty_page"` (an empty page claimed `has_more`), or
            `"page_bound"` (more pages than the server's own total allows). None while running.
        next_page: The page a later `iter(start_page=...)` should resume from. Resuming never
            skips an item: when `max_items` stopped part-way through a page, it is that page
            (whose items already yielded come again).
        pages_fetched: Requests spent so far.
        duplicates_skipped: Items skipped because an earlier page already yielded them.

    Example:
        async for review in client.reviews.iter(max_items=500):
            ...
    """

    def __init__(
        self,
        fetch: Callable[[int, int], Awaitable[Page[T]]],
        key: Callable[[T], Hashable],
        *,
        start_page: int = 1,
        limit: int = 100,
        max_items: int | None = None,
    ) -> None:
        check_page(start_page, limit)
        if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0):
            raise ValidationError("max_items", "must be a non-negative integer or None", max_items)
        self._fetch = fetch
        self._key = key
        self._limit = limit
        self._max_items = max_items
        self._buffer: Iterator[T] = iter(())
        self._unread = 0  # items of the current page not taken from the buffer yet
        self._seen: set[Hashable] = set()
        self._yielded = 0
        self._last_page: Page[T] | None = None
        self._max_total = 0
        self.next_page = start_page
        self.stop_reason: StopReason | None = None
        self.pages_fetched = 0
        self.duplicates_skipped = 0

    def __aiter__(self) -> PageIterator[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            if self._max_items is not None and self._yielded >= self._max_items:
                self._finish("max_items")
            if self.stop_reason is None:
                for item in self._buffer:
                    self._unread -= 1
                    key = self._key(item)
                    if key in self._seen:
                        self.duplicates_skipped += 1
                        continue
                    self._seen.add(key)
                    self._yielded += 1
                    return item
            if self.stop_reason is None:
                self.stop_reason = self._reason_not_to_fetch()
            if self.stop_reason is not None:
                raise StopAsyncIteration
            requested = self.next_page
            page = await self._fetch(requested, self._limit)
            self.pages_fetched += 1
            self._last_page = page
            self._max_total = max(self._max_total, page.total)
            # The page asked for, not the one the server echoes: one that ignores `page` must
            # not keep this iterator on the same page forever.
            self.next_page = requested + 1
            self._buffer = iter(page.items)
            self._unread = len(page.items)
            if not page.items and page.has_more:
                self._finish("empty_page")

    def _reason_not_to_fetch(self) -> StopReason | None:
        last = self._last_page
        if last is None:
            return None
        if not last.has_more:
            return "exhausted"
        # The largest total the server reported bounds the pages; one more page of slack covers
        # items that arrived meanwhile. Past that, has_more is not making progress.
        if self.next_page > math.ceil(self._max_total / self._limit) + 1:
            self._finish("page_bound")
        return self.stop_reason

    def _finish(self, reason: StopReason) -> None:
        if self.stop_reason is not None:
            return
        self.stop_reason = reason
        if reason == "max_items" and self._unread > 0:
            self.next_page -= 1  # resume on the page that was cut short, not after it
        if reason == "empty_page":
            logger.warning("stopped paging at page %d: an empty page claimed has_more", self.next_page - 1)
        elif reason == "page_bound":
            logger.warning(
                "stopped paging at page %d: the server kept reporting has_more past its total of %d",
                self.next_page,
                self._max_total,
            )
