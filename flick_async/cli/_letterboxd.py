"""Read the viewing history of a Letterboxd export, for `flick import letterboxd`.

A Letterboxd export is a ZIP (or the folder it unpacks to) of UTF-8 CSV files. Four matter to an
import (facts from many real exports; see the README's import section):

- `diary.csv` (`Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date`): one row per
  logged viewing. Its URI names the log entry.
- `reviews.csv` (the same columns plus `Review`): one row per log entry that has review text.
  An entry with a review is in both files; `read_letterboxd` merges the two rows into one
  `LetterboxdEntry`, so an importer writes it once.
- `ratings.csv` (`Date,Name,Year,Letterboxd URI,Rating`): the current rating of every rated
  film, logged or not. Its URI names the film. A film with no diary or review row becomes an
  entry of its own (`kind == "rating"`, no watched date); a film with one is not read again.
- `watched.csv` (`Date,Name,Year,Letterboxd URI`): every film marked watched, logged or not.
  Films neither logged nor rated become entries (`kind == "watched"`) only with
  `include_watched=True`; they are counted either way.

An export may hold any subset of the four (older or partial exports, a folder the user trimmed):
what is missing is read as empty, and `LetterboxdExport.files` says what was read.

Two kinds of bad input, handled differently:

- A file that cannot be read as an export at all (none of the four files, a missing column,
  not UTF-8, empty, re-saved by a spreadsheet program, a damaged ZIP entry) raises
  `LetterboxdFormatError`: nothing from it could be trusted.
- A row with a bad value (a rating of `7`, a date like `31/12/2019`) is rejected on its own and
  listed in `LetterboxdExport.rejected` with its file, row, column and value; the other rows are
  still read. Nothing is dropped silently: every data row ends up in an entry, in `rejected`, or
  in one of the summary's counts of rows already covered by another file.

Example:
    >>> export = read_letterboxd("letterboxd-me-2024-05-01-10-00-utc.zip")
    >>> for entry in export:
    ...     print(entry.name, entry.year, entry.rating, entry.watched_date)
    >>> for rejected in export.rejected:
    ...     print(rejected)
    >>> print(export.summary)
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
import zlib
from collections import deque
from collections.abc import Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import Literal

import attrs

__all__ = [
    "LetterboxdEntry",
    "LetterboxdExport",
    "LetterboxdFormatError",
    "LetterboxdSummary",
    "RejectedRow",
    "read_letterboxd",
]

Section = Literal["", "deleted", "orphaned"]
EntryKind = Literal["diary", "review", "rating", "watched"]

DIARY = "diary.csv"
REVIEWS = "reviews.csv"
RATINGS = "ratings.csv"
WATCHED = "watched.csv"
FILES = (DIARY, REVIEWS, RATINGS, WATCHED)
_COMMON_COLUMNS = ("Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date")
_COLUMNS: dict[str, tuple[str, ...]] = {
    DIARY: _COMMON_COLUMNS,
    REVIEWS: (*_COMMON_COLUMNS[:6], "Review", *_COMMON_COLUMNS[6:]),
    RATINGS: _COMMON_COLUMNS[:5],
    WATCHED: _COMMON_COLUMNS[:4],
}
_COLUMNS_LINE = {name: (",".join(columns) + "\n").encode() for name, columns in _COLUMNS.items()}
_KIND_OF_FILE: dict[str, EntryKind] = {DIARY: "diary", REVIEWS: "review", RATINGS: "rating", WATCHED: "watched"}
_REEXPORT = "export your data again from letterboxd.com (Settings > Data > Export your data) and pass that ZIP as it is"
# What mojibake repairs to: accented Latin letters and typographic punctuation.
_PLAUSIBLE = re.compile("[\u00a0-\u024f\u2010-\u2044\u20ac\u2122]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")
# A run of characters that UTF-8 bytes turn into when decoded as Windows-1252 ("Ã©" for "é",
# "â€™" for "’"): a lead byte C2–F4 read as Â…ô, then continuation bytes 80–BF read as
# Latin-1 or the cp1252 punctuation block.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]+"
)


class LetterboxdFormatError(ValueError):
    """The export, one of its files, or one of its rows cannot be read.

    Attributes:
        file: The file inside the export (`"diary.csv"`, `"deleted/reviews.csv"`), or None when
            the problem is the export as a whole.
        row: The 1-based data row (the header and blank lines are not counted), or None.
        line: The physical line the row starts on (the header is line 1), or None.
        column: The offending column, or None.
        value: The offending value as written in the file, or None.
        reason: What is wrong, in words, without the location.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        row: int | None = None,
        line: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.row = row
        self.line = line
        self.column = column
        self.value = value
        super().__init__(_locate(reason, file=file, row=row, line=line, column=column))


def _locate(reason: str, *, file: str | None, row: int | None, line: int | None, column: str | None) -> str:
    where = file or ""
    if row is not None:
        where += f" row {row}" + (f" (line {line})" if line is not None else "")
    if column is not None:
        where += f", column {column!r}"
    return f"{where.strip()}: {reason}" if where else reason


@attrs.frozen
class LetterboxdEntry:
    """One logged viewing with its review text when it has one, or a film rated or watched but never logged.

    Attributes:
        source: The file the entry was read from, inside the export: its diary row, the
            reviews.csv row for a review with no diary row, or the ratings.csv / watched.csv row
            of a film with neither (`"diary.csv"`, `"deleted/reviews.csv"`, `"ratings.csv"`).
        row: The 1-based data row in `source` (the header and blank lines are not counted).
        line: The physical line in `source` the row starts on (the header is line 1).
        review_row: The 1-based data row of the reviews.csv (same section) merged into this
            entry, or None when no review was merged.
        section: `""` for the export proper, `"deleted"` or `"orphaned"` for those folders.
        name: The film's title as Letterboxd writes it.
        year: The release year, or None when the export left it empty.
        uri: The `Letterboxd URI` as written, or None if empty: of the log entry in diary and
            reviews (`https://boxd.it/…` in current exports, `https://letterboxd.com/<user>/film/<slug>/`
            in older ones), of the film in ratings and watched.
        rating: On Flick's 0–10 scale (twice the star rating: 3.5 stars is 7.0), or None.
        rewatch: Whether Letterboxd marked the viewing as a rewatch.
        review: The review text with line endings turned into `\\n` and nothing else changed (its
            HTML subset is kept as written), or None when there is none.
        tags: The tags, in the export's order.
        watched_date: The viewing date the user chose (`Watched Date`), or None when the export
            has none: an empty `Watched Date`, and every ratings.csv / watched.csv entry. `Date` is
            not a stand-in: it is when the entry was logged (or the film rated), often years apart.
        logged_date: `Date`: when the entry was logged, the film rated, or marked watched.
    """

    source: str
    row: int
    line: int
    review_row: int | None
    section: Section
    name: str
    year: int | None
    uri: str | None
    rating: float | None
    rewatch: bool
    review: str | None
    tags: tuple[str, ...]
    watched_date: datetime.date | None
    logged_date: datetime.date

    @property
    def kind(self) -> EntryKind:
        """`diary`, `review` (a review with no diary row), `rating` or `watched` (a film never logged)."""
        return _KIND_OF_FILE[self.source.rsplit("/", 1)[-1]]


@attrs.frozen
class RejectedRow:
    """A row that was not read, and why. `str()` gives a message naming file, row and column.

    Attributes:
        source: The file inside the export.
        row: The 1-based data row.
        line: The physical line the row starts on.
        column: The offending column, or None when the row as a whole is wrong.
        value: The offending value as written, or None.
        reason: What is wrong, without the location.
    """

    source: str
    row: int
    line: int
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        return _locate(self.reason, file=self.source, row=self.row, line=self.line, column=self.column)

    def to_error(self) -> LetterboxdFormatError:
        """The same rejection as an exception, for callers that stop at the first one."""
        return LetterboxdFormatError(
            self.reason, file=self.source, row=self.row, line=self.line, column=self.column, value=self.value
        )


@attrs.frozen
class LetterboxdSummary:
    """What was read, merged, rejected and skipped.

    Every data row read ends in exactly one place, so `entries + merged + rejected +
    ratings_logged + watched_logged + watched_not_included == diary_rows + review_rows +
    ratings_rows + watched_rows`.

    Attributes:
        diary_rows: Data rows read from the diary files of the sections read.
        review_rows: Data rows read from the reviews files of the sections read.
        merged: Review rows folded into the entry of their diary row.
        reviews_without_diary: Review rows with no diary row, each its own entry.
        entries: Entries produced.
        rejected: Rows rejected (see `LetterboxdExport.rejected`).
        skipped_deleted: Rows in `deleted/` not read (`include_deleted=False`).
        skipped_orphaned: Rows in `orphaned/` not read (`include_orphaned=False`).
        ratings_rows: Data rows read from the ratings files of the sections read.
        ratings_only: Of those, films with no diary or review row: each its own entry.
        ratings_logged: Of those, films with a diary or review row (not read again).
        watched_rows: Data rows read from the watched files of the sections read.
        watched_only: Of those, films neither logged nor rated (entries with `include_watched`).
        watched_logged: Of those, films logged or rated (not read again).
        watched_not_included: Watched-only films not made entries (`include_watched=False`).
    """

    diary_rows: int
    review_rows: int
    merged: int
    reviews_without_diary: int
    entries: int
    rejected: int
    skipped_deleted: int
    skipped_orphaned: int
    ratings_rows: int = 0
    ratings_only: int = 0
    ratings_logged: int = 0
    watched_rows: int = 0
    watched_only: int = 0
    watched_logged: int = 0
    watched_not_included: int = 0

    def __str__(self) -> str:
        text = (
            f"read {self.diary_rows:,} diary and {self.review_rows:,} review rows: {self.entries:,} entries "
            f"({self.merged:,} reviews merged into their diary entry, "
            f"{self.reviews_without_diary:,} without one), {self.rejected:,} rows rejected"
        )
        skipped = [
            f"{count:,} {what} rows"
            for count, what in ((self.skipped_deleted, "deleted"), (self.skipped_orphaned, "orphaned"))
            if count
        ]
        if self.ratings_rows:
            text += (
                f"; {self.ratings_rows:,} ratings ({self.ratings_only:,} of films never logged, "
                f"{self.ratings_logged:,} of logged films)"
            )
        if self.watched_rows:
            text += f"; {self.watched_rows:,} watched films: {self.watched_only:,} never logged or rated" + (
                " (not imported: --include-watched)" if self.watched_not_included else ""
            )
        return text + (f"; skipped {' and '.join(skipped)}" if skipped else "")


@attrs.frozen
class LetterboxdExport:
    """The entries of an export, the rows rejected, and a summary. Iterating yields the entries.

    Attributes:
        entries: The entries, diary order first, then reviews with no diary row in their order;
            section by section (the export proper, then `deleted/`, then `orphaned/`); then the
            films only rated, then (with `include_watched`) the films only watched.
        rejected: Every row not read, with its location and reason.
        summary: Counts of what was read, merged, rejected and skipped.
        files: The files read, inside the export (`"diary.csv"`, `"deleted/ratings.csv"`).
    """

    entries: tuple[LetterboxdEntry, ...]
    rejected: tuple[RejectedRow, ...]
    summary: LetterboxdSummary
    files: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[LetterboxdEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def read_letterboxd(
    path: str | PathLike[str],
    *,
    include_deleted: bool = False,
    include_orphaned: bool = False,
    include_watched: bool = False,
    strict: bool = False,
) -> LetterboxdExport:
    """Read the diary, reviews, ratings and watched films of a Letterboxd export.

    Args:
        path: The export's ZIP file, or the folder it unpacks to. A ZIP or folder holding the
            export one folder down (someone zipped the unpacked folder) is read too.
        include_deleted: Also read `deleted/` (entries the user deleted); their entries have
            `section == "deleted"`.
        include_orphaned: Also read `orphaned/` (entries whose film page is gone; empty URI).
        include_watched: Make an entry (an unrated log with no date) of every film in
            watched.csv that has no diary, review or rating row; without it they are only counted.
        strict: Raise at the first rejected row instead of listing it in `rejected`.

    Returns:
        The entries, the rejected rows, a summary and the files read.

    Raises:
        LetterboxdFormatError: The path is not a Letterboxd export (none of diary.csv,
            reviews.csv, ratings.csv, watched.csv), it is a damaged ZIP, or a file in it cannot be
            read (missing columns, not UTF-8, empty, re-saved by a spreadsheet program); with
            `strict=True`, also the first bad row.
        FileNotFoundError: `path` does not exist.
    """
    with _open_export(Path(path)) as export:
        entries: list[LetterboxdEntry] = []
        rejected: list[RejectedRow] = []
        files: list[str] = []
        counts = dict.fromkeys(("diary", "reviews", "ratings", "watched", "merged", "alone", "deleted", "orphaned"), 0)
        # Films that have a log entry (diary or review row, rejected ones too): a film is
        # identified across files by (Name, Year) as written, since the URI of a diary or review
        # row names the log entry and that of a ratings or watched row the film.
        logged: set[tuple[str, str]] = set()
        films: list[tuple[Section, _ParsedFile, _ParsedFile]] = []  # each section's ratings and watched
        sections: list[tuple[Section, bool]] = [
            ("", True),
            ("deleted", include_deleted),
            ("orphaned", include_orphaned),
        ]
        for section, wanted in sections:
            prefix = f"{section}/" if section else ""
            if section and not wanted:
                for name in FILES:
                    counts[section] += _count_rows(export, prefix + name)
                continue
            data = {name: export.read(prefix + name) for name in FILES}
            files.extend(prefix + name for name in FILES if data[name] is not None)
            parsed = {
                name: _parse_file(prefix + name, _COLUMNS_LINE[name] if raw is None else raw, section)
                for name, raw in data.items()
            }
            diary, reviews = parsed[DIARY], parsed[REVIEWS]
            counts["diary"] += diary.rows
            counts["reviews"] += reviews.rows
            counts["ratings"] += parsed[RATINGS].rows
            counts["watched"] += parsed[WATCHED].rows
            logged.update(diary.films)
            logged.update(reviews.films)
            merged = _merge(diary, reviews)
            entries.extend(merged.entries)
            rejected.extend(merged.rejected)
            rejected.extend(bad for bad, _ in (*parsed[RATINGS].rejected, *parsed[WATCHED].rejected))
            counts["merged"] += merged.merged
            counts["alone"] += merged.alone
            films.append((section, parsed[RATINGS], parsed[WATCHED]))
            if strict and rejected:
                raise rejected[0].to_error()
        if not files:
            raise LetterboxdFormatError(f"{export.describe()} holds none of {', '.join(FILES)}; {_REEXPORT}")
    rated: set[tuple[str, str]] = set()
    rated_uris: set[str] = set()
    film_counts = dict.fromkeys(("ratings_only", "ratings_logged", "watched_only", "watched_logged", "left"), 0)
    for _, ratings, _ in films:
        for row in ratings.good:
            rated.add(row.film)
            if row.uri is not None:
                rated_uris.add(row.uri)
            if row.film in logged:
                film_counts["ratings_logged"] += 1
            else:
                film_counts["ratings_only"] += 1
                entries.append(_entry(row, None))
        rated.update(ratings.films)
    for _, _, watched in films:
        for row in watched.good:
            # The URI of a ratings and a watched row both name the film: an exact match first.
            if row.film in logged or row.film in rated or (row.uri is not None and row.uri in rated_uris):
                film_counts["watched_logged"] += 1
                continue
            film_counts["watched_only"] += 1
            if include_watched:
                entries.append(_entry(row, None))
            else:
                film_counts["left"] += 1
    rejected.sort(key=lambda r: (r.source, r.row))
    summary = LetterboxdSummary(
        diary_rows=counts["diary"],
        review_rows=counts["reviews"],
        merged=counts["merged"],
        reviews_without_diary=counts["alone"],
        entries=len(entries),
        rejected=len(rejected),
        skipped_deleted=counts["deleted"],
        skipped_orphaned=counts["orphaned"],
        ratings_rows=counts["ratings"],
        ratings_only=film_counts["ratings_only"],
        ratings_logged=film_counts["ratings_logged"],
        watched_rows=counts["watched"],
        watched_only=film_counts["watched_only"],
        watched_logged=film_counts["watched_logged"],
        watched_not_included=film_counts["left"],
    )
    return LetterboxdExport(entries=tuple(entries), rejected=tuple(rejected), summary=summary, files=tuple(files))


# --- opening the export -------------------------------------------------------------------------


class _Export:
    """A folder or a ZIP, seen as `relative path -> bytes`, rooted where diary.csv lives."""

    def __init__(self, path: Path, zip_file: zipfile.ZipFile | None) -> None:
        self._path = path
        self._zip = zip_file
        names = self._names()
        self._root = ""
        if not any(name in names for name in FILES):
            # Someone zipped the unpacked folder: accept the export one level down.
            tops = {n.split("/", 1)[0] for n in names if "/" in n}
            nested = [t for t in sorted(tops) if any(f"{t}/{name}" in names for name in FILES)]
            if len(nested) != 1:
                listing = ", ".join(sorted(n for n in names if "/" not in n)[:8]) or "nothing"
                raise LetterboxdFormatError(
                    f"{self.describe()} is not a Letterboxd export: it has no {DIARY}, {REVIEWS}, {RATINGS} "
                    f"or {WATCHED} (it holds {listing}); {_REEXPORT}"
                )
            self._root = nested[0] + "/"

    def _names(self) -> set[str]:
        if self._zip is not None:
            return {n.rstrip("/") for n in self._zip.namelist()}
        found: set[str] = set()
        for child in self._path.iterdir():
            found.add(child.name)
            if child.is_dir():
                found.update(f"{child.name}/{grandchild.name}" for grandchild in child.iterdir())
        return found

    def describe(self) -> str:
        return f"{'ZIP file' if self._zip is not None else 'folder'} {str(self._path)!r}"

    def read(self, name: str) -> bytes | None:
        if self._zip is not None:
            try:
                return self._zip.read(self._root + name)
            except KeyError:
                return None
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                # A bad CRC, a deflate stream cut short, a compression method zipfile lacks: the
                # bytes of this entry cannot be trusted, and it is the download that is damaged.
                raise LetterboxdFormatError(
                    f"{self.describe()} is a damaged ZIP: its entry {self._root + name!r} cannot be read ({exc}); "
                    "download the export again from letterboxd.com (Settings > Data > Export your data)",
                    file=name,
                ) from None
        file = self._path / (self._root + name)
        return file.read_bytes() if file.is_file() else None

    def __enter__(self) -> _Export:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._zip is not None:
            self._zip.close()


def _open_export(path: Path) -> _Export:
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {str(path)!r}")
    if path.is_dir():
        return _Export(path, None)
    if path.name in FILES:
        raise LetterboxdFormatError(
            f"{str(path)!r} is one file of the export: pass the folder that holds it, or the export's ZIP file"
        )
    try:
        zip_file = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        with path.open("rb") as f:
            magic = f.read(4)
        if magic.startswith(b"PK"):
            # A ZIP's local file header, but no readable central directory at the end: the file
            # was cut short (an interrupted download) or damaged.
            raise LetterboxdFormatError(
                f"{str(path)!r} is a damaged ZIP ({exc}: probably cut short by an interrupted download); "
                "download the export again from letterboxd.com (Settings > Data > Export your data)"
            ) from None
        raise LetterboxdFormatError(
            f"{str(path)!r} is neither a folder nor a ZIP file; "
            "pass the ZIP Letterboxd sent, or the folder it unpacks to"
        ) from exc
    try:
        return _Export(path, zip_file)
    except BaseException:
        zip_file.close()
        raise


# --- parsing one file ---------------------------------------------------------------------------


@attrs.frozen
class _Row:
    """A row whose values all parsed: an entry in waiting, before diary and reviews merge."""

    source: str
    row: int
    line: int
    section: Section
    name: str
    year: int | None
    uri: str | None
    rating: float | None
    rewatch: bool
    review: str | None
    tags: tuple[str, ...]
    watched_date: datetime.date | None
    logged_date: datetime.date
    film: tuple[str, str]  # (Name, Year) as written: what identifies a film across files

    @property
    def key(self) -> tuple[str, int | None, datetime.date | None, float | None]:
        return (self.name, self.year, self.watched_date, self.rating)


@attrs.frozen
class _ParsedFile:
    rows: int
    good: tuple[_Row, ...]
    rejected: tuple[tuple[RejectedRow, str | None], ...]  # each with the row's URI, to reject its partner too
    films: frozenset[tuple[str, str]] = frozenset()  # (Name, Year) of every row, rejected ones too


def _decode(name: str, data: bytes) -> str:
    if not data.strip():
        raise LetterboxdFormatError(f"the file is empty (not even a header row); {_REEXPORT}", file=name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LetterboxdFormatError(
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}), as Letterboxd writes it: "
            f"a spreadsheet program probably re-saved it in another encoding; {_REEXPORT}",
            file=name,
            line=line,
        ) from None
    # Spreadsheet programs add a byte-order mark; Letterboxd does not. Harmless either way.
    return text.removeprefix("\ufeff")


def _check_mojibake(name: str, text: str) -> None:
    for match in _MOJIBAKE.finditer(text):
        try:
            repaired = match.group().encode("cp1252").decode("utf-8")
        except UnicodeError:
            continue
        if not all(_PLAUSIBLE.fullmatch(char) for char in repaired):
            continue  # decodes, but to a character no title or review is likely to hold
        line = text.count("\n", 0, match.start()) + 1
        raise LetterboxdFormatError(
            f"the file was decoded and re-saved with the wrong encoding ({match.group()!r} on line {line} "
            f"should read {repaired!r}), as spreadsheet programs do; {_REEXPORT}",
            file=name,
            line=line,
        )


def _parse_file(name: str, data: bytes, section: Section) -> _ParsedFile:
    text = _decode(name, data)
    _check_mojibake(name, text)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise LetterboxdFormatError(f"the header row is not valid CSV ({exc})", file=name, line=1) from None
    _check_header(name, header)
    index = {column: header.index(column) for column in _COLUMNS[name.rsplit("/", 1)[-1]]}
    quoted = '"' in text
    good: list[_Row] = []
    rejected: list[tuple[RejectedRow, str | None]] = []
    films: set[tuple[str, str]] = set()
    row_number = 0
    previous_line = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The csv module cannot resynchronise after a broken quote: the rest is unreadable.
            raise LetterboxdFormatError(
                f"not valid CSV after row {row_number} ({exc}); {_REEXPORT}", file=name, line=previous_line + 1
            ) from None
        start, previous_line = previous_line + 1, reader.line_num
        if not record:
            continue  # a blank line between records holds no data
        row_number += 1
        if len(record) != len(header):
            if not quoted:
                raise LetterboxdFormatError(
                    f"row {row_number} has {len(record)} fields where the header has {len(header)}, and nothing in "
                    "the file is quoted: a spreadsheet program probably re-saved it without quoting the commas "
                    f"inside titles and reviews; {_REEXPORT}",
                    file=name,
                    line=start,
                )
            reason = f"{len(record)} fields where the header has {len(header)}"
            rejected.append((RejectedRow(name, row_number, start, None, None, reason), None))
            continue
        films.add((record[index["Name"]], record[index["Year"]]))
        parsed = _parse_row(name, row_number, start, section, record, index)
        if isinstance(parsed, RejectedRow):
            rejected.append((parsed, record[index["Letterboxd URI"]] or None))
        else:
            good.append(parsed)
    return _ParsedFile(rows=row_number, good=tuple(good), rejected=tuple(rejected), films=frozenset(films))


def _check_header(name: str, header: Sequence[str]) -> None:
    expected = _COLUMNS[name.rsplit("/", 1)[-1]]
    missing = [column for column in expected if column not in header]
    if not missing:
        return
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        delimiter = "';'" if ";" in header[0] else "tabs"
        raise LetterboxdFormatError(
            f"the columns are separated by {delimiter}, not commas: "
            f"a spreadsheet program re-saved the file; {_REEXPORT}",
            file=name,
            line=1,
        )
    raise LetterboxdFormatError(
        f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)} "
        f"(the header has {', '.join(repr(c) for c in header)}); is this a Letterboxd {name.rsplit('/', 1)[-1]}?",
        file=name,
        line=1,
    )


class _BadValue(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        self.column, self.value, self.reason = column, value, reason


def _parse_row(
    name: str, row: int, line: int, section: Section, record: Sequence[str], index: dict[str, int]
) -> _Row | RejectedRow:
    def field(column: str) -> str:
        # ratings.csv and watched.csv lack the log columns: read as empty.
        return record[index[column]] if column in index else ""

    try:
        title = field("Name")
        if not title.strip():
            raise _BadValue("Name", title, "the title is empty")
        logged = _date("Date", field("Date"))
        watched_raw = field("Watched Date")
        review = field("Review").replace("\r\n", "\n").replace("\r", "\n") if "Review" in index else ""
        tags = field("Tags")
        if "Rating" in index and "Rewatch" not in index and not field("Rating"):
            raise _BadValue("Rating", "", "is empty; every ratings.csv row has a rating (0.5 to 5 stars)")
        return _Row(
            source=name,
            row=row,
            line=line,
            section=section,
            name=title,
            year=_year(field("Year")),
            uri=field("Letterboxd URI") or None,
            rating=_rating(field("Rating")),
            rewatch=_rewatch(field("Rewatch")),
            review=review or None,
            tags=tuple(tags.split(", ")) if tags else (),
            # An empty Watched Date stays empty: `Date` is when the entry was logged, not watched.
            watched_date=_date("Watched Date", watched_raw) if watched_raw else None,
            logged_date=logged,
            film=(title, field("Year")),
        )
    except _BadValue as bad:
        return RejectedRow(name, row, line, bad.column, bad.value, f"{bad.value!r} {bad.reason}")


def _date(column: str, value: str) -> datetime.date:
    if _ISO_DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    if not value:
        raise _BadValue(column, value, "is empty; Letterboxd writes every date as YYYY-MM-DD")
    raise _BadValue(column, value, "is not a date in the form YYYY-MM-DD, as Letterboxd writes dates")


def _year(value: str) -> int | None:
    if not value:
        return None
    if not _YEAR.fullmatch(value):
        raise _BadValue("Year", value, "is not a four-digit year")
    return int(value)


def _rating(value: str) -> float | None:
    if not value:
        return None
    try:
        stars = float(value)
    except ValueError:
        stars = -1.0
    # Letterboxd writes half-star steps from 0.5 to 5; anything else (a 0–10 value, "4/5") is not its own.
    if not 0.5 <= stars <= 5 or (stars * 2) % 1:
        raise _BadValue("Rating", value, "is not a Letterboxd rating (0.5 to 5 stars in half-star steps)")
    return stars * 2


def _rewatch(value: str) -> bool:
    if value == "Yes":
        return True
    if not value:
        return False
    raise _BadValue("Rewatch", value, "is not a Letterboxd rewatch flag ('Yes' or empty)")


def _count_rows(export: _Export, name: str) -> int:
    # Rows of a section that is not read are only counted for the summary: a damaged file
    # there must not stop the import of the rest, so decoding is lenient.
    try:
        data = export.read(name)
    except LetterboxdFormatError:
        return 0
    if data is None:
        return 0
    reader = csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline=""))
    try:
        return max(0, sum(1 for record in reader if record) - 1)
    except csv.Error:
        return 0


# --- merging diary and reviews ------------------------------------------------------------------


@attrs.frozen
class _Merged:
    entries: tuple[LetterboxdEntry, ...]
    rejected: tuple[RejectedRow, ...]
    merged: int
    alone: int


def _merge(diary: _ParsedFile, reviews: _ParsedFile) -> _Merged:
    """Fold each review into its diary row: same entry URI, else same (Name, Year, Watched Date, Rating).

    The URI names the log entry in both files, so it pairs rows exactly, rewatches included.
    The key is the fallback for rows without one; several diary rows with the same key (two
    viewings on one day) are paired in file order, one review each.
    """
    by_uri: dict[str, int] = {}
    by_key: dict[tuple[str, int | None, datetime.date | None, float | None], deque[int]] = {}
    for i, diary_row in enumerate(diary.good):
        if diary_row.uri is not None:
            by_uri.setdefault(diary_row.uri, i)
        by_key.setdefault(diary_row.key, deque()).append(i)
    rejected_diary_uris = {uri: bad for bad, uri in diary.rejected if uri is not None}
    rejected_review_uris = {uri: bad for bad, uri in reviews.rejected if uri is not None}
    rejected = [bad for bad, _ in (*diary.rejected, *reviews.rejected)]

    # An entry is read whole or not at all: a row whose partner (same URI) was rejected goes too.
    paired: dict[int, _Row] = {}
    unpaired: list[_Row] = []
    for review in reviews.good:
        if review.uri is not None and review.uri in rejected_diary_uris:
            rejected.append(_partner_rejected(review, rejected_diary_uris[review.uri]))
            continue
        # URIs first, for every review, so that a key match cannot take a row another review names.
        match = by_uri.get(review.uri) if review.uri is not None else None
        if match is None or match in paired:
            unpaired.append(review)
        else:
            paired[match] = review
    alone: list[_Row] = []
    for review in unpaired:
        candidates = by_key.get(review.key, deque())
        while candidates and candidates[0] in paired:
            candidates.popleft()
        if candidates:
            paired[candidates.popleft()] = review
        else:
            alone.append(review)
    alone.sort(key=lambda r: r.row)
    entries: list[LetterboxdEntry] = []
    for i, diary_row in enumerate(diary.good):
        if diary_row.uri is not None and diary_row.uri in rejected_review_uris and i not in paired:
            rejected.append(_partner_rejected(diary_row, rejected_review_uris[diary_row.uri]))
            continue
        entries.append(_entry(diary_row, paired.get(i)))
    entries.extend(_entry(review, None) for review in alone)
    return _Merged(entries=tuple(entries), rejected=tuple(rejected), merged=len(paired), alone=len(alone))


def _partner_rejected(row: _Row, partner: RejectedRow) -> RejectedRow:
    reason = f"the same entry's {partner.source} row {partner.row} was rejected ({partner.reason})"
    return RejectedRow(row.source, row.row, row.line, None, None, reason)


def _entry(row: _Row, review: _Row | None) -> LetterboxdEntry:
    return LetterboxdEntry(
        source=row.source,
        row=row.row,
        line=row.line,
        review_row=review.row if review is not None else (row.row if row.source.endswith(REVIEWS) else None),
        section=row.section,
        name=row.name,
        year=row.year,
        uri=row.uri,
        rating=row.rating,
        rewatch=row.rewatch,
        review=review.review if review is not None else row.review,
        tags=row.tags,
        watched_date=row.watched_date,
        logged_date=row.logged_date,
    )
