"""Auto-pagination: lazy, bounded, never repeating an item, resumable."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpx import HTTPXMock

from flick_async import AsyncFlick, FlickError, Page, PageIterator, ValidationError
from flick_async.testing import (
    DEMO_API_KEY,
    DeleteServed,
    FakeClock,
    FlickServer,
    InsertFirst,
    OddTotal,
    RepeatedCursor,
)

from .helpers import MOCK_BASE_URL, MOCK_KEY, page_json, review_json


@pytest.fixture(params=["page", "cursor"])
def server(request: pytest.FixtureRequest, clock: FakeClock) -> FlickServer:
    """The local server in each pagination style: every read test here runs against both."""
    return FlickServer(clock=clock, pagination=request.param)


class Feed:
    """A newest-first list endpoint in memory, with hooks to change it between fetches."""

    def __init__(self, count: int) -> None:
        self.items = [f"item{n}" for n in range(count, 0, -1)]  # newest first
        self.fetches: list[tuple[int, int]] = []
        self.before_fetch: Callable[[int], None] = lambda page: None
        self._added = 0

    def add_newest(self, count: int) -> None:
        self._added += count
        self.items[:0] = [f"new{self._added - n}" for n in range(count)]

    async def fetch(self, *, page: int | None, cursor: str | None = None, limit: int) -> Page[str]:
        page = page or 1
        self.before_fetch(page)
        self.fetches.append((page, limit))
        start = (page - 1) * limit
        chunk = self.items[start : start + limit]
        return Page(
            items=chunk,
            page=page,
            limit=limit,
            total=len(self.items),
            has_more=start + limit < len(self.items),
        )

    def iterate(self, **options: int | None) -> PageIterator[str]:
        limit = options.pop("limit", 2)
        assert limit is not None
        return PageIterator(self.fetch, lambda item: item, limit=limit, **options)  # type: ignore[arg-type]


async def _collect(iterator: PageIterator[str]) -> list[str]:
    return [item async for item in iterator]


async def test_pages_are_fetched_only_when_needed() -> None:
    """Nothing is fetched before the first item is asked for, and each page only when reached."""
    feed = Feed(5)
    iterator = feed.iterate()
    assert feed.fetches == []
    assert await anext(iterator) == "item5"
    assert await anext(iterator) == "item4"
    assert feed.fetches == [(1, 2)]
    assert await anext(iterator) == "item3"
    assert feed.fetches == [(1, 2), (2, 2)]
    assert iterator.stop_reason is None


async def test_iteration_stops_when_the_server_says_no_more() -> None:
    """`has_more: false` ends iteration, with every item yielded once and the reason recorded."""
    feed = Feed(5)
    iterator = feed.iterate()
    assert await _collect(iterator) == ["item5", "item4", "item3", "item2", "item1"]
    assert (iterator.stop_reason, iterator.pages_fetched, iterator.duplicates_skipped) == ("exhausted", 3, 0)
    assert feed.fetches == [(1, 2), (2, 2), (3, 2)]


async def test_an_empty_page_claiming_more_stops_iteration(caplog: pytest.LogCaptureFixture) -> None:
    """An empty page with `has_more: true` ends iteration instead of paging forever, with a warning."""

    async def fetch(*, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        page = page or 1
        items = ["a", "b"] if page == 1 else []
        return Page(items=items, page=page, limit=limit, total=100, has_more=True)

    iterator = PageIterator(fetch, lambda item: item, limit=2)
    assert await _collect(iterator) == ["a", "b"]
    assert (iterator.stop_reason, iterator.pages_fetched) == ("empty_page", 2)
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("flick_async", "WARNING", "stopped paging at page 2: an empty page claimed has_more")
    ]


async def test_a_server_that_never_stops_is_bounded_by_its_total(caplog: pytest.LogCaptureFixture) -> None:
    """A server repeating the same page with `has_more: true` is stopped once its own total is passed."""
    fetched: list[int] = []

    async def fetch(*, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        page = page or 1
        fetched.append(page)
        return Page(items=["a", "b"], page=page, limit=limit, total=3, has_more=True)

    iterator = PageIterator(fetch, lambda item: item, limit=2)
    assert await _collect(iterator) == ["a", "b"]
    assert (iterator.stop_reason, fetched, iterator.duplicates_skipped) == ("page_bound", [1, 2, 3], 4)
    assert [r.getMessage() for r in caplog.records] == [
        "stopped paging at page 4: the server kept reporting has_more past its total of 3"
    ]


async def test_a_server_that_ignores_the_page_parameter_is_bounded() -> None:
    """A server answering page 1 whatever is asked still ends iteration after a bounded number of requests."""
    feed = Feed(6)

    async def always_first(*, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        calls.append(page or 1)
        if len(calls) > 20:
            raise AssertionError("paged forever")
        return await feed.fetch(page=1, limit=limit)

    calls: list[int] = []
    iterator = PageIterator(always_first, lambda item: item, limit=2)
    assert await _collect(iterator) == ["item6", "item5"]
    assert (iterator.stop_reason, calls) == ("page_bound", [1, 2, 3, 4])


async def test_items_added_while_paging_are_never_yielded_twice() -> None:
    """Newest-first pages shift when items arrive; the iterator skips the repeats and loses nothing."""
    feed = Feed(7)
    feed.before_fetch = lambda page: feed.add_newest(3) if page in (2, 3) else None
    iterator = feed.iterate()
    items = await _collect(iterator)
    assert len(items) == len(set(items))
    assert [item for item in items if item.startswith("item")] == [f"item{n}" for n in range(7, 0, -1)]
    assert iterator.duplicates_skipped == 4  # i7, n1, then i7 and i6 again: pushed back by the new items


@pytest.mark.parametrize(
    ("max_items", "pages", "reason"),
    [(0, 0, "max_items"), (1, 1, "max_items"), (2, 1, "max_items"), (3, 2, "max_items"), (50, 3, "exhausted")],
)
async def test_max_items_caps_what_is_yielded_and_fetched(max_items: int, pages: int, reason: str) -> None:
    """`max_items` yields at most that many items and fetches no page it does not need."""
    feed = Feed(5)
    iterator = feed.iterate(max_items=max_items)
    items = await _collect(iterator)
    assert items == ["item5", "item4", "item3", "item2", "item1"][:max_items]
    assert iterator.pages_fetched == pages
    assert iterator.stop_reason == reason


@pytest.mark.parametrize("max_items", [2, 3, 4])
async def test_resuming_from_next_page_loses_nothing(max_items: int) -> None:
    """A second iterator started at the first one's `next_page` carries on without skipping an item."""
    feed = Feed(7)
    first = feed.iterate(max_items=max_items)
    head = await _collect(first)
    rest = await _collect(feed.iterate(start_page=first.next_page))
    assert head == [f"item{n}" for n in range(7, 7 - max_items, -1)]
    assert set(head) | set(rest) == set(feed.items)
    assert rest[-1] == "item1"


async def test_start_page_skips_earlier_pages() -> None:
    """`start_page` begins at that page; `next_page` then points past the last page fetched."""
    feed = Feed(7)
    iterator = feed.iterate(start_page=3)
    assert await _collect(iterator) == ["item3", "item2", "item1"]
    assert (feed.fetches, iterator.next_page, iterator.stop_reason) == ([(3, 2), (4, 2)], 5, "exhausted")


def test_page_is_iterable_and_knows_the_next_page() -> None:
    """A Page iterates and sizes like its items and names its successor."""
    more = Page(items=["a", "b"], page=2, limit=2, total=9, has_more=True)
    last = Page(items=["c"], page=5, limit=2, total=9, has_more=False)
    assert (list(more), len(more), more.next_page) == (["a", "b"], 2, 3)
    assert (list(last), len(last), last.next_page) == (["c"], 1, None)


# -- the endpoints' iterators -------------------------------------------------------------------

ITERATORS = [
    pytest.param(lambda f: f.reviews.iter(), "/me/reviews", id="reviews"),
    pytest.param(lambda f: f.watchlist.iter(), "/me/watchlist", id="watchlist"),
    pytest.param(lambda f: f.lists.iter(), "/me/lists", id="lists"),
    pytest.param(lambda f: f.lists.items("lst_7").iter(), "/me/lists/lst_7/items", id="list-items"),
]


@pytest.mark.parametrize(("make", "path"), ITERATORS)
async def test_iter_asks_for_100_items_a_page(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, make: Callable[[AsyncFlick], PageIterator[object]], path: str
) -> None:
    """`iter()` pages with limit=100 (the API's maximum), asks for the first page in no style, and is lazy."""
    httpx_mock.add_response(
        url=f"{MOCK_BASE_URL}{path}?limit=100", json=page_json([], limit=100, total=0, has_more=False)
    )
    iterator = make(mock_client)
    assert httpx_mock.get_requests() == []
    assert [item async for item in iterator] == []
    assert iterator.stop_reason == "exhausted"


async def test_reviews_added_on_the_server_between_pages_are_not_repeated(
    server: FlickServer, client: AsyncFlick
) -> None:
    """Against the local server: reviews written mid-iteration shift pages, yet every review comes once."""
    before = [review["id"] for review in server.reviews(DEMO_API_KEY)]
    seen: list[str] = []
    iterator = client.reviews.iter(limit=5)
    async for review in iterator:
        seen.append(review.id)
        if len(seen) % 5 == 0:  # the page is used up: the next item triggers the next fetch
            server.add_review(DEMO_API_KEY, tmdb_id="27205", rating=len(seen) / 5, review=f"Mid-iteration {len(seen)}")
    assert len(before) > 10
    assert seen == before
    # Offsets shift (one repeat per page, skipped); cursors name a place, so nothing repeats.
    assert iterator.duplicates_skipped == (len(before) // 5 if server.paging.style == "page" else 0)
    assert (iterator.stop_reason, iterator.complete, iterator.style) == ("exhausted", True, server.paging.style)


async def test_iterating_a_real_endpoint_with_max_items_and_resume(server: FlickServer, client: AsyncFlick) -> None:
    """Against the local server: max_items, then resume from the token, covers the whole watchlist once."""
    expected = [item["added_at"] for item in server.watchlist(DEMO_API_KEY)]
    first = client.watchlist.iter(limit=2, max_items=3)
    head = [item async for item in first]
    assert first.stop_reason == "max_items"
    assert first.resume_token is not None
    rest_iterator = client.watchlist.iter(limit=2, resume=first.resume_token)
    rest = [item async for item in rest_iterator]
    assert [item.added_at.isoformat().replace("+00:00", "Z") for item in head + rest] == expected
    assert (rest_iterator.complete, rest_iterator.resume_token) == (True, None)


async def test_start_page_is_a_page_style_convenience(
    server: FlickServer, client: AsyncFlick, make_client: Callable[..., AsyncFlick]
) -> None:
    """`start_page`/`next_page` resume page-style walks (never skipping); a cursor server refuses start_page."""
    expected = [item["added_at"] for item in server.watchlist(DEMO_API_KEY)]
    first = client.watchlist.iter(limit=2, max_items=4)
    head = [item async for item in first]
    if server.paging.style == "cursor":
        assert first.next_page is None
        with pytest.raises(ValidationError, match="start_page: is a page-number convenience"):
            await anext(client.watchlist.iter(limit=2, start_page=2))
        return
    rest = [item async for item in client.watchlist.iter(limit=2, start_page=first.next_page)]
    assert [item.added_at.isoformat().replace("+00:00", "Z") for item in head + rest] == expected


@pytest.mark.parametrize("cut", [1, 4, 5, 9])
async def test_a_walk_resumed_from_its_token_yields_every_item_once_despite_changes(
    server: FlickServer, make_client: Callable[..., AsyncFlick], cut: int
) -> None:
    """Stop after `cut`, delete yielded reviews and add new ones, resume from the token: every survivor once."""
    key = _stock_reviews(server, 23)
    async with make_client(api_key=key) as flick:
        first = flick.reviews.iter(limit=4, max_items=cut)
        head = [review.id async for review in first]
        token = first.resume_token
        assert token is not None
        for review in server.reviews(key)[:2]:  # the two newest: already yielded
            server.store.delete(server.store.account_for_key(key).id, "reviews", int(review["id"][4:]))
        server.add_review(key, tmdb_id="27205", review="arrived between the sessions", created_at=1_800_000_000)
        server.paging.between_pages("GET /me/reviews", DeleteServed())
        second = flick.reviews.iter(limit=4, resume=token)
        rest = [review.id async for review in second]
    survivors = {review["id"] for review in server.reviews(key)}
    everything = head + rest
    assert len(everything) == len(set(everything))
    assert survivors - {server.reviews(key)[0]["id"]} <= set(everything)
    assert (second.stop_reason, second.complete) == ("exhausted", True)


async def test_resume_tokens_are_checked(server: FlickServer, client: AsyncFlick) -> None:
    """A token that is not one, another list's, or one beside start_page: a ValidationError before any request."""
    first = client.reviews.iter(limit=2, max_items=1)
    [_ async for _ in first]
    token = first.resume_token
    assert token is not None
    sent = len(server.request_log)
    with pytest.raises(ValidationError, match="resume: is not a resume token"):
        client.reviews.iter(resume="not a token")
    with pytest.raises(ValidationError, match="resume: is the token of another list"):
        client.watchlist.iter(resume=token)
    with pytest.raises(ValidationError, match="resume: pass resume= or start_page=, not both"):
        client.reviews.iter(resume=token, start_page=2)
    assert len(server.request_log) == sent


async def test_a_repeated_cursor_stops_the_walk_and_says_so(
    server: FlickServer, client: AsyncFlick, caplog: pytest.LogCaptureFixture
) -> None:
    """A cursor server that hands back the cursor it was sent: the walk stops, incomplete, with a warning."""
    if server.paging.style == "page":
        pytest.skip("cursor style only")
    server.faults.add("GET /me/reviews", RepeatedCursor())
    iterator = client.reviews.iter(limit=3)
    ids = [review.id async for review in iterator]
    assert ids == [review["id"] for review in server.reviews(DEMO_API_KEY)][:6]
    assert (iterator.stop_reason, iterator.complete, iterator.pages_fetched) == ("repeated_cursor", False, 2)
    assert [r.getMessage() for r in caplog.records] == [
        "stopped paging: the server handed out a cursor it had already given"
    ]


async def test_iterating_logs_nothing_on_a_normal_run(
    server: FlickServer, client: AsyncFlick, caplog: pytest.LogCaptureFixture
) -> None:
    """A normal walk over a list's items is silent at WARNING."""
    caplog.set_level(logging.WARNING)
    [first_list, *_] = server.lists(DEMO_API_KEY)
    items = [item async for item in client.lists.items(first_list["id"]).iter(limit=1)]
    assert len(items) == first_list["item_count"]
    assert caplog.records == []


# -- completeness when the server varies: clamps, shifts either way, odd shapes -------------------


def _stock_reviews(server: FlickServer, count: int) -> str:
    """A fresh account holding `count` distinct reviews (newest first by creation); its key."""
    account = server.add_account()
    for n in range(count):
        server.add_review(account, tmdb_id="27205", review=f"review {n}", created_at=1_700_000_000 + n)
    assert account.api_key is not None
    return account.api_key


async def test_a_server_that_clamps_limit_loses_nothing(
    server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """250 reviews, pages capped at 50 (said in `page.limit`): iter() asking for 100 yields all 250."""
    key = _stock_reviews(server, 250)
    server.paging.max_limit = 50
    async with make_client(api_key=key) as flick:
        iterator = flick.reviews.iter()
        ids = [review.id async for review in iterator]
    assert ids == [review["id"] for review in server.reviews(key)]
    assert (iterator.stop_reason, iterator.complete, iterator.pages_fetched) == ("exhausted", True, 5)


async def test_deleting_a_yielded_review_between_pages_loses_no_survivor(
    server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """An already-yielded review deleted at every page boundary: every review that survives still comes once."""
    key = _stock_reviews(server, 23)
    before = [review["id"] for review in server.reviews(key)]
    server.paging.between_pages("GET /me/reviews", DeleteServed())
    async with make_client(api_key=key) as flick:
        iterator = flick.reviews.iter(limit=5)
        ids = [review.id async for review in iterator]
    survivors = [review["id"] for review in server.reviews(key)]
    assert len(survivors) < len(before)
    assert len(ids) == len(set(ids))
    assert set(survivors) <= set(ids) <= set(before)
    assert (iterator.stop_reason, iterator.complete) == ("exhausted", True)


async def test_an_item_inserted_at_rank_1_mid_walk_is_not_yielded_twice(
    server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """A ranked list gaining an item at rank 1 at every boundary: each existing item comes exactly once."""
    account = server.add_account()
    assert account.api_key is not None
    first_title = next(iter(server.catalog))  # what InsertFirst inserts
    titles = [t for t in server.catalog if t.media_type == "movie" and t.tmdb_id != first_title.tmdb_id][:9]
    list_id = server.add_list(account, "Ranked", [(t.tmdb_id, "movie") for t in titles], ranked=True)
    server.paging.between_pages("GET /me/lists/{list_id}/items", InsertFirst())
    async with make_client(api_key=account.api_key) as flick:
        iterator = flick.lists.items(list_id).iter(limit=2)
        items = [item async for item in iterator]
    original = [item.media.tmdb_id for item in items if item.media.tmdb_id != first_title.tmdb_id]
    assert original == [t.tmdb_id for t in titles]
    assert iterator.stop_reason == "exhausted"


@pytest.mark.parametrize("total", [None, "3", [3], OddTotal.MISSING], ids=["null", "string", "list", "missing"])
async def test_odd_totals_never_escape_as_type_error(
    server: FlickServer, client: AsyncFlick, total: object, caplog: pytest.LogCaptureFixture
) -> None:
    """Odd totals (null, "3", [3], none): every page is walked, no TypeError, and the walk says it is unproven."""
    server.faults.add("GET /me/reviews", OddTotal(total))
    iterator = client.reviews.iter(limit=4)
    ids = [review.id async for review in iterator]
    assert ids == [review["id"] for review in server.reviews(DEMO_API_KEY)]
    assert (iterator.stop_reason, iterator.total) == ("exhausted", None)
    if server.paging.style == "cursor":  # a cursor walk needs no total to be complete
        assert (iterator.complete, caplog.records) == (True, [])
        return
    reason = "a page came without a usable total, so a deletion between pages could not be detected"
    assert (iterator.complete, iterator.incomplete_reasons) == (False, [reason])
    assert [r.getMessage() for r in caplog.records] == [f"the walk ended but cannot show it got every item ({reason})"]


# -- the model test: random lists, page sizes, clamps and mutations between pages -------------------

_Op = tuple[str, float]
_WHERE = st.floats(0, 1, exclude_max=True)
_OPS = st.lists(
    st.lists(
        st.one_of(
            st.just(("insert", 0.0)),
            st.tuples(st.just("delete"), _WHERE),
            st.tuples(st.just("insert_within"), _WHERE),  # the one shift offsets cannot see, with a delete
        )
    ),
    max_size=40,
)


class ModelList:
    """A list endpoint in memory, paged by offset or by cursor, mutated between requests as told.

    Each item has a sort key that never changes (inserts at the top get ever lower keys), which is
    what the cursor style pages by, as the local server's cursors do.
    """

    def __init__(self, size: int, *, style: str, clamp: int | None, ops: list[list[_Op]], odd_total: bool) -> None:
        self.rows: list[tuple[float, str]] = [(key, f"i{key}") for key in range(size)]
        self.style, self.clamp, self.ops, self.odd_total = style, clamp, ops, odd_total
        self.requests = 0
        self.deleted: set[str] = set()
        self._low = 0
        self._middle = 0

    def mutate(self, ops: list[_Op]) -> None:
        for kind, where in ops:
            if kind == "insert":
                self._low -= 1
                self.rows.insert(0, (self._low, f"n{-self._low}"))
            elif kind == "insert_within":
                at = int(where * (len(self.rows) + 1))
                # A sort key between the neighbours', so cursors order it where offsets put it.
                before = self.rows[at - 1][0] if at else self._low - 1
                after = self.rows[at][0] if at < len(self.rows) else before + 2
                self._middle += 1
                self.rows.insert(at, ((before + after) / 2, f"m{self._middle}"))
            elif self.rows:
                self.deleted.add(self.rows.pop(int(where * len(self.rows)))[1])

    async def fetch(self, *, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        if self.requests and self.requests - 1 < len(self.ops):
            self.mutate(self.ops[self.requests - 1])
        self.requests += 1
        assert self.requests < 5_000, "paged forever"
        size = min(limit, self.clamp) if self.clamp else limit
        total = None if self.odd_total and self.requests % 2 else len(self.rows)
        if self.style == "cursor":
            rest = [row for row in self.rows if cursor is None or row[0] > float(cursor)]
            chunk, more = rest[:size], len(rest) > size
            following = str(chunk[-1][0]) if more else None
            ids = [item for _, item in chunk]
            return Page(items=ids, page=None, limit=size, total=total, has_more=more, next_cursor=following)
        start = ((page or 1) - 1) * size
        ids = [item for _, item in self.rows[start : start + size]]
        return Page(items=ids, page=page or 1, limit=size, total=total, has_more=start + size < len(self.rows))


async def _walk_in_sessions(model: ModelList, limit: int, stops: list[int]) -> tuple[list[str], PageIterator[str]]:
    """Walk the model, stopping after each count in `stops` and resuming from the token."""
    yielded: list[str] = []
    token: str | None = None
    for stop in [*stops, None]:
        iterator = PageIterator(model.fetch, lambda item: item, limit=limit, max_items=stop, resume=token)
        yielded += [item async for item in iterator]
        if iterator.stop_reason != "max_items":
            return yielded, iterator
        token = iterator.resume_token
        assert token is not None
    raise AssertionError("unreachable")


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(0, 60),
    limit=st.integers(1, 12),
    clamp=st.none() | st.integers(1, 12),
    style=st.sampled_from(["page", "cursor"]),
    ops=_OPS,
    odd_total=st.booleans(),
    stops=st.lists(st.integers(1, 15), max_size=3),
)
def test_model_every_item_present_throughout_comes_exactly_once(
    size: int, limit: int, clamp: int | None, style: str, ops: list[list[_Op]], odd_total: bool, stops: list[int]
) -> None:
    """Random sizes, page sizes, clamps, inserts at the top and deletes anywhere between pages, and resumes.

    Invariant: nothing is yielded twice (across resumed sessions too); a walk that claims
    `complete` yielded every item present for the whole walk; and with deletions only and honest
    totals the walk does reach `complete`. Inserts within the list are drawn too: with a
    deletion before the boundary they leave an offset walk's total unchanged (the documented
    blind spot of page numbers), so there only the cursor style's claim is checked.
    """
    model = ModelList(size, style=style, clamp=clamp, ops=ops, odd_total=odd_total)
    start = {item for _, item in model.rows}
    yielded, last = asyncio.run(_walk_in_sessions(model, limit, stops))
    assert len(yielded) == len(set(yielded)), "an item came twice"
    assert set(yielded) <= start | {item for _, item in model.rows} | model.deleted
    survivors = start - model.deleted
    blind = style == "page" and any(kind == "insert_within" for step in ops[: model.requests] for kind, _ in step)
    if last.complete and not blind:
        assert survivors <= set(yielded), f"claimed complete but missed {sorted(survivors - set(yielded))}"
    inserts = any(kind != "delete" for step in ops[: model.requests] for kind, _ in step)
    if not inserts and not (odd_total and style == "page"):
        assert last.complete, last.incomplete_reasons


@pytest.mark.parametrize("served", [1, 3, 4])
async def test_a_server_that_serves_its_own_page_size_is_followed(served: int) -> None:
    """Pages of `served` whatever limit=2 asks (and said in `limit`): every item once, page numbers in its size."""
    items = [f"item{n}" for n in range(11)]
    asked: list[tuple[int, int]] = []

    async def fetch(*, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        asked.append((page or 1, limit))
        start = ((page or 1) - 1) * served
        chunk = items[start : start + served]
        return Page(items=chunk, page=page or 1, limit=served, total=len(items), has_more=start + served < len(items))

    iterator = PageIterator(fetch, lambda item: item, limit=2)
    assert [item async for item in iterator] == items
    assert (iterator.stop_reason, iterator.complete) == ("exhausted", True)
    assert [page for page, _ in asked] == list(range(1, len(items) // served + 1 + (len(items) % served > 0)))


async def test_list_serves_one_page_in_either_style(server: FlickServer, client: AsyncFlick) -> None:
    """`list()` gives the first page in both styles; pages after it by number or by `cursor=`, as the server pages."""
    expected = [review["id"] for review in server.reviews(DEMO_API_KEY)]
    first = await client.reviews.list(limit=4)
    assert [review.id for review in first] == expected[:4]
    assert first.style == server.paging.style
    if server.paging.style == "page":
        second = await client.reviews.list(page=2, limit=4)
        assert (second.page, second.next_cursor, first.next_page) == (2, None, 2)
    else:
        assert (first.page, first.next_page, first.has_more) == (None, None, True)
        assert first.next_cursor is not None
        second = await client.reviews.list(cursor=first.next_cursor, limit=4)
        with pytest.raises(ValidationError, match="page: this server pages by cursor"):
            await client.reviews.list(page=2, limit=4)
    assert [review.id for review in second] == expected[4:8]
    with pytest.raises(ValidationError, match="cursor: must be a non-empty string"):
        await client.reviews.list(cursor="")


# -- fuzz: whatever the list envelope holds, iter() yields items or raises a FlickError -------------

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
_ENVELOPE_FIELDS = ("data", "page", "limit", "total", "has_more", "next_cursor")


@st.composite
def _envelopes(draw: st.DrawFn) -> dict[str, object]:
    count = draw(st.integers(0, 3))
    body: dict[str, object] = {
        "data": [review_json(f"rev_{draw(st.integers(0, 20))}") for _ in range(count)],
        "page": draw(st.integers(1, 5)),
        "limit": draw(st.integers(1, 4)),
        "total": draw(st.integers(0, 12)),
        "has_more": draw(st.booleans()),
    }
    if draw(st.booleans()):  # cursor style
        del body["page"], body["has_more"]
        body["next_cursor"] = draw(st.none() | st.sampled_from(["c1", "c2", "c3"]))
    for field in draw(st.lists(st.sampled_from(_ENVELOPE_FIELDS), max_size=2, unique=True)):
        if draw(st.booleans()):
            body.pop(field, None)
        else:
            body[field] = draw(_JSON)
    return body


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=st.lists(_envelopes(), min_size=1, max_size=8))
def test_fuzz_any_list_envelope_yields_items_or_a_flick_error(answers: list[dict[str, object]]) -> None:
    """Random page and cursor envelopes (odd totals, limits, pages, cursors, missing fields): iter()
    ends normally or with a FlickError, and resume tokens of the cut walk are accepted back."""
    sent = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=next(sent, answers[-1]))

    async def walk() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        async with http, AsyncFlick(MOCK_KEY, base_url=MOCK_BASE_URL, http_client=http, throttle=False) as flick:
            pages = flick.reviews.iter(limit=4, max_items=30)
            try:
                ids = [review.id async for review in pages]
            except FlickError:
                return
            assert len(ids) == len(set(ids))
            if pages.resume_token is not None:
                flick.reviews.iter(resume=pages.resume_token)

    logging.disable(logging.WARNING)
    try:
        asyncio.run(walk())
    finally:
        logging.disable(logging.NOTSET)
