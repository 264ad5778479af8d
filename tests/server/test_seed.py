"""The demo account: a realistic, deterministic history picked from whatever catalog is loaded."""

from __future__ import annotations

import httpx

from flick_async.testing import DEMO_API_KEY, Catalog, FakeClock, FlickServer, Title

from .conftest import START


def test_demo_history_covers_every_kind_of_data(server: FlickServer) -> None:
    """Reviews of all four media types from app and import, a watchlist, a ranked and an unranked list."""
    reviews = server.reviews(DEMO_API_KEY)
    assert {r["media"]["type"] for r in reviews} == {"movie", "tv", "tv_season", "tv_episode"}
    assert {r["source"] for r in reviews} == {"app", "import"}
    assert any(r["rating"] is None for r in reviews)
    assert all(r["watched_date"] <= "2026-06-12" for r in reviews)
    assert server.watchlist(DEMO_API_KEY)
    assert sorted(x["ranked"] for x in server.lists(DEMO_API_KEY)) == [False, True]
    assert server.profile(DEMO_API_KEY)["pro"] is True


def test_wanted_titles_are_looked_up_by_name(server: FlickServer) -> None:
    """Titles the crafted catalog has (Parasite, Spirited Away, Breaking Bad's pilot) are in the history."""
    reviewed = {(r["media"]["title"], r["media"]["type"]) for r in server.reviews(DEMO_API_KEY)}
    assert {("Parasite", "movie"), ("Spirited Away", "movie"), ("Breaking Bad", "tv"), ("Pilot", "tv_episode")} <= (
        reviewed
    )


def test_seeding_is_deterministic(catalog: Catalog) -> None:
    """Two servers on the same catalog and start time seed identical data."""
    first = FlickServer(catalog=catalog, clock=FakeClock(start=START))
    second = FlickServer(catalog=catalog, clock=FakeClock(start=START))
    assert first.reviews(DEMO_API_KEY) == second.reviews(DEMO_API_KEY)
    assert first.lists(DEMO_API_KEY) == second.lists(DEMO_API_KEY)


def test_missing_titles_fall_back_to_the_catalog() -> None:
    """A catalog with none of the wanted titles still yields a history, from its own titles."""
    catalog = Catalog(
        [Title(str(i), "movie", f"Obscure Film {i}", 1990 + i) for i in range(30)]
        + [Title("900", "tv", "Obscure Show", 2010)],
        [("900", 1, 1, "Opening")],
    )
    server = FlickServer(catalog=catalog, clock=FakeClock(start=START))
    reviews = server.reviews(DEMO_API_KEY)
    assert {r["media"]["type"] for r in reviews} == {"movie", "tv", "tv_season", "tv_episode"}
    assert len(server.watchlist(DEMO_API_KEY)) > 0


async def test_empty_catalog_gives_an_empty_but_working_demo() -> None:
    """With no titles the demo account exists, with nothing in it."""
    server = FlickServer(catalog=Catalog(), clock=FakeClock(start=START))
    async with httpx.AsyncClient(transport=server.transport(), base_url=server.base_url) as http:
        me = (await http.get("/me", headers={"X-API-Key": DEMO_API_KEY})).json()
    assert me["stats"] == {"reviews": 0, "watchlist": 0, "lists": 0}


def test_demo_can_be_left_out(catalog: Catalog) -> None:
    """demo=False creates no account at all."""
    server = FlickServer(catalog=catalog, demo=False)
    assert server.demo_account is None
    assert server.add_account().username == "user1"


def test_builtin_demo_is_rich() -> None:
    """On the shipped catalog the demo has every media type, all wanted shows' episodes resolved."""
    server = FlickServer()
    types = [r["media"]["type"] for r in server.reviews(DEMO_API_KEY)]
    assert {"movie", "tv", "tv_season", "tv_episode"} == set(types)
    assert len(types) >= 15
