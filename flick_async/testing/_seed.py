"""The demo Pro account: a realistic history picked from whatever catalog the server has.

Titles are looked up by name and year, never by hard-coded id, so any catalog works: a wanted
title that is missing is skipped, and the gaps are filled from the catalog in its own order.
Everything is deterministic for a given catalog and start time.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from ._catalog import Title
from ._store import Account, Source

if TYPE_CHECKING:
    from ._server import FlickServer

__all__ = ["seed_demo"]

_DAY = 86_400

_MOVIES = [
    ("Parasite", 2019),
    ("Spirited Away", 2001),
    ("The Godfather", 1972),
    ("Mad Max: Fury Road", 2015),
    ("Amélie", 2001),
    ("Everything Everywhere All at Once", 2022),
    ("The Shawshank Redemption", 1994),
    ("In the Mood for Love", 2000),
    ("Get Out", 2017),
    ("Portrait of a Lady on Fire", 2019),
    ("Pulp Fiction", 1994),
    ("Arrival", 2016),
    ("Inception", 2010),
    ("Past Lives", 2023),
    ("The Grand Budapest Hotel", 2014),
    ("Dune: Part Two", 2024),
    ("Oppenheimer", 2023),
    ("Aftersun", 2022),
]
_SHOWS = [
    ("Breaking Bad", 2008),
    ("Fleabag", 2016),
    ("Succession", 2018),
    ("The Bear", 2022),
    ("Chernobyl", 2019),
]
_NOTES = [
    (9.5, "A masterpiece of tension and class.", ["favorites", "rewatch"]),
    (9.0, "Pure wonder from the first frame.", ["animation"]),
    (10.0, None, ["classic"]),
    (8.5, "Two hours of chase and not a wasted shot.", []),
    (8.0, "Sweet, odd and very Paris.", ["comfort"]),
    (9.0, "Bagels, googly eyes and a whole multiverse of feeling.", ["cried"]),
    (None, None, []),
    (9.5, "Longing, in slow motion.", ["favorites"]),
    (8.5, "Funny until it very much isn't.", ["horror"]),
    (9.0, None, ["favorites"]),
    (7.5, "Still electric.", ["rewatch"]),
    (8.0, "The heptapods got me.", ["sci-fi"]),
]
_SHOW_NOTES = [
    (10.0, "The best drama of its decade.", ["favorites"]),
    (9.0, "Short, sharp and devastating.", []),
    (8.5, None, ["binge"]),
]


def _pick(server: FlickServer, wanted: list[tuple[str, int]], kind: str, count: int) -> list[Title]:
    catalog = server.catalog
    picked: list[Title] = []
    for name, year in wanted:
        found = catalog.find(name, year=year, media_type=kind)  # type: ignore[arg-type]
        if found is not None and found not in picked:
            picked.append(found)
    for title in catalog:
        if len(picked) >= count:
            break
        if title.media_type == kind and title not in picked:
            picked.append(title)
    return picked[:count]


def seed_demo(server: FlickServer) -> Account:
    """Create the demo account (key `DEMO_API_KEY`) and its reviews, watchlist and lists."""
    from ._server import DEMO_API_KEY

    now = server.clock.time()
    account = server.add_account(
        "demo", display_name="Flick Demo", api_key=DEMO_API_KEY, avatar_url="https://avatars.flick.test/demo.png"
    )
    server.store.account(account.id).created_at = now - 400 * _DAY

    movies = _pick(server, _MOVIES, "movie", len(_NOTES) + 6)
    shows = _pick(server, _SHOWS, "tv", len(_SHOW_NOTES))
    reviewed, to_watch = movies[: len(_NOTES)], movies[len(_NOTES) :]

    def when(days_ago: float) -> tuple[float, str]:
        moment = now - days_ago * _DAY
        return moment, datetime.datetime.fromtimestamp(moment, datetime.UTC).date().isoformat()

    # (days ago, review fields); written oldest first, so that ids grow with time as in the app.
    entries: list[tuple[float, dict[str, Any]]] = []
    for i, (title, (rating, text, tags)) in enumerate(zip(reviewed, _NOTES, strict=False)):
        entries.append((300 - 20 * i, {"tmdb_id": title.tmdb_id, "rating": rating, "review": text, "tags": tags}))
    for i, (show, (rating, text, tags)) in enumerate(zip(shows, _SHOW_NOTES, strict=False)):
        fields: dict[str, Any] = {
            "tmdb_id": show.tmdb_id,
            "media_type": "tv",
            "rating": rating,
            "review": text,
            "tags": tags,
        }
        entries.append((250 - 30 * i, fields))
    episodic = next(
        (s for s in (*shows, *server.catalog) if s.media_type == "tv" and server.catalog.seasons(s.tmdb_id)), None
    )
    if episodic is not None:
        seasons = server.catalog.seasons(episodic.tmdb_id)
        season = min((n for n in seasons if n > 0), default=min(seasons))
        show_id = episodic.tmdb_id
        for j, episode in enumerate(sorted(seasons[season])[:3]):
            fields = {
                "tmdb_id": show_id,
                "media_type": "tv_episode",
                "season_number": season,
                "episode_number": episode,
                "rating": [9.0, 8.5, 9.5][j],
                "review": ["A perfect pilot.", None, "Now it's going somewhere."][j],
                "tags": ["rewatch"] if j == 0 else [],
            }
            entries.append((45 - 7 * j, fields))
        fields = {"tmdb_id": show_id, "media_type": "tv_season", "season_number": season, "rating": 9.0}
        entries.append((20, {**fields, "review": f"Season {season} holds up."}))
    entries.sort(key=lambda entry: -entry[0])
    for n, (days_ago, fields) in enumerate(entries):
        created_at, watched = when(days_ago)
        source: Source = "import" if n % 3 == 0 else "app"
        server.add_review(account, **fields, watched_date=watched, source=source, created_at=created_at)

    for i, title in enumerate(to_watch):
        server.add_to_watchlist(account, tmdb_id=title.tmdb_id, added_at=now - (60 - 8 * i) * _DAY)
    if shows:
        server.add_to_watchlist(account, tmdb_id=shows[-1].tmdb_id, media_type="tv", added_at=now - 3 * _DAY)

    by_rating = sorted(
        (t for t, note in zip(reviewed, _NOTES, strict=False) if note[0] is not None),
        key=lambda t: -float(_NOTES[reviewed.index(t)][0] or 0),
    )
    if by_rating:
        server.add_list(
            account,
            "All-time top five",
            [(t.tmdb_id, "movie") for t in by_rating[:5]],
            ranked=True,
            description="In order, and I will not be taking questions.",
            created_at=now - 90 * _DAY,
        )
    comfort: list[tuple[str, str, str | None]] = [(t.tmdb_id, "movie", "Sunday-afternoon watch") for t in reviewed[4:6]]
    comfort += [(s.tmdb_id, "tv", None) for s in shows[:1]]
    if comfort:
        server.add_list(account, "Comfort rewatches", comfort, created_at=now - 30 * _DAY)
    return account
