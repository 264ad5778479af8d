"""The titles the server knows: movies and TV shows, and each show's seasons and episodes.

Two CSV files (UTF-8, a byte-order mark tolerated; a header row; RFC 4180 quoting):

`catalog.csv` — one row per movie or show:

    tmdb_id,media_type,title,year,aliases
    1396,tv,Breaking Bad,2008,
    129,movie,Spirited Away,2001,Sen to Chihiro no Kamikakushi|千と千尋の神隠し

`media_type` is `movie` or `tv`; `year` may be empty; `aliases` (optional column, may be
empty) holds other titles separated by `|`, and `/resolve` matches them like the title. The
same `tmdb_id` may be both a movie and a show (TMDB numbers them separately).

`episodes.csv` — one row per episode:

    show_tmdb_id,season_number,episode_number,title
    1396,1,1,Pilot

A show has a season exactly when at least one of its episodes is listed; every
`show_tmdb_id` must be a `tv` row of the catalog. Season 0 holds specials, as on TMDB.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ._resolve import Resolver

__all__ = ["Catalog", "CatalogError", "MediaRef", "Title"]

MediaKind = Literal["movie", "tv"]
MediaType = Literal["movie", "tv", "tv_season", "tv_episode"]
POSTER_BASE = "https://posters.flick.test/w500"


class CatalogError(ValueError):
    """A catalog file is malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Title:
    """A movie or a TV show."""

    tmdb_id: str
    media_type: MediaKind
    title: str
    year: int | None = None
    aliases: tuple[str, ...] = ()

    @property
    def poster_url(self) -> str:
        """A synthetic URL, stable for the title (`.test` is a reserved top-level domain)."""
        return f"{POSTER_BASE}/{self.media_type}/{self.tmdb_id}.jpg"


@dataclass(frozen=True, slots=True)
class MediaRef:
    """What a review points at: a title, or a season or episode of a show."""

    tmdb_id: str
    media_type: MediaType
    season_number: int | None = None
    episode_number: int | None = None


class Catalog:
    """An immutable set of titles (build it whole, then hand it to `FlickServer`).

    Args:
        titles: Movies and shows.
        episodes: `(show_tmdb_id, season_number, episode_number, title)` rows.

    Raises:
        CatalogError: A title appears twice, or an episode names a show that is not a `tv` title.

    Example:
        catalog = Catalog(
            [Title("1396", "tv", "Breaking Bad", 2008), Title("129", "movie", "Spirited Away", 2001)],
            [("1396", 1, 1, "Pilot")],
        )
    """

    def __init__(self, titles: Iterable[Title] = (), episodes: Iterable[tuple[str, int, int, str]] = ()) -> None:
        self.titles: tuple[Title, ...] = tuple(titles)
        self._by_key: dict[tuple[str, str], Title] = {}
        for title in self.titles:
            key = (title.media_type, title.tmdb_id)
            if key in self._by_key:
                raise CatalogError(f"{title.media_type} {title.tmdb_id} is listed twice")
            self._by_key[key] = title
        self._episodes: dict[str, dict[int, dict[int, str]]] = {}
        for show_id, season, episode, name in episodes:
            if ("tv", show_id) not in self._by_key:
                raise CatalogError(f"episode {show_id} S{season}E{episode}: no tv title with tmdb_id {show_id}")
            self._episodes.setdefault(show_id, {}).setdefault(season, {})[episode] = name

    def __repr__(self) -> str:
        episodes = sum(len(s) for seasons in self._episodes.values() for s in seasons.values())
        return f"<Catalog: {len(self.titles)} titles, {episodes} episodes>"

    @classmethod
    def from_csv(cls, catalog: str | Path, episodes: str | Path | None = None) -> Catalog:
        """Load `catalog.csv` and optionally `episodes.csv` (formats in this module's docstring)."""
        path = Path(catalog)
        with path.open(encoding="utf-8-sig", newline="") as f:
            titles = list(_read_titles(f, str(path)))
        rows: list[tuple[str, int, int, str]] = []
        if episodes is not None:
            ep_path = Path(episodes)
            with ep_path.open(encoding="utf-8-sig", newline="") as f:
                rows = list(_read_episodes(f, str(ep_path)))
        return cls(titles, rows)

    @classmethod
    def from_csv_text(cls, catalog: str, episodes: str = "") -> Catalog:
        """Like `from_csv`, from the files' text (handy in tests)."""
        titles = list(_read_titles(io.StringIO(catalog), "<catalog>"))
        rows = list(_read_episodes(io.StringIO(episodes), "<episodes>")) if episodes.strip() else []
        return cls(titles, rows)

    @staticmethod
    def builtin() -> Catalog:
        """The demo catalog shipped in `flick_async/testing/data/` (empty when the files are absent)."""
        return _builtin()

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Title]:
        return iter(self.titles)

    def get(self, media_type: str, tmdb_id: str) -> Title | None:
        """The movie or show with this id, or None."""
        return self._by_key.get((media_type, tmdb_id))

    def seasons(self, show_tmdb_id: str) -> dict[int, dict[int, str]]:
        """`{season_number: {episode_number: title}}` for a show (empty when none are listed)."""
        return self._episodes.get(show_tmdb_id, {})

    def media(self, ref: MediaRef) -> dict[str, Any] | None:
        """The API's media object for `ref`, or None when the title, season or episode is unknown."""
        kind: MediaKind = "movie" if ref.media_type == "movie" else "tv"
        title = self.get(kind, ref.tmdb_id)
        if title is None:
            return None
        media: dict[str, Any] = {
            "tmdb_id": title.tmdb_id,
            "type": ref.media_type,
            "title": title.title,
            "year": title.year,
            "poster_url": title.poster_url,
        }
        if ref.media_type in ("movie", "tv"):
            return media
        season = self.seasons(title.tmdb_id).get(ref.season_number)  # type: ignore[arg-type]
        if season is None:
            return None
        media.update(season_number=ref.season_number, show_title=title.title, title=f"Season {ref.season_number}")
        if ref.media_type == "tv_episode":
            name = season.get(ref.episode_number)  # type: ignore[arg-type]
            if name is None:
                return None
            media.update(episode_number=ref.episode_number, title=name)
        return media

    def not_found_message(self, ref: MediaRef) -> str:
        """The `media_not_found` message for a ref that `media()` could not find."""
        if ref.media_type == "movie":
            return f"No movie found on TMDB for tmdb_id {ref.tmdb_id}."
        if self.get("tv", ref.tmdb_id) is None:
            return f"No TV show found on TMDB for tmdb_id {ref.tmdb_id}."
        if ref.media_type == "tv_season" or ref.season_number not in self.seasons(ref.tmdb_id):
            return f"TV show {ref.tmdb_id} has no season {ref.season_number} on TMDB."
        return f"TV show {ref.tmdb_id} has no episode {ref.episode_number} in season {ref.season_number} on TMDB."

    @functools.cached_property
    def resolver(self) -> Resolver:
        """The fuzzy-title index, built on first use."""
        from ._resolve import Resolver

        return Resolver(self.titles)

    def find(self, title: str, *, year: int | None = None, media_type: MediaKind | None = None) -> Title | None:
        """The first title (in catalog order) whose normalised title or alias equals `title`'s."""
        return self.resolver.exact(title, year=year, media_type=media_type)


_TITLE_COLUMNS = ("tmdb_id", "media_type", "title", "year")
_EPISODE_COLUMNS = ("show_tmdb_id", "season_number", "episode_number", "title")


def _read_titles(f: io.TextIOBase | Any, name: str) -> Iterator[Title]:
    reader = csv.DictReader(f)
    missing = [c for c in _TITLE_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise CatalogError(f"{name}: the header lacks {', '.join(missing)}")
    for row in reader:
        where = f"{name}:{reader.line_num}"
        tmdb_id, kind, title = (row["tmdb_id"] or "").strip(), (row["media_type"] or "").strip(), row["title"] or ""
        if not tmdb_id or not title.strip():
            raise CatalogError(f"{where}: tmdb_id and title are required")
        if kind not in ("movie", "tv"):
            raise CatalogError(f"{where}: media_type must be movie or tv, not {kind!r}")
        year = _int_or_none(row["year"], where, "year")
        aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
        yield Title(tmdb_id, kind, title.strip(), year, aliases)  # type: ignore[arg-type]


def _read_episodes(f: io.TextIOBase | Any, name: str) -> Iterator[tuple[str, int, int, str]]:
    reader = csv.DictReader(f)
    missing = [c for c in _EPISODE_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise CatalogError(f"{name}: the header lacks {', '.join(missing)}")
    for row in reader:
        where = f"{name}:{reader.line_num}"
        season = _int_or_none(row["season_number"], where, "season_number")
        episode = _int_or_none(row["episode_number"], where, "episode_number")
        show = (row["show_tmdb_id"] or "").strip()
        if not show or season is None or episode is None or season < 0 or episode < 0:
            raise CatalogError(f"{where}: show_tmdb_id, season_number and episode_number are required (>= 0)")
        yield show, season, episode, (row["title"] or "").strip() or f"Episode {episode}"


def _int_or_none(raw: str | None, where: str, column: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise CatalogError(f"{where}: {column} must be an integer, not {raw!r}") from None


@functools.cache
def _builtin() -> Catalog:
    data = importlib.resources.files("flick_async.testing") / "data"
    catalog, episodes = data / "catalog.csv", data / "episodes.csv"
    if not catalog.is_file():
        return Catalog()
    titles = list(_read_titles(io.StringIO(catalog.read_text(encoding="utf-8-sig")), "data/catalog.csv"))
    rows: list[tuple[str, int, int, str]] = []
    if episodes.is_file():
        rows = list(_read_episodes(io.StringIO(episodes.read_text(encoding="utf-8-sig")), "data/episodes.csv"))
    return Catalog(titles, rows)
