"""`--overrides FILE`: the user's own answers for titles `/resolve` got wrong or could not find.

A CSV with a header row. Each row maps a Letterboxd title (and year) or one entry's Letterboxd URI
to a TMDB id and media type::

    title,year,tmdb_id,media_type
    Paris Texas,1984,655,movie
    letterboxd_uri,tmdb_id,media_type
    https://boxd.it/4MNHxf,1396,tv

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
}
_MEDIA_TYPES = ("movie", "tv")


@attrs.frozen
class Override:
    """A title the user chose, and the overrides file row that chose it."""

    tmdb_id: str
    media_type: str
    row: int


@attrs.frozen
class Overrides:
    """The overrides of one file, looked up by URI, then (title, year), then title alone."""

    by_uri: dict[str, Override] = attrs.field(factory=dict)
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
            raise Failure(f"{name} row {row}: media_type must be movie or tv, not {media_type!r}", ExitCode.BAD_INPUT)
        override = Override(tmdb_id, media_type, row)
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
        if earlier is not None and (earlier.tmdb_id, earlier.media_type) != (override.tmdb_id, override.media_type):
            raise Failure(
                f"{name} rows {earlier.row} and {override.row} map {label!r} to different titles "
                f"({earlier.media_type} {earlier.tmdb_id} and {override.media_type} {override.tmdb_id})",
                ExitCode.BAD_INPUT,
            )
        table.setdefault(key, override)
