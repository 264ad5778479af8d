"""The demo Pro account: a realistic history picked from whatever catalog the server has.

Titles are looked up by name and year, never by hard-coded id, so any catalog works: a wanted
title that is missing is skipped, and the gaps are filled from the catalog in its own order
(with plainer notes). Everything is deterministic for a given catalog and start time.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from ._catalog import MediaKind, Title
from ._store import Account, Source

if TYPE_CHECKING:
    from ._server import FlickServer

__all__ = ["seed_demo"]

_DAY = 86_400

Note = tuple[float | None, str | None, list[str]]  # rating, review text, tags

# Reviewed films, each with its own note.
_FILMS: list[tuple[str, int, Note]] = [
    ("Parasite", 2019, (9.5, "A masterpiece of tension and class.", ["favorites", "rewatch"])),
    ("Spirited Away", 2001, (9.0, "Pure wonder from the first frame.", ["animation"])),
    ("The Godfather", 1972, (10.0, None, ["classic"])),
    ("Mad Max: Fury Road", 2015, (8.5, "Two hours of chase and not a wasted shot.", [])),
    ("Amélie", 2001, (8.0, "Sweet, odd and very Paris.", ["comfort"])),
    ("Everything Everywhere All at Once", 2022, (9.0, "Googly eyes and a whole multiverse of feeling.", ["cried"])),
    ("The Shawshank Redemption", 1994, (None, None, [])),
    ("In the Mood for Love", 2000, (9.5, "Longing, in slow motion.", ["favorites"])),
    ("Get Out", 2017, (8.5, "Funny until it very much isn't.", ["horror"])),
    ("Portrait of a Lady on Fire", 2019, (9.0, None, ["favorites"])),
    ("Pulp Fiction", 1994, (7.5, "Still electric.", ["rewatch"])),
    ("Arrival", 2016, (8.0, "The heptapods got me.", ["sci-fi"])),
]
_WATCHLIST = [
    ("Inception", 2010),
    ("Past Lives", 2023),
    ("The Grand Budapest Hotel", 2014),
    ("Dune: Part Two", 2024),
    ("Oppenheimer", 2023),
    ("Aftersun", 2022),
]
_SHOWS: list[tuple[str, int, Note]] = [
    ("Breaking Bad", 2008, (10.0, "The best drama of its decade.", ["favorites"])),
    ("Fleabag", 2016, (9.0, "Short, sharp and devastating.", [])),
    ("Succession", 2018, (8.5, None, ["binge"])),
]
_SHOWS_TO_WATCH = [("Chernobyl", 2019), ("The Bear", 2022)]
_FALLBACK_NOTES: list[Note] = [(8.0, None, []), (7.0, "Good, not great.", []), (None, None, ["rewatch"])]
_EPISODE_NOTES: list[Note] = [
    (9.0, "A perfect pilot.", ["rewatch"]),
    (8.5, None, []),
    (9.5, "Now it's going somewhere.", []),
]


def _pick(server: FlickServer, wanted: list[tuple[str, int]], kind: MediaKind, avoid: list[Title]) -> list[Title]:
    """The wanted titles the catalog has; the gaps filled from the catalog in its own order."""
    picked: list[Title] = []
    for name, year in wanted:
        found = server.catalog.find(name, year=year, media_type=kind)
        if found is not None and found not in picked and found not in avoid:
            picked.append(found)
    for title in server.catalog:
        if len(picked) >= len(wanted):
            break
        if title.media_type == kind and title not in picked and title not in avoid:
            picked.append(title)
    return picked


def _with_notes(server: FlickServer, wanted: list[tuple[str, int, Note]], kind: MediaKind) -> list[tuple[Title, Note]]:
    """`_pick`, each title with its own note (a plainer one for titles filled in from the catalog)."""
    notes: dict[Title, Note] = {}
    for name, year, note in wanted:
        found = server.catalog.find(name, year=year, media_type=kind)
        if found is not None:
            notes.setdefault(found, note)
    titles = _pick(server, [(name, year) for name, year, _ in wanted], kind, [])
    return [(t, notes.get(t, _FALLBACK_NOTES[i % len(_FALLBACK_NOTES)])) for i, t in enumerate(titles)]


def seed_demo(server: FlickServer) -> Account:
    """Create the demo account (key `DEMO_API_KEY`) and its reviews, watchlist and lists."""
    from ._server import DEMO_API_KEY

    now = server.clock.time()
    account = server.add_account(
        "demo", display_name="Flick Demo", api_key=DEMO_API_KEY, avatar_url="https://avatars.flick.test/demo.png"
    )
    server.store.account(account.id).created_at = now - 400 * _DAY

    films = _with_notes(server, _FILMS, "movie")
    shows = _with_notes(server, _SHOWS, "tv")
    to_watch = _pick(server, _WATCHLIST, "movie", [film for film, _ in films])

    # (days ago, review fields, note), written oldest first so that ids grow with time as in the app.
    entries: list[tuple[int, dict[str, Any], Note]] = []
    entries += [(300 - 20 * i, {"tmdb_id": t.tmdb_id}, note) for i, (t, note) in enumerate(films)]
    entries += [(250 - 30 * i, {"tmdb_id": t.tmdb_id, "media_type": "tv"}, note) for i, (t, note) in enumerate(shows)]
    seasoned = (t for t in (*(s for s, _ in shows), *server.catalog) if t.media_type == "tv")
    episodic = next((t for t in seasoned if server.catalog.seasons(t.tmdb_id)), None)
    if episodic is not None:
        seasons = server.catalog.seasons(episodic.tmdb_id)
        season = min((n for n in seasons if n > 0), default=min(seasons))
        show = {"tmdb_id": episodic.tmdb_id, "season_number": season}
        for j, episode in enumerate(sorted(seasons[season])[: len(_EPISODE_NOTES)]):
            fields = {**show, "media_type": "tv_episode", "episode_number": episode}
            entries.append((45 - 7 * j, fields, _EPISODE_NOTES[j]))
        entries.append((20, {**show, "media_type": "tv_season"}, (9.0, f"Season {season} holds up.", [])))
    entries.sort(key=lambda entry: -entry[0])
    for n, (days_ago, fields, (rating, text, tags)) in enumerate(entries):
        moment = now - days_ago * _DAY
        watched = datetime.datetime.fromtimestamp(moment, datetime.UTC).date()
        source: Source = "import" if n % 3 == 0 else "app"
        server.add_review(
            account,
            **fields,
            rating=rating,
            review=text,
            tags=tags,
            watched_date=watched,
            source=source,
            created_at=moment,
        )

    for i, title in enumerate(to_watch):
        server.add_to_watchlist(account, tmdb_id=title.tmdb_id, added_at=now - (60 - 8 * i) * _DAY)
    for unseen in _pick(server, _SHOWS_TO_WATCH, "tv", [reviewed for reviewed, _ in shows])[:1]:
        server.add_to_watchlist(account, tmdb_id=unseen.tmdb_id, media_type="tv", added_at=now - 3 * _DAY)

    rated = sorted((note[0], -i, film) for i, (film, note) in enumerate(films) if note[0] is not None)
    if rated:
        top = [(film.tmdb_id, "movie") for _, _, film in reversed(rated[-5:])]
        description = "In order, and I will not be taking questions."
        server.add_list(
            account, "All-time top five", top, ranked=True, description=description, created_at=now - 90 * _DAY
        )
    comfort: list[tuple[str, str, str | None]] = [(t.tmdb_id, "movie", "Sunday-afternoon watch") for t, _ in films[4:6]]
    comfort += [(t.tmdb_id, "tv", None) for t, _ in shows[:1]]
    if comfort:
        server.add_list(account, "Comfort rewatches", comfort, created_at=now - 30 * _DAY)
    return account
