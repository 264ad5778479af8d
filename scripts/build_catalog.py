"""Rebuild the local server's demo catalog: `catalog.csv` and `episodes.csv` in flick_async/testing/data.

Usage:
    python scripts/build_catalog.py tests/fixtures/letterboxd/patrickmjones [--out DIR]

Inputs, all data (see flick_async/testing/data/README.md): `curated_titles.csv` (the well-known
titles, in priority order), `curated_tv.json` (episode titles per show and season; export titles
that are TV shows logged as films), and the Letterboxd export folder given as the argument.
The output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "flick_async" / "testing" / "data"
SYNTHETIC_BASE, SYNTHETIC_SPAN = 90_000_000, 10_000_000  # far above every real TMDB id (< 2 million)
LEAVE_OUT_PERCENT = 5  # export titles left out on purpose, so that `make demo` shows a few misses

Key = tuple[str, int | None]
Row = tuple[int, str, str, int | None, tuple[str, ...]]


def _year(text: str) -> int | None:
    return int(text) if text else None


def _digest(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16)


def synthetic_id(title: str, year: int | None) -> int:
    """A stable id from the title and year, in a range no real TMDB id reaches."""
    return SYNTHETIC_BASE + int(str(_digest(f"{title}|{'' if year is None else year}"))[:7]) % SYNTHETIC_SPAN


def left_out(title: str, year: int | None) -> bool:
    """Whether an export title is left out of the catalog on purpose (about 5 %, stable)."""
    return _digest(f"leave-out|{title}|{'' if year is None else year}") % 100 < LEAVE_OUT_PERCENT


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build_rows(
    curated: list[dict[str, str]], export: Iterable[Key], export_tv: set[Key]
) -> tuple[list[Row], list[Key]]:
    """Catalog rows (tmdb_id, media_type, title, year, aliases) and the export titles left out."""
    rows: dict[tuple[str, str, int | None], Row] = {}
    used: dict[str, set[int]] = {"movie": set(), "tv": set()}

    def add(media_type: str, tmdb_id: int | None, title: str, year: int | None, aliases: tuple[str, ...]) -> None:
        if (media_type, title, year) in rows:
            return
        if tmdb_id is None:
            tmdb_id = synthetic_id(title, year)
            while tmdb_id in used[media_type]:  # linear probing keeps ids stable for a fixed input
                tmdb_id += 1
        elif tmdb_id in used[media_type]:
            raise ValueError(f"duplicate real {media_type} id {tmdb_id} for {title!r}")
        used[media_type].add(tmdb_id)
        rows[(media_type, title, year)] = (tmdb_id, media_type, title, year, aliases)

    # Movies before shows; within each, real ids first (synthetic ones probe around them), in file
    # order; curated rows before export titles, so a curated row (with its aliases) wins the dedupe.
    for media_type in ("movie", "tv"):
        group = [row for row in curated if row["media_type"] == media_type]
        for row in sorted(group, key=lambda row: not row["tmdb_id"]):
            aliases = tuple(row["aliases"].split("|")) if row["aliases"] else ()
            add(media_type, _year(row["tmdb_id"]), row["title"], _year(row["year"]), aliases)
    excluded: list[Key] = []
    for title, year in sorted(export, key=lambda pair: (pair[0], pair[1] or 0)):
        media_type = "tv" if (title, year) in export_tv else "movie"
        if (media_type, title, year) in rows:
            continue
        if left_out(title, year):
            excluded.append((title, year))
            continue
        add(media_type, None, title, year, ())
    return sorted(rows.values(), key=lambda r: (r[1], r[2].casefold(), r[3] or 0)), excluded


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> None:
    """Build the catalog from an export folder and print what was left out."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("export_dir", type=Path, help="a Letterboxd export folder (diary.csv, reviews.csv)")
    parser.add_argument("--out", type=Path, default=DATA, help="where to write the CSV files")
    args = parser.parse_args(argv)
    tv = json.loads((DATA / "curated_tv.json").read_text(encoding="utf-8"))
    export = {
        (row["Name"], _year(row["Year"]))
        for name in ("diary.csv", "reviews.csv")
        for row in read_csv(args.export_dir / name)
    }
    export_tv = {(title, year) for title, year in tv["export_tv"]}
    rows, excluded = build_rows(read_csv(DATA / "curated_titles.csv"), export, export_tv)
    write_csv(
        args.out / "catalog.csv",
        ["tmdb_id", "media_type", "title", "year", "aliases"],
        ([i, kind, title, "" if year is None else year, "|".join(aliases)] for i, kind, title, year, aliases in rows),
    )
    write_csv(
        args.out / "episodes.csv",
        ["show_tmdb_id", "season_number", "episode_number", "title"],
        (
            [show, season, episode, title]
            for show, seasons in tv["episodes"].items()
            for season, titles in enumerate(seasons, start=1)
            for episode, title in enumerate(titles, start=1)
        ),
    )
    print(f"{len(rows)} catalog rows; {len(export)} export titles, {len(excluded)} left out:")
    for title, year in excluded:
        print(f"  {title} ({'' if year is None else year})")


if __name__ == "__main__":
    main()
