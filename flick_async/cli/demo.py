"""`python -m flick_async.cli.demo`: the one-command demo behind `make demo`.

It starts the local Flick server in the background on a free loopback port, imports a real
Letterboxd export into the demo account with `flick import letterboxd` (progress bars and
summary), then tells what happened: what was imported, what the account already had, what was
left for the user and why, and a table of imported reviews with their ratings and text, newest
watched first. Then it stops the server.

The server enforces the API's real limits (60 requests per window, 5,000 per day) with a window
of 1 second instead of 60, so an import of ~2,100 requests takes about 40 seconds instead of
35 minutes. Nothing is kept: the server lives in memory and the import journal in a temporary
folder, so every run starts fresh.
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from rich.table import Table

__all__ = ["main"]

_EXPORT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "letterboxd" / "patrickmjones"
_WIDTH = 120  # the tables fit a 120-column terminal without wrapping
_SHOWN = 12

# unmatched.csv reasons, by how they start, in words for the story.
_WHY = (
    ("no plausible match", "not in the demo catalog (no plausible match)"),
    ("the export says", "year guard: the match is of another year"),
    ("best match is only", "weak match (medium/low): usually another film"),
    ("not valid for Flick", "not valid for Flick"),
)


def _flick(console: Console, args: Sequence[str], shown: Sequence[str]) -> int:
    from flick_async.cli._main import cli

    console.print(f"\n[bold green]$ flick {' '.join(shown)}[/bold green]")
    try:
        cli.main(args=list(args), prog_name="flick")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


def _left_for_the_user(console: Console, unmatched: Path) -> int:
    """Tell why each entry of unmatched.csv was not imported, with an example or two; returns their count."""
    if not unmatched.is_file():
        return 0
    with unmatched.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return 0
    groups: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for row in rows:
        reason = row["reason"] if row["status"] != "rejected" else "a row the reader rejected"
        why = next((words for start, words in _WHY if reason.startswith(start)), reason.split(":")[0])
        groups[why].append(row)
    table = Table(title=f"Left for you: {len(rows):,} entries in unmatched.csv", title_justify="left", width=_WIDTH)
    table.add_column("Why", no_wrap=True)
    table.add_column("Entries", justify="right", no_wrap=True)
    table.add_column("For example (export → best candidate)", ratio=1, no_wrap=True, overflow="ellipsis")
    for why, members in sorted(groups.items(), key=lambda item: -len(item[1])):
        example = members[0]
        best = f"{example['best_title']} ({example['best_year']})" if example["best_title"] else "nothing"
        table.add_row(why, f"{len(members):,}", f"{example['title']} ({example['year'] or '?'}) → {best}")
    console.print(table)
    return len(rows)


async def _imported_reviews(base_url: str, api_key: str) -> list[Any]:
    from flick_async import AsyncFlick

    async with AsyncFlick(api_key, base_url=base_url) as client:
        return [review async for review in client.reviews.iter() if str(review.source) == "api"]


def _reviews_table(console: Console, reviews: list[Any]) -> None:
    """The imported reviews with a rating and text, then with text, newest watched first."""

    def watched(review: Any) -> datetime.date:
        value = review.watched_date
        return value if isinstance(value, datetime.date) else datetime.date.min

    rated = [r for r in reviews if r.rating is not None and r.review]
    texts = [r for r in reviews if r.rating is None and r.review]
    texts.sort(key=watched, reverse=True)
    shown = sorted([*rated, *texts][:_SHOWN], key=watched, reverse=True)
    table = Table(
        title=f"Imported reviews with text, newest watched first ({len(shown)} of {len(reviews):,})",
        title_justify="left",
        width=_WIDTH,
        caption=f"{len(rated):,} imported reviews have a rating and text, {len(texts):,} text only; "
        "`flick reviews list` shows every one",
        caption_justify="left",
    )
    table.add_column("Watched", no_wrap=True)
    table.add_column("Title", ratio=2, no_wrap=True, overflow="ellipsis")
    table.add_column("Rating", justify="right", no_wrap=True)
    table.add_column("Review", ratio=5, no_wrap=True, overflow="ellipsis")
    for review in shown:
        date = review.watched_date.isoformat() if isinstance(review.watched_date, datetime.date) else ""
        year = f" ({review.media.year})" if review.media.year else ""
        rating = f"{review.rating:g}/10" if review.rating is not None else ""
        table.add_row(date, review.media.title + year, rating, " ".join((review.review or "").split()))
    console.print(table)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the exit status (0 when the import and the listing both worked)."""
    parser = argparse.ArgumentParser(prog="python -m flick_async.cli.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--export", type=Path, default=_EXPORT, help="a Letterboxd export (ZIP or folder)")
    parser.add_argument("--window-seconds", type=float, default=1.0, help="the rate-limit window (default 1 s)")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    if not args.export.exists():
        console.print(f"[red]No export at {args.export}; pass --export PATH[/red]")
        return 2

    from flick_async.testing import DEMO_API_KEY, FlickServer, serve_in_thread

    server = FlickServer(rate_limit=60, window_seconds=args.window_seconds, daily_limit=5000)
    account = server.demo_account
    assert account is not None  # a FlickServer has its demo account unless demo=False
    before = len(server.reviews(account))
    with serve_in_thread(server) as base_url, tempfile.TemporaryDirectory(prefix="flick-demo-") as state:
        console.rule("[bold]flick demo")
        console.print(
            f"Local Flick server on {base_url} (demo key {DEMO_API_KEY}).\n"
            f"Real limits: 60 requests per window and 5,000 per day, but the window is "
            f"{args.window_seconds:g} s instead of 60 s, so the import takes about a minute, not half an hour.\n"
            f"The demo account already has {before:,} reviews, made in the app. "
            f"Importing the Letterboxd export in {args.export}."
        )
        credentials = ["--api-key", DEMO_API_KEY, "--base-url", base_url]
        report_path = Path(state) / "report.json"
        imported = _flick(
            console,
            [
                *credentials,
                "import",
                "letterboxd",
                str(args.export),
                "--state-dir",
                state,
                "--report",
                str(report_path),
            ],
            ["import", "letterboxd", str(args.export)],
        )
        report: dict[str, Any] = json.loads(report_path.read_text(encoding="utf-8")) if report_path.is_file() else {}
        out = Console(width=_WIDTH)
        reviews = anyio.run(_imported_reviews, base_url, DEMO_API_KEY) if imported in (0, 5) else []
        after = len(server.reviews(account))
        console.rule("[bold]what happened")
        created = report.get("created", len(reviews))
        console.print(
            f"Imported {created:,} reviews. The demo account had {before:,} before (made in the app), "
            f"so it now has {after:,}."
        )
        if report.get("watched_only_left"):
            console.print(
                f"{report['watched_only_left']:,} films of watched.csv were never logged or rated: they are left out "
                "unless you ask for them with --include-watched (as unrated logs with no date)."
            )
        left = _left_for_the_user(out, Path(state) / "unmatched.csv")
        if left:
            console.print(
                f"Those {left:,} entries were not written, so that nothing lands on the wrong film: check each "
                "candidate, fill in tmdb_id and media_type in unmatched.csv, and pass it back with --overrides."
            )
        if imported == 5:
            console.print("(That is why `flick import` exited 5: a partial import, as scripts see it.)")
        _reviews_table(out, reviews)
        console.rule("[bold]done: the server stops now")
    return 0 if imported in (0, 5) else imported


if __name__ == "__main__":
    sys.exit(main())
