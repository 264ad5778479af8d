"""Pages of a list endpoint, and the walk that yields every item of them exactly once.

Two pagination styles hide behind one walk, told apart by the envelope each page comes in:

- **page** (the API today): `{data, page, limit, total, has_more}`, by offset. Offsets shift
  while a walk runs: an item added at the top pushes items already yielded onto the next page
  (skipped as repeats), and an item deleted from the part already walked pulls an unseen item
  back across the boundary (a silent loss, unless noticed). The walk keeps a frontier, the
  offset before which every item that stayed put was yielded. A `total` that drops by d moves
  the frontier back by d; a page that starts past the frontier is not trusted, and the walk
  re-reads the boundary instead (a slightly smaller limit puts a page edge at or just before
  the frontier). A page that overlaps the frontier must hold an item already seen: since items
  keep their relative order, a seen item proves nothing before it is missing; an overlap
  holding none means the list moved back further than its total says, and the walk steps back
  again. It pages with the `limit` the server reports (a server that clamps 100 to 50 is
  followed, not trusted to serve 100). What offsets cannot show: a deletion before the
  boundary together with an insertion after it (not at the top) leaves the total unchanged.
- **cursor** (what the API may move to before GA): `{data, limit, next_cursor}` with
  `next_cursor` null on the last page. A cursor names a place in the order, not an offset, so
  there is nothing to shift; a cursor handed out twice would loop, and stops the walk.

What a walk cannot show, it says: `complete` is True only when the walk ended on the server's
own "no more" and nothing seen contradicts that every item present throughout was yielded;
otherwise a warning on the `flick_async` logger names the reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator
from typing import Any, Generic, Literal, Protocol, TypeVar

import attrs

from ._errors import ValidationError
from ._events import logger
from ._validation import MAX_LIMIT, check_page

__all__ = ["Page", "PageIterator", "PaginationStyle", "StopReason"]

T = TypeVar("T")

StopReason = Literal["exhausted", "max_items", "empty_page", "page_bound", "repeated_cursor"]
PaginationStyle = Literal["page", "cursor"]

_TOKEN_VERSION = 1
_DIGEST_BYTES = 8
# Items a resume token remembers: the last two full pages walked, enough to skip items pushed
# across the boundary by arrivals and to anchor a re-read after deletions.
_TAIL = 2 * MAX_LIMIT
# Pages in a row that bring nothing new before a walk with no usable total gives up: a server
# that ignores `page` serves page 1 forever. More than one, since a burst of arrivals at the top
# can fill a whole page with repeats.
_STALE_PAGES = 3
# Re-reads in a row that move the walk no further before it gives up (a server whose pages do
# not start where their number and limit say). Each honest shrink needs one or two.
_MAX_REREADS = 8


@attrs.frozen
class Page(Generic[T]):
    """One page of a list endpoint.

    Attributes:
        items: The items on this page, in the server's order.
        page: The 1-indexed page number (page style); None under cursor pagination.
        limit: The page size the server served (its own, when it clamps what was asked).
        total: Items across all pages as the server counted them for this page; None when the
            server sent no usable count (absent, null, or not an integer).
        has_more: Whether a later page holds more items.
        next_cursor: Under cursor pagination, what fetches the next page (None on the last);
            always None in page style.
    """

    items: list[T]
    page: int | None
    limit: int
    total: int | None
    has_more: bool
    next_cursor: str | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def style(self) -> PaginationStyle:
        """`"page"` or `"cursor"`: how the server pages this list."""
        return "page" if self.page is not None else "cursor"

    @property
    def next_page(self) -> int | None:
        """The page to ask for next (page style), or None on the last page and under cursors."""
        return self.page + 1 if self.has_more and self.page is not None else None


class PageFetcher(Protocol[T]):
    """Fetches one page: by number (`page`), by `cursor`, or the first page (both None)."""

    def __call__(self, *, page: int | None, cursor: str | None, limit: int) -> Awaitable[Page[T]]: ...


def _digest(key: Hashable) -> str:
    # repr() is stable for the keys used here (strings, ints, None, datetimes, tuples of them).
    raw = hashlib.blake2b(repr(key).encode(), digest_size=_DIGEST_BYTES).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class PageIterator(AsyncIterator[T], Generic[T]):
    """Yields every item of a list endpoint once, fetching pages lazily.

    Attributes:
        stop_reason: Why iteration ended: `"exhausted"` (the server said no more),
            `"max_items"`, `"empty_page"` (an empty page claimed more), `"page_bound"` (pages
            kept coming past the server's own total, or brought nothing new, in either style), or
            `"repeated_cursor"` (the server handed out a cursor twice). None while running.
        complete: True once the walk has ended and can show it yielded every item present
            for the whole walk; False while running and whenever it cannot (then a warning on
            the `flick_async` logger says why, except after `max_items`).
        style: `"page"` or `"cursor"`, from the first page's envelope; None before it.
        total: The latest usable `total` a page reported (None if none did).
        pages_fetched: Requests spent so far.
        duplicates_skipped: Items skipped because they were yielded already.
        boundary_rereads: Pages fetched again because the list shrank under the walk.

    Example:
        pages = client.reviews.iter()
        async for review in pages:
            ...
        if not pages.complete:
            print("incomplete:", pages.incomplete_reasons)
    """

    def __init__(
        self,
        fetch: PageFetcher[T],
        key: Callable[[T], Hashable],
        *,
        limit: int = MAX_LIMIT,
        start_page: int | None = None,
        resume: str | None = None,
        max_items: int | None = None,
        scope: str = "",
        owner: str = "",
    ) -> None:
        check_page(start_page if start_page is not None else 1, limit)
        if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0):
            raise ValidationError("max_items", "must be a non-negative integer or None", max_items)
        if start_page is not None and resume is not None:
            raise ValidationError("resume", "pass resume= or start_page=, not both", resume)
        self._fetch = fetch
        self._key = key
        self._scope = scope
        self._owner = owner
        self._asked = limit  # what the caller asked for; the server's own limit may be lower
        self._limit = limit
        self._max_items = max_items
        self._seen: set[Hashable] = set()
        self._seen_digests: frozenset[str] = frozenset()  # from a resume token
        # Digests of the items walked last (yielded or skipped), oldest first: what a token carries.
        self._tail: deque[Hashable] = deque(maxlen=_TAIL)
        self._inherited: list[str] = []  # the tail a resume token brought, as digests
        self._buffer: Iterator[tuple[T, Hashable]] = iter(())
        self._unread = 0
        self._yielded = 0
        self._stale = 0
        self._max_total = 0
        self._doubts: list[str] = []
        self._started = False
        self._last_has_more = True
        self._pending_stop: StopReason = "exhausted"  # what running out of pages will mean
        # Page style: the frontier (an offset: every item before it that stayed put was yielded),
        # the page a start_page walk begins on, and the last total seen.
        self._pos: int | None = None
        self._next_page: int | None = start_page
        self._prev_total: int | None = None
        self._catchup = 0  # the frontier before the latest move back: re-reading up to it brings nothing new
        self._recovering = False
        self._rereads_in_a_row = 0
        self._current_page: int | None = None
        self._current_limit = limit
        # Cursor style: the cursor to send next (None: the first page), the current page's, all sent.
        self._cursor: str | None = None
        self._current_cursor: str | None = None
        self._cursors: set[str] = set()
        self.style: PaginationStyle | None = None
        self.stop_reason: StopReason | None = None
        self.complete = False
        self.total: int | None = None
        self.pages_fetched = 0
        self.duplicates_skipped = 0
        self.boundary_rereads = 0
        if resume is not None:
            self._restore(resume)

    @property
    def incomplete_reasons(self) -> list[str]:
        """Why the walk cannot show it is complete, in words (empty once it can)."""
        if self.complete:
            return []
        if self.stop_reason is None:
            return ["the walk has not ended"]
        reasons = list(self._doubts)
        if self.stop_reason != "exhausted":
            reasons.insert(0, f"it stopped early ({self.stop_reason})")
        return reasons

    @property
    def next_page(self) -> int | None:
        """Page style only: the page a later `iter(start_page=…)` resumes from (None under cursors).

        A page-number convenience: resuming there never skips an item, but it may repeat some.
        `resume_token` carries what keeps a resumed walk exact, and works in both styles.
        """
        if self.style == "cursor":
            return None
        if self._unread > 0 and self._current_page is not None:
            return self._current_page  # stopped part-way through a page: that page again
        if self._pos is None:
            return self._next_page or 1
        if self.stop_reason == "exhausted" and self._current_page is not None:
            return self._current_page + 1
        return self._pos // self._limit + 1

    @property
    def resume_token(self) -> str | None:
        """An opaque string that `iter(resume=…)` continues this walk from; None once it has ended.

        It carries the position (an offset and page size, or a cursor), the last `total` seen
        and short digests of the items around the boundary, so the resumed walk repeats none of
        them and still notices a deletion in between. It is bound to its list and to the API
        key (by a short hash, never the key itself): another list or key refuses it. Store it
        as text; it is not meant to be read. A walk stopped by `max_items` can be resumed; one
        that ended otherwise cannot.
        """
        if self.stop_reason is not None and self.stop_reason != "max_items":
            return None
        mid_page = self._unread > 0
        # Digests only here, not per item: most walks never ask for a token.
        tail = list(dict.fromkeys([*self._inherited, *(_digest(key) for key in self._tail)]))[-_TAIL:]
        state: dict[str, Any] = {"v": _TOKEN_VERSION, "sc": self._scope, "k": self._owner, "l": self._limit, "d": tail}
        if self._doubts:  # what the walk so far cannot show stays unshown after resuming
            state["x"] = self._doubts
        if self.style == "cursor":
            state.update(s="cursor", c=self._current_cursor if mid_page else self._cursor)
        else:
            if mid_page and self._current_page is not None:
                pos = (self._current_page - 1) * self._current_limit
            elif self._pos is not None:
                pos = self._pos
            else:
                pos = ((self._next_page or 1) - 1) * self._limit
            state.update(s="page", p=pos, t=self._prev_total)
        raw = json.dumps(state, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def _restore(self, token: str) -> None:
        invalid = ValidationError("resume", "is not a resume token of this SDK (iterator.resume_token)", token)
        try:
            if not isinstance(token, str):
                raise TypeError
            state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if not isinstance(state, dict) or state.get("v") != _TOKEN_VERSION:
                raise ValueError
            style, limit, digests = state["s"], state["l"], state["d"]
        except (TypeError, ValueError, KeyError, RecursionError, binascii.Error, UnicodeDecodeError):
            raise invalid from None
        if style not in ("page", "cursor") or not _is_count(limit) or not 1 <= limit <= MAX_LIMIT:
            raise invalid
        if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
            raise invalid
        if state.get("sc") != self._scope:
            raise ValidationError("resume", f"is the token of another list ({state.get('sc')!r})", token)
        if state.get("k", "") != self._owner:
            # Offsets and item digests of another account's list would skip or repeat items of this one.
            raise ValidationError("resume", "is the token of a walk under another API key", token)
        self._limit = min(limit, self._asked)
        doubts = state.get("x", [])
        if not isinstance(doubts, list) or not all(isinstance(d, str) for d in doubts):
            raise invalid
        self._doubts = list(doubts)
        self._seen_digests = frozenset(digests)
        self._inherited = digests[-_TAIL:]
        self._started = True
        self.style = style
        if style == "cursor":
            cursor = state.get("c")
            if cursor is not None and not isinstance(cursor, str):
                raise invalid
            self._cursor = cursor
        else:
            pos, total = state.get("p"), state.get("t")
            if not _is_count(pos) or (total is not None and not _is_count(total)):
                raise invalid
            self._pos = pos
            self._prev_total = total

    def __aiter__(self) -> PageIterator[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            if self._max_items is not None and self._yielded >= self._max_items:
                # Ending on the last item of the last page is exhaustion, not a cut: nothing is left to resume.
                done = self._started and self._unread == 0 and not self._last_has_more
                self._finish(self._pending_stop if done else "max_items")
            if self.stop_reason is None:
                for item, key in self._buffer:
                    self._unread -= 1
                    self._tail.append(key)
                    if self._was_seen(key):
                        self.duplicates_skipped += 1
                        continue
                    self._seen.add(key)
                    self._yielded += 1
                    return item
            if self.stop_reason is None and self._started and not self._last_has_more:
                self._finish(self._pending_stop)
            if self.stop_reason is not None:
                raise StopAsyncIteration
            await self._advance()

    def _was_seen(self, key: Hashable) -> bool:
        return key in self._seen or (bool(self._seen_digests) and _digest(key) in self._seen_digests)

    async def _advance(self) -> None:
        """Fetch the next page into the buffer (or fetch again to recover), or decide to stop."""
        if self.style == "cursor":
            await self._advance_cursor()
            return
        if self._started and self._pos is not None and self._beyond_bound():
            self._finish("page_bound")
            return
        if not self._started and self._next_page is None:
            # The first page, style unknown: ask for neither a page nor a cursor.
            self._started = True
            page = await self._get(page=None, cursor=None)
            if page.style == "cursor":
                self._take_cursor_page(page, sent=None)
            else:
                self._accept(page, requested=1, asked=self._limit)
            return
        self._started = True
        if self._rereads_in_a_row > _MAX_REREADS:
            self._doubt("the boundary could not be re-read: pages did not start where the walk asked")
            self._finish("page_bound")
            return
        requested, size = self._plan()
        page = await self._get(page=requested, cursor=None, limit=min(size, self._asked))
        self._accept(page, requested=requested, asked=size)

    async def _get(self, *, page: int | None, cursor: str | None, limit: int | None = None) -> Page[T]:
        asked = limit or self._limit
        result = await self._fetch(page=page, cursor=cursor, limit=asked)
        self.pages_fetched += 1
        if self.style is None:
            if result.style == "cursor" and self._next_page is not None:
                raise ValidationError(
                    "start_page", "is a page-number convenience, and this server pages by cursor: use resume=", None
                )
            self.style = result.style
        elif result.style != self.style:
            raise ValidationError(
                "resume",
                f"this walk pages by {self.style} but the server now answers by {result.style}; start a new walk",
                None,
            )
        if result.total is not None:
            self.total = result.total
            self._max_total = max(self._max_total, result.total)
        elif self.style == "page":
            self._doubt("a page came without a usable total, so a deletion between pages could not be detected")
        # Follow the server's own page size: one that clamps 100 to 50 is paged by 50 (and page
        # numbers count in the server's size even if it ignores the one asked for). A page served
        # at the smaller size a re-read asked for is no clamp: taking it as one shrank the walk's
        # pages at every deletion, down to a trickle of small requests.
        if result.limit >= 1 and result.limit != asked:
            self._limit = result.limit if self.style == "page" else min(result.limit, self._asked)
        return result

    def _take(self, page: Page[T], keys: list[Hashable] | None = None) -> None:
        if keys is None:
            keys = [self._key(item) for item in page.items]
        self._buffer = zip(page.items, keys, strict=True)
        self._unread = len(page.items)
        self._last_has_more = page.has_more
        if not page.items and page.has_more:
            self._finish("empty_page")

    # -- cursor style ------------------------------------------------------------------------------

    async def _advance_cursor(self) -> None:
        if self._stale >= _STALE_PAGES:
            # Fresh cursors for pages of items already yielded: cursors do not shift, so this never ends.
            self._finish("page_bound")
            return
        self._started = True
        sent = self._cursor
        page = await self._get(page=None, cursor=sent)
        self._take_cursor_page(page, sent=sent)

    def _take_cursor_page(self, page: Page[T], *, sent: str | None) -> None:
        self._current_cursor = sent
        if sent is not None:
            self._cursors.add(sent)
        keys = [self._key(item) for item in page.items]
        self._stale = self._stale + 1 if keys and all(map(self._was_seen, keys)) else 0
        self._take(page, keys)
        following = page.next_cursor
        if following is not None and following in self._cursors:
            self._last_has_more = False
            self._pending_stop = "repeated_cursor"  # after this page's items: they are new
            return
        self._cursor = following
        self._last_has_more = following is not None

    # -- page style --------------------------------------------------------------------------------

    def _plan(self) -> tuple[int, int]:
        """The page number and limit whose page starts at or before the walk's frontier and reaches furthest.

        With the frontier on the server's page grid that is simply the next page. After a
        recovery it is off the grid; a slightly smaller limit then puts a page boundary at or
        just before it, rather than re-reading most of a page.
        """
        if self._pos is None:  # start_page: begin where the caller said
            return self._next_page or 1, self._limit
        target = max(0, self._pos - 1) if self._recovering else self._pos
        # Largest first, as max() keeps the first of equals: of two pages reaching as far, the larger.
        sizes = range(self._limit, max(1, self._limit // 2) - 1, -1)
        size = max(sizes, key=lambda limit: (target // limit + 1) * limit)
        return target // size + 1, size

    def _accept(self, page: Page[T], *, requested: int, asked: int) -> None:
        grid = page.limit if page.limit >= 1 else asked
        start = (requested - 1) * grid
        dropped = 0
        if self._prev_total is not None and page.total is not None:
            dropped = max(0, self._prev_total - page.total)
        if page.total is not None:
            self._prev_total = page.total
        recovering, self._recovering = self._recovering, False
        if self._pos is None:
            self._pos = start
        if dropped:
            # Pages before the old frontier are expected to hold seen items, not a sign of a stuck server.
            self._catchup = max(self._catchup, self._pos)
        # A shrink of `dropped` can have pulled up to that many unseen items back across the frontier.
        self._pos = max(0, self._pos - dropped)
        keys = [self._key(item) for item in page.items]
        already = sum(map(self._was_seen, keys))
        anchored = start == 0 or already > 0
        if start > self._pos:
            logger.debug("the list shrank by %d between pages; re-reading up to offset %d", dropped, self._pos)
            self._reread()
            return
        if start < self._pos and page.items and not anchored:
            # The overlap should hold items already seen and holds none: the list moved back
            # further than its total says. Step back until a page is anchored in what was seen.
            logger.debug("page %d overlaps the walk but holds nothing seen; stepping back", requested)
            self._pos = start
            self._reread()
            return
        caught_up = start + len(keys) > self._catchup
        self._stale = 0 if already < len(keys) or recovering or not caught_up else self._stale + 1
        self._current_page = requested
        self._current_limit = grid
        # Progress is an item not seen before: a frontier pushed past items it then loses again to
        # the next shrink (a total that drops at every request while has_more stays true) is none.
        if already < len(keys) or not page.items:
            self._rereads_in_a_row = 0
        self._pos = max(self._pos, start + len(page.items))
        self._take(page, keys)
        if not page.has_more and page.total is not None and self._pos < page.total and page.items:
            self._doubt(f"the last page ended at item {self._pos} of the {page.total} the server counted")

    def _reread(self) -> None:
        self.boundary_rereads += 1
        self._rereads_in_a_row += 1
        self._recovering = True
        self._last_has_more = True

    def _beyond_bound(self) -> bool:
        # Past the largest total reported (plus a page of slack for arrivals), or several pages in
        # a row with nothing new: has_more is not making progress.
        assert self._pos is not None
        if self._max_total and self._pos > self._max_total + self._limit:
            return True
        return self._stale >= _STALE_PAGES

    def _doubt(self, reason: str) -> None:
        if reason not in self._doubts:
            self._doubts.append(reason)

    def _finish(self, reason: StopReason) -> None:
        if self.stop_reason is not None:
            return
        self.stop_reason = reason
        self.complete = reason == "exhausted" and not self._doubts
        if self.complete or reason == "max_items":
            return
        where = f"page {self._current_page}" if self.style != "cursor" else "a cursor page"
        if reason == "empty_page":
            claim = "has_more" if self.style != "cursor" else "a next_cursor"
            message = f"stopped paging at {where}: an empty page claimed {claim}"
        elif reason == "page_bound" and self.style == "cursor":
            message = f"stopped paging: {_STALE_PAGES} cursor pages in a row brought nothing new"
        elif reason == "page_bound" and self._stale >= _STALE_PAGES:
            message = f"stopped paging at page {self.next_page}: {_STALE_PAGES} pages in a row brought nothing new"
        elif reason == "page_bound":
            message = (
                f"stopped paging at page {self.next_page}: the server kept reporting has_more past its total of "
                f"{self._max_total}"
            )
        elif reason == "repeated_cursor":
            message = "stopped paging: the server handed out a cursor it had already given"
        else:
            message = "the walk ended but cannot show it got every item"
        details = "; ".join(self._doubts)
        logger.warning("%s%s", message, f" ({details})" if details else "")
