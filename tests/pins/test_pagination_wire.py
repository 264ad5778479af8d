"""What a page walk sends on the wire, and the resume tokens a user stores.

tests/facade/test_pagination.py proves the walk yields every item once whatever the list does;
these pin what that costs and what survives a process: the exact requests after a deletion
(one re-read, not a page), a clamp that tightens mid-walk, how far `has_more` is followed past a
stale total, and resume tokens written by this version of the SDK (a user stores them: a later
run of the same version must resume from them exactly, and a change of their format must come
with a new token version, not silently repeat items).
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flick_async import Page, PageIterator, ValidationError

SCOPE, OWNER = "/me/reviews", "0123456789ab"
ITEMS = [f"item{n}" for n in range(7, 0, -1)]  # newest first


class OffsetList:
    """A page-style list in memory: logs every request, serves `limit` capped by `clamp`."""

    def __init__(self, items: list[str]) -> None:
        self.items = list(items)
        self.requests: list[tuple[int | None, int]] = []
        self.clamp: int | None = None
        self.total_lag = 0  # how many items the reported total lags the list by
        self.before: dict[int, list[int]] = {}  # request number -> indices deleted before it

    async def fetch(self, *, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        assert cursor is None
        for index in self.before.get(len(self.requests), []):
            del self.items[index]
        self.requests.append((page, limit))
        assert len(self.requests) < 100, "paged forever"
        size = min(limit, self.clamp) if self.clamp else limit
        start = ((page or 1) - 1) * size
        return Page(
            items=self.items[start : start + size],
            page=page or 1,
            limit=size,
            total=len(self.items) - self.total_lag,
            has_more=start + size < len(self.items),
        )

    def walk(self, limit: int, *, max_items: int | None = None, resume: str | None = None) -> PageIterator[str]:
        return PageIterator(self.fetch, str, limit=limit, scope=SCOPE, owner=OWNER, max_items=max_items, resume=resume)


class CursorList:
    """A cursor-style list in memory: the cursor is the offset of the next item."""

    def __init__(self, items: list[str]) -> None:
        self.items = list(items)
        self.requests: list[tuple[str | None, int]] = []

    async def fetch(self, *, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        # A page number is not a parameter of a cursor server: it is ignored (the first page served).
        self.requests.append((cursor if page is None else f"page={page}", limit))
        start = int(cursor or 0)
        following = str(start + limit) if start + limit < len(self.items) else None
        chunk = self.items[start : start + limit]
        return Page(
            items=chunk, page=None, limit=limit, total=None, has_more=following is not None, next_cursor=following
        )

    def walk(self, limit: int, *, max_items: int | None = None, resume: str | None = None) -> PageIterator[str]:
        return PageIterator(self.fetch, str, limit=limit, scope=SCOPE, owner=OWNER, max_items=max_items, resume=resume)


# -- the requests a walk sends ------------------------------------------------------------------


async def test_an_unchanged_list_is_walked_in_one_request_per_page() -> None:
    """30 items by 10: the first page in no style, then pages 2 and 3 by number, at the asked size."""
    feed = OffsetList([f"i{n}" for n in range(30)])
    pages = feed.walk(10)
    assert [item async for item in pages] == feed.items
    assert feed.requests == [(None, 10), (2, 10), (3, 10)]
    assert (pages.pages_fetched, pages.boundary_rereads, pages.duplicates_skipped, pages.complete) == (3, 0, 0, True)


async def test_a_deletion_behind_the_walk_costs_one_request_that_rereads_one_item() -> None:
    """One yielded item deleted after page 1 (total 30 → 29): page 2 would now start one item past the
    frontier, so it is refused and the boundary re-read with limit 8 from offset 8 — one item already
    seen (the anchor that proves nothing before it moved further), then new ones — not the whole
    first page again. The walk goes on in pages of 8 (they reach further than 10 from offset 16 and
    24) and yields every item once."""
    feed = OffsetList([f"i{n}" for n in range(30)])
    feed.before = {1: [3]}
    pages = feed.walk(10)
    items = [item async for item in pages]
    assert items == [f"i{n}" for n in range(30)]
    assert feed.requests == [(None, 10), (2, 10), (2, 8), (3, 8), (4, 8)]
    assert (pages.boundary_rereads, pages.duplicates_skipped, pages.complete) == (1, 1, True)


async def test_a_walk_says_at_debug_why_it_rereads(caplog: pytest.LogCaptureFixture) -> None:
    """What a user sees with DEBUG logging on when a walk pays extra requests: the shrink and where the
    walk re-reads from."""
    caplog.set_level(logging.DEBUG, logger="flick_async")
    feed = OffsetList([f"i{n}" for n in range(30)])
    feed.before = {1: [3]}
    assert len([item async for item in feed.walk(10)]) == 30
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("flick_async", logging.DEBUG, "the list shrank by 1 between pages; re-reading up to offset 9")
    ]


async def test_a_shift_larger_than_the_total_says_is_found_by_stepping_back(caplog: pytest.LogCaptureFixture) -> None:
    """Three yielded items deleted and two arrivals past the frontier: the total drops by 1, the list by
    3 at the boundary. A re-read page that overlaps the walk but holds nothing seen proves the list
    moved further: the walk steps back (a request each) until a page holds a seen item, and i10, pulled
    back across the boundary, is not lost; then it pages by 10 again."""
    caplog.set_level(logging.DEBUG, logger="flick_async")
    feed = OffsetList([f"i{n}" for n in range(30)])
    original = list(feed.items)

    def shift() -> None:
        del feed.items[0:3]
        feed.items[20:20] = ["new1", "new2"]

    pages = feed.walk(10)
    items = [await anext(pages) for _ in range(10)]
    shift()
    items += [item async for item in pages]
    assert sorted(items) == sorted([*original, "new1", "new2"])
    assert feed.requests == [(None, 10), (2, 10), (2, 8), (2, 7), (2, 6), (2, 10), (3, 10)]
    assert (pages.boundary_rereads, pages.duplicates_skipped, pages.complete) == (3, 3, True)
    assert [r.getMessage() for r in caplog.records] == [
        "the list shrank by 1 between pages; re-reading up to offset 9",
        "page 2 overlaps the walk but holds nothing seen; stepping back",
        "page 2 overlaps the walk but holds nothing seen; stepping back",
    ]


async def test_a_reread_of_the_first_page_needs_no_seen_item() -> None:
    """Every yielded item deleted: the re-read lands on page 1, which holds nothing seen, and that is no
    reason to step back — nothing lies before offset 0 — so one extra request, and nothing repeated."""
    feed = OffsetList([f"i{n}" for n in range(12)])
    pages = feed.walk(4)
    items = [await anext(pages) for _ in range(4)]
    del feed.items[0:4]
    feed.items[4:4] = ["new1", "new2"]
    items += [item async for item in pages]
    assert items == [f"i{n}" for n in range(8)] + ["new1", "new2"] + [f"i{n}" for n in range(8, 12)]
    assert feed.requests == [(None, 4), (2, 4), (1, 4), (2, 4), (3, 4)]
    assert (pages.boundary_rereads, pages.duplicates_skipped, pages.complete) == (1, 0, True)


async def test_a_deletion_found_on_page_3_rereads_with_limit_9() -> None:
    """The same deletion seen one page later (frontier 20 → 19): the page ending nearest past it is
    page 3 of 9 (offsets 18–26), so again one request and one repeat."""
    feed = OffsetList([f"i{n}" for n in range(30)])
    feed.before = {2: [3]}
    pages = feed.walk(10)
    assert [item async for item in pages] == [f"i{n}" for n in range(30)]
    assert feed.requests == [(None, 10), (2, 10), (3, 10), (3, 9), (4, 9)]
    assert (pages.boundary_rereads, pages.duplicates_skipped, pages.complete) == (1, 1, True)


async def test_a_clamp_that_tightens_mid_walk_loses_nothing() -> None:
    """A server serving 100 a page, then only 50 (load shedding) and saying so in `limit`: page 2 of 50
    holds items 50–99, already yielded, so the walk must count pages in the new size from there on."""
    feed = OffsetList([f"i{n}" for n in range(250)])
    pages = feed.walk(100)
    assert await anext(pages) == "i0"
    feed.clamp = 50
    items = ["i0", *[item async for item in pages]]
    assert items == feed.items
    assert feed.requests == [(None, 100), (2, 100), (3, 50), (4, 50), (5, 50)]
    assert (pages.duplicates_skipped, pages.complete) == (50, True)


@pytest.mark.parametrize("lag", [0, 1, 2, 3, 4])
async def test_has_more_is_followed_past_a_total_that_lags(lag: int) -> None:
    """A count that lags the list (a cached total; arrivals it has not seen) by up to two pages: the walk
    trusts `has_more` and reaches the end, complete."""
    feed = OffsetList([f"i{n}" for n in range(4 + lag)])
    feed.total_lag = lag
    pages = feed.walk(2)
    assert [item async for item in pages] == feed.items
    assert (pages.stop_reason, pages.complete) == ("exhausted", True)


async def test_has_more_past_the_slack_stops_the_walk_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    """A total of 4 while `has_more` goes on past offset 8 (4 + two pages of 2): pages keep coming past
    the server's own count, so the walk stops there rather than page forever, incomplete, and warns."""
    feed = OffsetList([f"i{n}" for n in range(9)])
    feed.total_lag = 5
    pages = feed.walk(2)
    assert [item async for item in pages] == feed.items[:8]
    assert (pages.stop_reason, pages.complete, len(feed.requests)) == ("page_bound", False, 4)
    assert pages.incomplete_reasons == ["it stopped early (page_bound)"]
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "stopped paging at page 5: the server kept reporting has_more past its total of 4")
    ]


# -- resume tokens a user stored ----------------------------------------------------------------

# Made by this SDK (token version 1) after `max_items=3` of ITEMS by 2, scope SCOPE, owner OWNER.
PAGE_TOKEN = (
    "eyJ2IjoxLCJzYyI6Ii9tZS9yZXZpZXdzIiwiayI6IjAxMjM0NTY3ODlhYiIsImwiOjIsImQiOlsid08wMmRhXzR3eUkiLCJTbFp6"
    "RGJfd2VsayIsIlduNHIyTG9kYWZNIl0sInMiOiJwYWdlIiwicCI6MiwidCI6N30"
)
CURSOR_TOKEN = (
    "eyJ2IjoxLCJzYyI6Ii9tZS9yZXZpZXdzIiwiayI6IjAxMjM0NTY3ODlhYiIsImwiOjIsImQiOlsid08wMmRhXzR3eUkiLCJTbFp6"
    "RGJfd2VsayIsIlduNHIyTG9kYWZNIl0sInMiOiJjdXJzb3IiLCJjIjoiMiJ9"
)


@pytest.mark.parametrize(
    ("make", "token"), [(OffsetList, PAGE_TOKEN), (CursorList, CURSOR_TOKEN)], ids=["page", "cursor"]
)
async def test_a_token_has_a_stable_format(make: type[OffsetList | CursorList], token: str) -> None:
    """The same walk cut at the same place gives the same token, byte for byte: its digests of the
    items walked (blake2b, 8 bytes, base64url unpadded) are what a stored token is checked against."""
    first = make(ITEMS).walk(2, max_items=3)
    assert [item async for item in first] == ITEMS[:3]
    assert first.resume_token == token


async def test_a_stored_page_token_resumes_at_its_page_repeating_nothing() -> None:
    """Cut mid-page 2 after three items: the resumed walk asks for page 2 first (not page 1 again), skips
    item5 (walked before the cut, known only by its digest) and yields the rest once."""
    feed = OffsetList(ITEMS)
    pages = feed.walk(2, resume=PAGE_TOKEN)
    assert (pages.style, pages.next_page, pages.pages_fetched) == ("page", 2, 0)
    assert [item async for item in pages] == ITEMS[3:]
    assert feed.requests == [(2, 2), (3, 2), (4, 2)]
    assert (pages.duplicates_skipped, pages.complete) == (1, True)


async def test_a_stored_cursor_token_resends_the_cursor_of_the_page_it_was_cut_in() -> None:
    """Cut mid-way through the page fetched with cursor "2": the resumed walk sends that cursor first,
    skips the item walked before the cut and yields the rest once."""
    feed = CursorList(ITEMS)
    pages = feed.walk(2, resume=CURSOR_TOKEN)
    assert pages.style == "cursor"
    assert [item async for item in pages] == ITEMS[3:]
    assert feed.requests == [("2", 2), ("4", 2), ("6", 2)]
    assert (pages.duplicates_skipped, pages.complete) == (1, True)


async def test_a_walk_cut_on_a_page_boundary_resumes_on_the_next_page() -> None:
    """Cut after four items (the end of page 2): the token resumes at page 3 with nothing to skip."""
    feed = OffsetList(ITEMS)
    first = feed.walk(2, max_items=4)
    assert [item async for item in first] == ITEMS[:4]
    second_feed = OffsetList(ITEMS)
    second = second_feed.walk(2, resume=first.resume_token)
    assert [item async for item in second] == ITEMS[4:]
    assert (second_feed.requests, second.duplicates_skipped) == ([(3, 2), (4, 2)], 0)


@pytest.mark.parametrize(
    ("scope", "owner", "token", "rule"),
    [
        (SCOPE, OWNER, "garbled!", "is not a resume token of this SDK (iterator.resume_token)"),
        ("/me/watchlist", OWNER, PAGE_TOKEN, "is the token of another list ('/me/reviews')"),
        (SCOPE, "fedcba987654", PAGE_TOKEN, "is the token of a walk under another API key"),
    ],
    ids=["not-a-token", "another-list", "another-key"],
)
def test_a_refused_token_is_named_in_the_error(scope: str, owner: str, token: str, rule: str) -> None:
    """Each refusal says why (the other list by name) and carries the token given as `value`, so a user
    holding many stored tokens can tell which one was refused."""
    with pytest.raises(ValidationError) as caught:
        PageIterator(OffsetList(ITEMS).fetch, str, limit=2, scope=scope, owner=owner, resume=token)
    assert (caught.value.field, caught.value.rule, caught.value.value) == ("resume", rule, token)


# -- the cost of deletions, across many lists -----------------------------------------------------


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(1, 80),
    limit=st.integers(1, 12),
    deletions=st.lists(st.lists(st.floats(0, 1, exclude_max=True), max_size=3), max_size=20),
)
def test_deletions_behind_the_walk_cost_a_bounded_number_of_half_size_or_larger_requests(
    size: int, limit: int, deletions: list[list[float]]
) -> None:
    """Yielded items deleted at page boundaries (honest totals): every item still comes once and the walk
    ends complete; every request asks for between half the page size and the page size (a re-read is
    a slightly smaller page, never a trickle of tiny ones); each boundary with a shrink costs at most
    two re-reads, and nothing else is fetched twice."""
    feed = OffsetList([f"i{n}" for n in range(size)])
    yielded: list[str] = []
    shrinks = 0

    async def walk() -> PageIterator[str]:
        nonlocal shrinks
        pages = feed.walk(limit)
        boundary = 0
        async for item in pages:
            yielded.append(item)
            if len(yielded) % limit == 0 and boundary < len(deletions):
                behind = [i for i in feed.items if i in set(yielded)]
                for where in deletions[boundary]:
                    if behind:
                        feed.items.remove(behind.pop(int(where * len(behind))))
                        shrinks += 1
                boundary += 1
        return pages

    pages = asyncio.run(walk())
    assert len(yielded) == len(set(yielded)) == size
    assert (pages.stop_reason, pages.complete) == ("exhausted", True), pages.incomplete_reasons
    assert all(max(1, limit // 2) <= asked <= limit for _, asked in feed.requests), feed.requests
    assert pages.boundary_rereads <= 2 * shrinks
    assert len(feed.requests) <= -(-size // max(1, limit // 2)) + 3 * shrinks + 1


async def test_deletions_at_every_boundary_do_not_shrink_the_walks_pages() -> None:
    """100 items by 20, one yielded item deleted at each of the first six boundaries. Each re-read asks
    for a slightly smaller page, and the server serving that smaller page is no clamp: the walk kept
    each re-read's size as its own and trickled down page by page (24 requests for 200 items); now the
    six shrinks cost four re-reads and pages stay within a few items of 20."""
    feed = OffsetList([f"i{n}" for n in range(100)])
    pages = feed.walk(20)
    yielded: list[str] = []
    async for item in pages:
        yielded.append(item)
        if len(yielded) % 20 == 0 and len(yielded) <= 120:
            feed.items.remove(f"i{len(yielded) - 15}")
    assert sorted(yielded) == sorted(f"i{n}" for n in range(100))
    assert min(asked for _, asked in feed.requests) >= 17
    assert (len(feed.requests), pages.boundary_rereads, pages.complete) == (11, 4, True)


# -- what a walk says when it stops ----------------------------------------------------------------


@pytest.mark.parametrize("make", [OffsetList, CursorList], ids=["page", "cursor"])
async def test_a_walk_cut_by_max_items_warns_nothing(
    make: type[OffsetList | CursorList], caplog: pytest.LogCaptureFixture
) -> None:
    """Stopping at `max_items` is the caller's choice, not a doubt about the list: not complete (it can be
    resumed), and no warning."""
    caplog.set_level(logging.WARNING, logger="flick_async")
    pages = make(ITEMS).walk(2, max_items=3)
    assert [item async for item in pages] == ITEMS[:3]
    assert (pages.stop_reason, pages.complete) == ("max_items", False)
    assert caplog.records == []


async def test_an_empty_cursor_page_that_claims_more_stops_the_walk_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A cursor page with no items and a next_cursor: the walk stops rather than follow cursors that
    bring nothing, and the warning names the cursor style's claim."""

    async def fetch(*, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        items = ["a", "b"] if cursor is None else []
        return Page(items=items, page=None, limit=limit, total=None, has_more=True, next_cursor=f"after-{cursor}")

    pages = PageIterator(fetch, str, limit=2)
    assert [item async for item in pages] == ["a", "b"]
    assert (pages.stop_reason, pages.complete, pages.pages_fetched) == ("empty_page", False, 2)
    assert [r.getMessage() for r in caplog.records] == [
        "stopped paging at a cursor page: an empty page claimed a next_cursor"
    ]


async def test_a_total_that_drops_at_every_request_cannot_keep_the_walk_going(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """100 items that stay put, a total that drops by one at every request and `has_more` always true
    (a count that lags deletions elsewhere, on a server that never says the end): each drop sent the
    walk back to re-read the items it had, the re-read moved its frontier on, the next drop moved it
    back — it paged forever. Re-reads that bring nothing new are bounded: the walk stops, incomplete,
    and says why."""
    items = [f"i{n}" for n in range(100)]
    requests: list[tuple[int | None, int]] = []

    async def fetch(*, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        requests.append((page, limit))
        assert len(requests) < 200, "paged forever"
        start = ((page or 1) - 1) * limit
        return Page(
            items=items[start : start + limit], page=page or 1, limit=limit, total=1000 - len(requests), has_more=True
        )

    pages = PageIterator(fetch, str, limit=10)
    assert [item async for item in pages] == items
    assert (pages.stop_reason, pages.complete) == ("page_bound", False)
    reason = "the boundary could not be re-read: pages did not start where the walk asked"
    assert pages.incomplete_reasons == ["it stopped early (page_bound)", reason]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        f"stopped paging at page {pages.next_page}: the server kept reporting has_more past its total of 999 ({reason})"
    ]


_NO_TOTAL = "a page came without a usable total, so a deletion between pages could not be detected"


async def test_a_server_that_ignores_page_numbers_is_stopped_with_its_reasons(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Page 1 whatever page is asked, no total: three pages in a row bring nothing new, and the warning
    says so, with what else the walk could not show."""

    async def fetch(*, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        return Page(items=["a", "b"], page=page or 1, limit=limit, total=None, has_more=True)

    pages = PageIterator(fetch, str, limit=2)
    assert [item async for item in pages] == ["a", "b"]
    assert pages.incomplete_reasons == ["it stopped early (page_bound)", _NO_TOTAL]
    assert [r.getMessage() for r in caplog.records] == [
        f"stopped paging at page 5: 3 pages in a row brought nothing new ({_NO_TOTAL})"
    ]


async def test_every_doubt_is_named_in_the_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    """A page without a total, then a last page that ends short of the total counted: the walk ended on
    the server's own "no more", yet is not complete, and its one warning lists both reasons."""

    async def fetch(*, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        if (page or 1) == 1:
            return Page(items=["a", "b"], page=1, limit=2, total=None, has_more=True)
        return Page(items=["c"], page=2, limit=2, total=9, has_more=False)

    pages = PageIterator(fetch, str, limit=2)
    assert [item async for item in pages] == ["a", "b", "c"]
    short = "the last page ended at item 3 of the 9 the server counted"
    assert (pages.stop_reason, pages.complete, pages.incomplete_reasons) == ("exhausted", False, [_NO_TOTAL, short])
    assert [r.getMessage() for r in caplog.records] == [
        f"the walk ended but cannot show it got every item ({_NO_TOTAL}; {short})"
    ]


async def test_a_page_token_used_on_a_server_that_now_pages_by_cursor_is_refused() -> None:
    """The API moving to cursors between two sessions: a stored page-style token cannot be applied to
    cursor pages, so the resumed walk stops at its first answer and says to start a new one."""
    feed = CursorList(ITEMS)
    pages = feed.walk(2, resume=PAGE_TOKEN)
    with pytest.raises(ValidationError) as caught:
        await anext(pages)
    assert feed.requests == [("page=2", 2)]
    assert (caught.value.field, caught.value.rule) == (
        "resume",
        "this walk pages by page but the server now answers by cursor; start a new walk",
    )


@pytest.mark.parametrize("max_items", [True, 2.0, -1, "3"], ids=["bool", "float", "negative", "string"])
def test_max_items_that_is_no_count_is_refused_naming_it(max_items: object) -> None:
    """`max_items` must be a non-negative integer (or None): anything else is refused before any request,
    with the rule and the value given."""
    with pytest.raises(ValidationError) as caught:
        PageIterator(OffsetList(ITEMS).fetch, str, limit=2, max_items=max_items)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule, caught.value.value) == (
        "max_items",
        "must be a non-negative integer or None",
        max_items,
    )


def test_resume_beside_start_page_is_refused_with_the_token() -> None:
    """Two places to start from: refused, naming `resume` and carrying the token given."""
    with pytest.raises(ValidationError) as caught:
        PageIterator(OffsetList(ITEMS).fetch, str, limit=2, start_page=2, resume=PAGE_TOKEN, scope=SCOPE, owner=OWNER)
    assert (caught.value.field, caught.value.rule, caught.value.value) == (
        "resume",
        "pass resume= or start_page=, not both",
        PAGE_TOKEN,
    )
