"""Benchmark of the pagination walk's own cost (not a test; run it by hand).

    .venv/bin/python tests/benchmarks/bench_pagination.py [--items 200000] [--runs 5] [--quick]

Pages come from memory, so the figures are the walk's CPU per item and nothing else: the
baseline, measured in the same run, is the loop a user would write by hand (ask for the next
page number, skip ids already seen, stop on `has_more: false`). The walk does more than that
(the server's limit, the frontier, boundary re-reads, a token's tail), and this prints what it
costs. Then the requests a walk of 250 items in pages of 50 spends against the local server,
plain and with a deletion or an insertion at every page boundary, in both pagination styles.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import AsyncIterator

import anyio
import httpx

from flick_async import AsyncFlick, Page, PageIterator
from flick_async.testing import DeleteServed, FlickServer, InsertFirst
from flick_async.testing._paging import Mutation, PaginationStyle


class _Pages:
    """A list in memory, paged by number."""

    def __init__(self, items: list[str]) -> None:
        self.items = items

    async def fetch(self, *, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        number = page or 1
        start = (number - 1) * limit
        chunk = self.items[start : start + limit]
        return Page(
            items=chunk, page=number, limit=limit, total=len(self.items), has_more=start + limit < len(self.items)
        )

    async def by_hand(self, limit: int) -> AsyncIterator[str]:
        """The baseline: next page number, skip ids seen, stop on has_more false."""
        seen: set[str] = set()
        number = 1
        while True:
            page = await self.fetch(page=number, cursor=None, limit=limit)
            for item in page.items:
                if item not in seen:
                    seen.add(item)
                    yield item
            if not page.has_more:
                return
            number += 1


async def _time_walks(count: int, runs: int) -> tuple[float, float]:
    pages = _Pages([f"rev_{n:08d}" for n in range(count)])
    baseline, walk = [], []
    for _ in range(runs):
        began = time.perf_counter()
        assert len([item async for item in pages.by_hand(100)]) == count
        baseline.append(time.perf_counter() - began)
        began = time.perf_counter()
        iterator = PageIterator(pages.fetch, lambda item: item, limit=100)
        assert len([item async for item in iterator]) == count
        walk.append(time.perf_counter() - began)
    return statistics.median(baseline), statistics.median(walk)


async def _requests(style: PaginationStyle, mutation: Mutation | None) -> tuple[int, int, bool]:
    server = FlickServer(pagination=style, max_page_size=50, demo=False)
    account = server.add_account()
    assert account.api_key is not None
    for n in range(250):
        server.add_review(account, tmdb_id="27205", review=f"review {n}", created_at=1_700_000_000 + n)
    original = {review["id"] for review in server.reviews(account)}
    if mutation is not None:
        server.paging.between_pages("GET /me/reviews", mutation)
    http = httpx.AsyncClient(transport=server.transport())
    async with http, AsyncFlick(account.api_key, base_url=server.base_url, http_client=http, throttle=False) as flick:
        iterator = flick.reviews.iter()
        ids = {review.id async for review in iterator}
    survivors = original & {review["id"] for review in server.reviews(account)}
    return iterator.pages_fetched, iterator.boundary_rereads, survivors <= ids and iterator.complete


async def main(count: int, runs: int) -> None:
    logging.getLogger("flick_async").setLevel(logging.ERROR)
    baseline, walk = await _time_walks(count, runs)
    print(f"walk of {count:,} in-memory items, pages of 100, median of {runs} runs")
    print(f"  by hand (baseline)  {baseline * 1e6 / count:6.2f} µs/item")
    print(f"  PageIterator        {walk * 1e6 / count:6.2f} µs/item   {walk / baseline:.2f}× the baseline")
    print("250 reviews, pages clamped to 50, local server in process")
    styles: tuple[PaginationStyle, ...] = ("page", "cursor")
    for style in styles:
        for name, mutation in (("none", None), ("DeleteServed", DeleteServed()), ("InsertFirst", InsertFirst())):
            pages, rereads, whole = await _requests(style, mutation)
            print(f"  {style:6}  {name:12}  {pages:3} requests  {rereads:2} re-reads  every original survivor: {whole}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="20,000 items, 3 runs")
    args = parser.parse_args()
    anyio.run(main, 20_000 if args.quick else args.items, 3 if args.quick else args.runs)
