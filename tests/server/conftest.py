"""Fixtures for the local server's tests: a small crafted catalog, a fake clock, an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from flick_async.testing import DEMO_API_KEY, Catalog, FakeClock, FlickServer

# Noon UTC on a fixed day, on a window boundary, so window arithmetic is easy to read.
START = 1_781_265_600.0  # 2026-06-12T12:00:00Z

CATALOG_CSV = """\
tmdb_id,media_type,title,year,aliases
1396,tv,Breaking Bad,2008,
1399,tv,Game of Thrones,2011,GoT
129,movie,Spirited Away,2001,Sen to Chihiro no Kamikakushi|千と千尋の神隠し
238,movie,The Godfather,1972,
240,movie,The Godfather Part II,1974,
194,movie,Amélie,2001,Le Fabuleux Destin d'Amélie Poulain
496243,movie,Parasite,2019,기생충
11,movie,Star Wars,1977,
948,movie,Halloween,1978,
424139,movie,Halloween,2018,
278,movie,The Shawshank Redemption,1994,
13,movie,Forrest Gump,1994,
550,movie,Fight Club,1999,
27205,movie,Inception,2010,
14160,movie,Up,2009,
2316,tv,The Office,2005,The Office (US)
2996,tv,The Office,2001,The Office (UK)
1396,movie,Breaking Bad Movie Night,2020,
"""

EPISODES_CSV = """\
show_tmdb_id,season_number,episode_number,title
1396,1,1,Pilot
1396,1,2,Cat's in the Bag...
1396,2,1,Seven Thirty-Seven
1399,1,1,Winter Is Coming
"""


@pytest.fixture
def catalog() -> Catalog:
    """A catalog small enough to reason about, with same-named titles, aliases and episodes."""
    return Catalog.from_csv_text(CATALOG_CSV, EPISODES_CSV)


@pytest.fixture
def clock() -> FakeClock:
    """Fake time: nothing here sleeps for real."""
    return FakeClock(start=START)


@pytest.fixture
def server(catalog: Catalog, clock: FakeClock) -> FlickServer:
    """A server on the crafted catalog and the fake clock, with the API's default limits."""
    return FlickServer(catalog=catalog, clock=clock)


@pytest.fixture
async def http(server: FlickServer) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client in process, authenticated as the demo account."""
    async with httpx.AsyncClient(
        transport=server.transport(),
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {DEMO_API_KEY}"},
    ) as client:
        yield client


def client_for(server: FlickServer, key: str | None) -> httpx.AsyncClient:
    """An httpx client in process presenting `key` (or no key)."""
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return httpx.AsyncClient(transport=server.transport(), base_url=server.base_url, headers=headers)
