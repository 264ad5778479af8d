"""Pagination exactly as the reference: data/page/limit/total/has_more, newest first, ranked lists in rank order."""

from __future__ import annotations

import httpx
import pytest

from flick_async.testing import Catalog, FakeClock, FlickServer

from .conftest import START, client_for


@pytest.fixture
def account_server(catalog: Catalog, clock: FakeClock) -> tuple[FlickServer, str]:
    """A server with no demo account and one account holding 7 reviews, 3 watchlist entries, 2 lists."""
    server = FlickServer(catalog=catalog, clock=clock, demo=False)
    account = server.add_account("alice")
    ids = ["129", "238", "240", "194", "11", "278", "13"]
    for i, tmdb_id in enumerate(ids):
        server.add_review(account, tmdb_id=tmdb_id, rating=i, created_at=START - 1000 + i)
    for i, tmdb_id in enumerate(["550", "27205", "14160"]):
        server.add_to_watchlist(account, tmdb_id=tmdb_id, added_at=START - 100 + i)
    server.add_list(account, "Ranked", [("238", "movie"), ("240", "movie", "better?"), ("1396", "tv")], ranked=True)
    server.add_list(account, "Loose", [("129", "movie")], created_at=START - 5)
    assert account.api_key is not None
    return server, account.api_key


async def test_reviews_are_paged_newest_first(account_server: tuple[FlickServer, str]) -> None:
    """Pages of 3 over 7 reviews: the right slices, total 7, has_more until the last page."""
    server, key = account_server
    async with client_for(server, key) as http:
        pages = [(await http.get(f"/me/reviews?page={p}&limit=3")).json() for p in (1, 2, 3, 4)]
    assert [[r["media"]["tmdb_id"] for r in page["data"]] for page in pages] == [
        ["13", "278", "11"],
        ["194", "240", "238"],
        ["129"],
        [],
    ]
    assert [{k: v for k, v in page.items() if k != "data"} for page in pages] == [
        {"page": 1, "limit": 3, "total": 7, "has_more": True},
        {"page": 2, "limit": 3, "total": 7, "has_more": True},
        {"page": 3, "limit": 3, "total": 7, "has_more": False},
        {"page": 4, "limit": 3, "total": 7, "has_more": False},
    ]


async def test_defaults_are_page_1_limit_50(account_server: tuple[FlickServer, str]) -> None:
    """Without parameters a list endpoint serves page 1 with limit 50."""
    server, key = account_server
    async with client_for(server, key) as http:
        body = (await http.get("/me/reviews")).json()
    assert (body["page"], body["limit"], body["total"], body["has_more"], len(body["data"])) == (1, 50, 7, False, 7)


async def test_exact_fit_has_no_more(account_server: tuple[FlickServer, str]) -> None:
    """has_more is false when the page ends exactly at the last item."""
    server, key = account_server
    async with client_for(server, key) as http:
        body = (await http.get("/me/reviews?limit=7")).json()
    assert (len(body["data"]), body["has_more"]) == (7, False)


async def test_watchlist_is_most_recently_added_first(account_server: tuple[FlickServer, str]) -> None:
    """The watchlist lists the latest addition first, with added_at."""
    server, key = account_server
    async with client_for(server, key) as http:
        body = (await http.get("/me/watchlist?limit=2")).json()
    assert [(i["media"]["tmdb_id"], i["added_at"]) for i in body["data"]] == [
        ("14160", "2026-06-12T11:58:22Z"),
        ("27205", "2026-06-12T11:58:21Z"),
    ]
    assert (body["total"], body["has_more"]) == (3, True)


async def test_lists_and_their_items(account_server: tuple[FlickServer, str]) -> None:
    """GET /me/lists lists custom lists only; a ranked list's items come in rank order with ranks."""
    server, key = account_server
    async with client_for(server, key) as http:
        lists = (await http.get("/me/lists")).json()
        ranked_id = next(x["id"] for x in lists["data"] if x["ranked"])
        loose_id = next(x["id"] for x in lists["data"] if not x["ranked"])
        ranked = (await http.get(f"/me/lists/{ranked_id}/items")).json()
        page2 = (await http.get(f"/me/lists/{ranked_id}/items?page=2&limit=2")).json()
        loose = (await http.get(f"/me/lists/{loose_id}/items")).json()
    assert [(x["name"], x["ranked"], x["item_count"], x["description"]) for x in lists["data"]] == [
        ("Ranked", True, 3, None),
        ("Loose", False, 1, None),
    ]
    assert [(i["media"]["tmdb_id"], i["media"]["type"], i["rank"], i["note"]) for i in ranked["data"]] == [
        ("238", "movie", 1, None),
        ("240", "movie", 2, "better?"),
        ("1396", "tv", 3, None),
    ]
    assert [(i["rank"], page2["total"], page2["has_more"]) for i in page2["data"]] == [(3, 3, False)]
    assert [(i["media"]["tmdb_id"], i["rank"]) for i in loose["data"]] == [("129", None)]


async def test_demo_account_pages_through_everything(server: FlickServer, http: httpx.AsyncClient) -> None:
    """Walking every page of the demo's reviews yields each stored review exactly once, in order."""
    seen = []
    page = 1
    while True:
        body = (await http.get(f"/me/reviews?page={page}&limit=4")).json()
        seen += body["data"]
        if not body["has_more"]:
            break
        page += 1
    assert seen == server.reviews("flick_sk_demo_0123456789abcdef")
