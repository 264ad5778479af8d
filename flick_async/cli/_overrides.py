"""`--overrides FILE`: the user's own answers for titles `/resolve` got wrong or could not find.

A CSV with a header row. Each row maps a Letterboxd title (and year) or one entry's Letterboxd URI
to a TMDB id and media type::

    title,year,tmdb_id,media_type
    Paris Texas,1984,655,movie
    letterboxd_uri,tmdb_id,media_type
    https://boxd.it/4MNHxf,1396,tv
    title,year,tmdb_id,media_type,season_number,episode_number
    Breaking Bad: Pilot,2008,1396,tv_episode,1,1

`media_type` is `movie`, `tv`, `tv_season` or `tv_episode`. As the API requires, a season or an
episode names the show's TMDB id with `season_number` (and `episode_number` for an episode); a
row without them is refused, naming it. A number the type does not use (a season for a movie)
is accepted, as the API accepts it, but it is not sent (the API ignores it) and `warnings` says
so: it usually means the media_type is not the one meant.

The `unmatched.csv` an import writes has these columns (tmdb_id and media_type left empty): fill
them in and pass the file back. Rows whose tmdb_id is still empty are ignored. Column names are
matched without regard to case, and Letterboxd's own `Name`, `Year` and `Letterboxd URI` work.
An entry's URI beats its title and year, which beat its title alone (a row with no year).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import attrs
from flick_api.models import MediaType

from flick_async._errors import ValidationError
from flick_async._validation import ReviewInput
from flick_async.cli._exit import ExitCode, Failure

__all__ = ["Override", "Overrides"]

K = TypeVar("K")

_ALIASES = {
    "title": "title",
    "name": "title",
    "year": "year",
    "letterboxd_uri": "uri",
    "letterboxd uri": "uri",
    "uri": "uri",
    "tmdb_id": "tmdb_id",
    "media_type": "media_type",
    "season_number": "season_number",
    "season": "season_number",
    "episode_number": "episode_number",
    "episode": "episode_number",
}
_MEDIA_TYPES = ("movie", "tv", "tv_season", "tv_episode")


@attrs.frozen
class Override:
    """A title the user chose, and the overrides file row that chose it."""

    tmdb_id: str
    media_type: str
    row: int
    season_number: int | None = None
    episode_number: int | None = None

    @property
    def title(self) -> tuple[str, str, int | None, int | None]:
        """What identifies the title on Flick."""
        return (self.tmdb_id, self.media_type, self.season_number, self.episode_number)

    @property
    def label(self) -> str:
        """`tv_episode 1396 S1E1`, for messages."""
        numbers = "".join(
            f"{p}{n}" for p, n in (("S", self.season_number), ("E", self.episode_number)) if n is not None
        )
        return f"{self.media_type} {self.tmdb_id}" + (f" {numbers}" if numbers else "")


@attrs.frozen
class Overrides:
    """The overrides of one file, looked up by URI, then (title, year), then title alone."""

    by_uri: dict[str, Override] = attrs.field(factory=dict)
    warnings: list[str] = attrs.field(factory=list)  # rows read, but not quite as written
    by_title: dict[tuple[str, int | None], Override] = attrs.field(factory=dict)
    by_title_any_year: dict[str, Override] = attrs.field(factory=dict)

    def __len__(self) -> int:
        return len(self.by_uri) + len(self.by_title) + len(self.by_title_any_year)

    def lookup(self, *, title: str, year: int | None, uri: str | None) -> Override | None:
        """The override for an entry, or None."""
        if uri is not None and uri in self.by_uri:
            return self.by_uri[uri]
        found = self.by_title.get((title.strip(), year))
        return found if found is not None else self.by_title_any_year.get(title.strip())

    @classmethod
    def read(cls, path: Path) -> Overrides:
        """Read an overrides CSV.

        Raises:
            Failure: The file cannot be read, lacks the columns, or holds a bad or conflicting row
                (exit code 6, naming the file and row).
        """
        name = path.name
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Failure(f"{name}: not UTF-8 text; save it as UTF-8 CSV", ExitCode.BAD_INPUT) from None
        except OSError as exc:
            raise Failure(f"{name}: {exc.strerror}", ExitCode.BAD_INPUT) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if header is None:
            raise Failure(
                f"{name}: the file is empty; expected a header row such as title,year,tmdb_id,media_type",
                ExitCode.BAD_INPUT,
            )
        columns = {_ALIASES[h.strip().lower()]: i for i, h in enumerate(header) if h.strip().lower() in _ALIASES}
        if "tmdb_id" not in columns or "media_type" not in columns or not {"title", "uri"} & columns.keys():
            raise Failure(
                f"{name}: the header must name tmdb_id, media_type, and title (with year) or letterboxd_uri; "
                f"it has {', '.join(header)}",
                ExitCode.BAD_INPUT,
            )
        overrides = cls()
        for row_number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue

            def cell(column: str, record: list[str] = record) -> str:
                index = columns.get(column)
                return record[index].strip() if index is not None and index < len(record) else ""

            overrides._add(name, row_number, cell)
        return overrides

    def _add(self, name: str, row: int, get: Callable[[str], str]) -> None:
        tmdb_id, media_type = get("tmdb_id"), get("media_type").lower()
        if not tmdb_id:
            return  # not filled in yet: unmatched.csv rows start out this way
        if media_type not in _MEDIA_TYPES:
            raise Failure(
                f"{name} row {row}: media_type must be movie, tv, tv_season or tv_episode, not {media_type!r}",
                ExitCode.BAD_INPUT,
            )
        numbers: dict[str, int | None] = {}
        for column in ("season_number", "episode_number"):
            text = get(column)
            if text and not text.isdigit():
                raise Failure(f"{name} row {row}: {column} {text!r} is not a whole number", ExitCode.BAD_INPUT)
            numbers[column] = int(text) if text else None
        unused = [
            column
            for column, types in (("season_number", ("tv_season", "tv_episode")), ("episode_number", ("tv_episode",)))
            if numbers[column] is not None and media_type not in types
        ]
        for column in unused:
            self.warnings.append(
                f"{name} row {row}: {column} {numbers[column]} is not used for a {media_type}, so it is not sent "
                "(a season needs tv_season, an episode tv_episode)"
            )
            numbers[column] = None
        try:
            # The API's own rules, as the SDK checks them before a write: a season needs its number,
            # an episode both.
            ReviewInput(
                tmdb_id=tmdb_id,
                media_type=MediaType(media_type),  # typed from text; to_body() still refuses a typo
                season_number=numbers["season_number"],
                episode_number=numbers["episode_number"],
            ).to_body()
        except ValidationError as error:
            raise Failure(f"{name} row {row}: {error.field} {error.rule}", ExitCode.BAD_INPUT) from None
        override = Override(tmdb_id, media_type, row, numbers["season_number"], numbers["episode_number"])
        title, year_text, uri = get("title"), get("year"), get("uri")
        if not title and not uri:
            raise Failure(f"{name} row {row}: give a title or a letterboxd_uri", ExitCode.BAD_INPUT)
        if uri:
            self._put(self.by_uri, uri, override, name, uri)
        if title:
            if year_text and not (len(year_text) == 4 and year_text.isdigit()):
                raise Failure(f"{name} row {row}: year {year_text!r} is not a four-digit year", ExitCode.BAD_INPUT)
            if year_text:
                self._put(self.by_title, (title, int(year_text)), override, name, f"{title} ({year_text})")
            else:
                self._put(self.by_title_any_year, title, override, name, title)

    @staticmethod
    def _put(table: dict[K, Override], key: K, override: Override, name: str, label: str) -> None:
        earlier = table.get(key)
        if earlier is not None and earlier.title != override.title:
            raise Failure(
                f"{name} rows {earlier.row} and {override.row} map {label!r} to different titles "
                f"({earlier.label} and {override.label})",
                ExitCode.BAD_INPUT,
            )
        table.setdefault(key, override)
