"""Pagination exactly as the reference: data/page/limit/total/has_more, newest first, ranked lists in rank order."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from flick_async.testing import DEMO_API_KEY, Catalog, DeleteServed, FakeClock, FlickServer, InsertFirst, OddTotal

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


# -- the paging knobs: clamping, mutations between pages, odd totals, cursors ----------------------


async def test_a_clamping_server_serves_fewer_and_says_so(account_server: tuple[FlickServer, str]) -> None:
    """With `max_page_size`, `limit` is capped and the answer's `limit` is the cap, so pages follow it."""
    server, key = account_server
    server.paging.max_limit = 3
    async with client_for(server, key) as http:
        first = (await http.get("/me/reviews?page=1&limit=100")).json()
        second = (await http.get("/me/reviews?page=2&limit=100")).json()
    assert [r["media"]["tmdb_id"] for r in first["data"]] == ["13", "278", "11"]
    assert [r["media"]["tmdb_id"] for r in second["data"]] == ["194", "240", "238"]
    assert {k: v for k, v in first.items() if k != "data"} == {"page": 1, "limit": 3, "total": 7, "has_more": True}


def test_max_page_size_is_a_constructor_option(catalog: Catalog, clock: FakeClock) -> None:
    """`FlickServer(max_page_size=…, pagination=…)` set the knobs; bad values are refused."""
    server = FlickServer(catalog=catalog, clock=clock, demo=False, max_page_size=7, pagination="cursor")
    assert (server.paging.max_limit, server.paging.style) == (7, "cursor")
    with pytest.raises(ValueError, match="pagination is 'page' or 'cursor'"):
        FlickServer(catalog=catalog, clock=clock, demo=False, pagination="offset")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_limit must be at least 1"):
        FlickServer(catalog=catalog, clock=clock, demo=False, max_page_size=0)


async def test_delete_served_removes_an_item_of_an_earlier_page_at_every_boundary(
    account_server: tuple[FlickServer, str],
) -> None:
    """`DeleteServed()` deletes the first item already served before each later page: the walk shifts back."""
    server, key = account_server
    server.paging.between_pages("GET /me/reviews", DeleteServed())
    async with client_for(server, key) as http:
        pages = [(await http.get(f"/me/reviews?page={p}&limit=3")).json() for p in (1, 2, 3)]
    assert [[r["media"]["tmdb_id"] for r in page["data"]] for page in pages] == [
        ["13", "278", "11"],
        ["240", "238", "129"],  # 13 was deleted: 194 moved onto page 1 and is never served
        [],  # 278 deleted too: 5 left
    ]
    assert [page["total"] for page in pages] == [7, 6, 5]
    assert [r["media"]["tmdb_id"] for r in server.reviews(key)] == ["11", "194", "240", "238", "129"]


async def test_insert_first_adds_the_newest_item_at_each_boundary(account_server: tuple[FlickServer, str]) -> None:
    """`InsertFirst()` on a newest-first list pushes items already served onto the next page."""
    server, key = account_server
    server.paging.between_pages("GET /me/watchlist", InsertFirst(), on=[1])
    async with client_for(server, key) as http:
        first = (await http.get("/me/watchlist?page=1&limit=2")).json()
        second = (await http.get("/me/watchlist?page=2&limit=2")).json()
        third = (await http.get("/me/watchlist?page=3&limit=2")).json()
    assert [i["media"]["tmdb_id"] for i in first["data"]] == ["14160", "27205"]
    assert [i["media"]["tmdb_id"] for i in second["data"]] == ["27205", "550"]  # 27205 again: shifted
    assert (second["total"], third["total"], third["data"]) == (4, 4, [])


async def test_insert_first_in_a_ranked_list_takes_rank_1(account_server: tuple[FlickServer, str]) -> None:
    """In a ranked list `InsertFirst()` inserts at rank 1 and renumbers every later item."""
    server, key = account_server
    server.paging.between_pages("GET /me/lists/{list_id}/items", InsertFirst())
    async with client_for(server, key) as http:
        ranked_id = next(x["id"] for x in (await http.get("/me/lists")).json()["data"] if x["ranked"])
        first = (await http.get(f"/me/lists/{ranked_id}/items?page=1&limit=2")).json()
        second = (await http.get(f"/me/lists/{ranked_id}/items?page=2&limit=2")).json()
    assert [(i["media"]["tmdb_id"], i["rank"]) for i in first["data"]] == [("238", 1), ("240", 2)]
    assert [(i["media"]["tmdb_id"], i["rank"]) for i in second["data"]] == [("240", 3), ("1396", 4)]  # 240 again
    assert second["total"] == 4


async def test_a_mutation_can_be_any_callable(account_server: tuple[FlickServer, str]) -> None:
    """`between_pages` takes any callable; it gets the boundary with what was served so far."""
    server, key = account_server
    seen: list[tuple[str, int]] = []
    server.paging.between_pages("*", lambda boundary: seen.append((boundary.route, len(boundary.served))))
    async with client_for(server, key) as http:
        for p in (1, 2, 3):
            await http.get(f"/me/reviews?page={p}&limit=3")
        await http.get("/me/lists?page=2&limit=1")
    assert seen == [("GET /me/reviews", 3), ("GET /me/reviews", 6), ("GET /me/lists", 0)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("3", "3"), ([3], [3]), (OddTotal.MISSING, "absent")],
    ids=["null", "string", "list", "missing"],
)
async def test_odd_total_fault_rewrites_the_total(
    account_server: tuple[FlickServer, str], value: object, expected: object
) -> None:
    """`OddTotal(value)` sends the normal page with `total` replaced (or left out)."""
    server, key = account_server
    server.faults.add("GET /me/reviews", OddTotal(value))
    async with client_for(server, key) as http:
        body = (await http.get("/me/reviews?limit=2")).json()
    assert body.get("total", "absent") == expected
    assert (len(body["data"]), body["has_more"]) == (2, True)


async def _cursor_walk(http: httpx.AsyncClient, path: str, limit: int) -> list[dict[str, Any]]:
    pages = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = (await http.get(path, params=params)).json()
        pages.append(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_cursor_style_pages_by_next_cursor(account_server: tuple[FlickServer, str]) -> None:
    """`pagination="cursor"`: `{data, limit, total, next_cursor}`, null on the last page."""
    server, key = account_server
    server.paging.style = "cursor"
    async with client_for(server, key) as http:
        pages = await _cursor_walk(http, "/me/reviews", 3)
    assert [[r["media"]["tmdb_id"] for r in page["data"]] for page in pages] == [
        ["13", "278", "11"],
        ["194", "240", "238"],
        ["129"],
    ]
    assert [sorted(page) for page in pages] == [["data", "limit", "next_cursor", "total"]] * 3
    assert pages[-1]["next_cursor"] is None


@pytest.mark.parametrize("mutation", [DeleteServed(), InsertFirst(count=2)], ids=["delete", "insert"])
async def test_cursors_are_stable_under_inserts_and_deletes(
    account_server: tuple[FlickServer, str], mutation: DeleteServed | InsertFirst
) -> None:
    """A cursor names the last item's sort key, so mutations between pages neither skip nor repeat."""
    server, key = account_server
    server.paging.style = "cursor"
    server.paging.between_pages("*", mutation)
    expected = [r["id"] for r in server.reviews(key)]
    async with client_for(server, key) as http:
        pages = await _cursor_walk(http, "/me/reviews", 2)
        ranked_id = next(x["id"] for x in (await http.get("/me/lists")).json()["data"] if x["ranked"])
        ranked = await _cursor_walk(http, f"/me/lists/{ranked_id}/items", 1)
    assert [r["id"] for page in pages for r in page["data"]] == expected
    assert [i["media"]["tmdb_id"] for page in ranked for i in page["data"]] == ["238", "240", "1396"]


async def test_a_cursor_is_bound_to_its_key_and_list(account_server: tuple[FlickServer, str]) -> None:
    """Another key's cursor, another list's cursor and an edited cursor are each a 400 naming `cursor`."""
    server, key = account_server
    server.paging.style = "cursor"
    other = server.add_account("bob")
    server.add_review(other, tmdb_id="129")
    async with client_for(server, key) as http, client_for(server, other.api_key) as bob:
        cursor = (await http.get("/me/reviews?limit=2")).json()["next_cursor"]
        answers = [
            await bob.get("/me/reviews", params={"cursor": cursor}),
            await http.get("/me/watchlist", params={"cursor": cursor}),
            await http.get("/me/reviews", params={"cursor": cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")}),
            await http.get("/me/reviews", params={"cursor": "not a cursor"}),
        ]
    assert [(a.status_code, a.json()["error"]["details"]) for a in answers] == [
        (400, {"cursor": "was issued to another API key"}),
        (400, {"cursor": "was issued for another list"}),
        (400, {"cursor": "is not a cursor this server issued"}),
        (400, {"cursor": "is not a cursor this server issued"}),
    ]


def test_serve_takes_pagination_and_max_page_size() -> None:
    """`serve --pagination cursor --max-page-size 2` serves cursor pages of 2 over a socket."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flick_async.testing", "serve", "--port", "0", "--pagination", "cursor",
         "--max-page-size", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        match = re.search(r"http://127\.0\.0\.1:\d+/api/beta", process.stdout.readline())
        assert match is not None
        headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
        for _ in range(200):  # ready when it answers
            try:
                body = httpx.get(f"{match.group(0)}/me/reviews?limit=50", headers=headers, timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.02)
        assert (len(body["data"]), body["limit"], isinstance(body["next_cursor"], str), "page" in body) == (
            2,
            2,
            True,
            False,
        )
    finally:
        process.terminate()
        process.communicate(timeout=10)
