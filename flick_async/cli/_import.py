"""`flick import letterboxd`: the command, its progress bars and its summary (the work is `_importer`)."""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from pathlib import Path

import anyio
import click
import httpx
import platformdirs
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from flick_async._errors import DailyQuotaExceededError, FlickError
from flick_async._events import Event, RetryScheduled, ThrottleWait
from flick_async.cli._common import api_options, credentials, make_client, run, stderr_console, stdout_console, warn
from flick_async.cli._exit import ExitCode, Failure, failure_from
from flick_async.cli._importer import CHUNK, CONFIDENCE_LEVELS, Importer, ImportOptions, ImportSummary, RateEta
from flick_async.cli._importer import Progress as ImportProgress
from flick_async.cli._journal import Journal
from flick_async.cli._letterboxd import read_letterboxd
from flick_async.cli._main import cli
from flick_async.cli._overrides import Overrides

__all__ = ["import_group"]

_MAX_WARNINGS = 5


@cli.group("import")
def import_group() -> None:
    """Import your history from another service."""


class _Bars(ImportProgress):
    """Two rich progress bars (resolve, then write) with a rate-limit-aware ETA and a status line."""

    def __init__(self) -> None:
        self.eta: RateEta | None = None
        # The status (the longest column) takes what is left and is cut short, never the bar or the counts.
        self.progress = Progress(
            TextColumn("[bold]{task.description:<9}"),
            BarColumn(bar_width=None, table_column=Column(ratio=1, min_width=10)),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA {task.fields[eta]}"),
            TextColumn(
                "{task.fields[status]}", style="dim", table_column=Column(ratio=3, no_wrap=True, overflow="ellipsis")
            ),
            console=stderr_console(),
            expand=True,
        )
        self._task: TaskID | None = None
        self._total = 0
        self._done = 0
        self._requests_after = 0  # requests of the later phase, for the ETA of this one
        self._per_request = 1

    def resolve_started(self, total: int, *, batches_after: int = 0) -> None:
        self._start("Resolve", total, per_request=1)

    def resolved(self, done: int) -> None:
        self._advance(done)

    def write_started(self, total: int) -> None:
        self._start("Write", total, per_request=CHUNK)

    def written(self, done: int, summary: ImportSummary) -> None:
        # The bar counts the reviews sent; a duplicate within the export is deduplicated without
        # being sent, so it is named apart rather than left to make the counts disagree.
        status = f"{summary.created:,} created, {summary.deduplicated - summary.duplicates_in_export:,} deduplicated"
        if summary.duplicates_in_export:
            duplicates = summary.duplicates_in_export
            status += f" (+{duplicates:,} duplicate{'s' if duplicates != 1 else ''} in the export, not sent)"
        self._advance(done, status)

    def _start(self, name: str, total: int, *, per_request: int) -> None:
        if self._task is not None:
            self.progress.update(self._task, eta="done", status="")
        self._total, self._done, self._per_request = total, 0, per_request
        self._task = self.progress.add_task(name, total=total, eta=self._eta_text(), status="")

    def _advance(self, done: int, status: str = "") -> None:
        self._done = done
        if self._task is not None:
            self.progress.update(self._task, completed=done, eta=self._eta_text(), status=status)

    def _eta_text(self) -> str:
        left = math.ceil((self._total - self._done) / self._per_request)
        if left <= 0:
            return "done"
        seconds = self.eta.seconds(left) if self.eta is not None else None
        if seconds is None or self.eta is None:
            return "…"
        text = f"{seconds:,.0f}s" if seconds < 120 else f"{seconds / 60:,.0f} min"
        return text + (" (past today's quota)" if self.eta.beyond_today(left) else "")

    def _wait_label(self, event: ThrottleWait) -> str:
        # "minute" is the bucket's name, not the server's window: name the window by its learned
        # length (the throttle's, when it says; else how far X-RateLimit-Reset moves per turn).
        if event.reason == "day":
            return "the daily quota"
        if event.reason == "paused":
            return "paused by a 429"
        learned = getattr(event, "window", None) or getattr(event, "window_seconds", None)
        window = learned if isinstance(learned, int | float) else (self.eta.window if self.eta is not None else None)
        if window is None or window <= 0:
            return "the per-window limit"
        length = f"{window:g} s" if window < 60 else f"{window / 60:g} min"
        return f"{length} window"

    def tick(self) -> None:
        if self._task is not None:
            self.progress.update(self._task, eta=self._eta_text())

    def on_event(self, event: Event) -> None:
        if self._task is None:
            return
        if isinstance(event, ThrottleWait):
            status = f"waiting {event.delay:.1f}s for the rate limit ({self._wait_label(event)})"
        elif isinstance(event, RetryScheduled):
            status = f"retrying in {event.delay:.1f}s: {event.error}"
        else:
            return
        self.progress.update(self._task, status=status)


def _counting_client(summary: ImportSummary) -> httpx.AsyncClient:
    """An httpx client that counts every request sent (retries included) by kind, and the 429s."""

    async def on_request(request: httpx.Request) -> None:
        path = request.url.path
        kind = "resolve" if path.endswith("/resolve") else "batch" if path.endswith("/reviews/batch") else "other"
        summary.requests[kind] += 1

    async def on_response(response: httpx.Response) -> None:
        if response.status_code == 429:
            summary.requests["429"] += 1

    return httpx.AsyncClient(
        timeout=httpx.Timeout(30.0),
        follow_redirects=False,
        event_hooks={"request": [on_request], "response": [on_response]},
    )


@import_group.command("letterboxd")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--min-confidence",
    type=click.Choice(CONFIDENCE_LEVELS),
    default="high",
    show_default=True,
    help="The least confidence of a /resolve match that is written; weaker matches go to unmatched.csv.",
)
@click.option(
    "--overrides",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of your own matches: title,year or letterboxd_uri → tmdb_id,media_type (and season_number, "
    "episode_number for a tv_season or tv_episode). They beat /resolve. unmatched.csv has these columns: fill "
    "in tmdb_id and media_type and pass it here.",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the journal and unmatched.csv live [default: a folder for this export in your user state "
    "directory, printed at the start].",
)
@click.option("--dry-run", is_flag=True, help="Resolve and report; write nothing.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Import only the first N entries (a sample).")
@click.option("--include-deleted", is_flag=True, help="Also import entries from deleted/ (you deleted them).")
@click.option("--include-orphaned", is_flag=True, help="Also import entries from orphaned/ (their film page is gone).")
@click.option(
    "--include-watched",
    is_flag=True,
    help="Also import the films of watched.csv that were never logged or rated, as unrated logs with no date.",
)
@click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path), help="Also write the summary as JSON to this file."
)
@click.option(
    "--concurrency", type=click.IntRange(1, 16), default=4, show_default=True, help="Batch requests in flight."
)
@api_options
@click.pass_context
def letterboxd(
    ctx: click.Context,
    path: Path,
    min_confidence: str,
    overrides: Path | None,
    state_dir: Path | None,
    dry_run: bool,
    limit: int | None,
    include_deleted: bool,
    include_orphaned: bool,
    include_watched: bool,
    report: Path | None,
    concurrency: int,
) -> None:
    """Import a Letterboxd export (its ZIP, or the folder it unpacks to): your whole viewing history.

    Each diary entry becomes one Flick review (a review's text comes from reviews.csv; ratings
    are doubled to Flick's 0–10; an empty watched date stays empty). Films rated but never
    logged (ratings.csv) are imported as a review with the rating and no date; films only marked
    watched (watched.csv) with --include-watched. Tags over 64 characters are cut, past 20 left
    out, each change reported. Each distinct title and year is resolved once through /resolve; a
    match of another year than the export's is never taken as high. Matches below
    --min-confidence, and anything else not imported, are listed in unmatched.csv with the
    reason and best candidate.

    Resumable: a journal in the state folder records every answer, so running the same command
    again (after Ctrl-C, a crash, or the daily quota running out) sends only what is left and
    never writes a review twice. Requests: one per distinct title and one per 50 reviews written.

    \b
    flick import letterboxd ~/Downloads/letterboxd-me-2026-06-01-utc.zip
    flick import letterboxd export/ --dry-run
    flick import letterboxd export/ --overrides fixed.csv   (unmatched.csv, filled in)
    """
    started = time.monotonic()
    summary = ImportSummary(export=str(path))
    try:
        export = read_letterboxd(
            path, include_deleted=include_deleted, include_orphaned=include_orphaned, include_watched=include_watched
        )
    except (ValueError, OSError) as exc:  # LetterboxdFormatError is a ValueError
        raise failure_from(exc) from None
    for rejected in export.rejected[:_MAX_WARNINGS]:
        warn(f"skipped {rejected}")
    if len(export.rejected) > _MAX_WARNINGS:
        warn(f"… and {len(export.rejected) - _MAX_WARNINGS:,} more rows skipped (all listed in unmatched.csv)")
    user_overrides = Overrides.read(overrides) if overrides is not None else Overrides()
    for message in user_overrides.warnings:
        warn(message)

    api_key, _ = credentials(ctx)
    state = state_dir if state_dir is not None else default_state_dir(path)
    options = ImportOptions(min_confidence=min_confidence, dry_run=dry_run, limit=limit, concurrency=concurrency)
    http = _counting_client(summary)
    bars = _Bars()
    client = make_client(ctx, hooks=[bars.on_event], http_client=http)
    bars.eta = RateEta(client)
    journal = Journal(state / "journal.sqlite3", base_url=client.base_url, api_key=api_key or "")
    summary.journal = str(journal.path)
    importer = Importer(client, export, journal, user_overrides, options, summary, bars)
    # Each /resolve answer is journaled as its response arrives, before the SDK returns it.
    http.event_hooks["response"] = [*http.event_hooks["response"], importer.on_response]
    console = stderr_console()
    console.print(f"Read {', '.join(export.files)} of {path}.")
    console.print(f"State folder (journal, unmatched.csv): {state}", soft_wrap=True)
    console.print(f"[bold]{export.summary}[/bold]")

    async def main() -> None:
        async with client, http:
            titles = importer.titles_to_resolve()
            console.print(
                f"{len(importer.entries):,} entries, {summary.distinct_titles:,} distinct titles: "
                f"{len(titles):,} to resolve ({summary.resolve_cached:,} already resolved"
                + (f", {len(user_overrides):,} overrides" if len(user_overrides) else "")
                + ")."
            )
            with bars.progress:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(_tick, bars)
                    try:
                        await importer.resolve(titles)
                        planned = importer.plan()
                        if not dry_run and planned:
                            await importer.write(planned)
                    finally:
                        tg.cancel_scope.cancel()

    failure: Failure | None = None
    try:
        run(main)
    except Failure as raised:
        failure = _stopped(raised, summary)
    finally:
        # A run stopped while resolving still says what it resolved (it used to show 0 / 0 / 0 / 0).
        importer.tally_resolutions()
        journal.close()
        summary.elapsed_seconds = time.monotonic() - started
    importer.write_unmatched(state / "unmatched.csv")
    _print_summary(summary, dry_run=dry_run)
    if report is not None:
        report.write_text(json.dumps(summary.as_json(), indent=2) + "\n", encoding="utf-8")
    if failure is not None:
        raise failure
    if summary.uncertain and not dry_run:
        click.echo(
            f"Maybe stored: {summary.uncertain:,} reviews were sent but no answer came back; "
            "run the same command again to confirm them (the server deduplicates any it has).",
            err=True,
        )
    if (summary.not_imported or summary.uncertain) and not dry_run:
        # A partial import is not an error: it did its job and says what it left (above). Exit 5
        # tells scripts; people get the next step, not an `Error:` line after a good run.
        if summary.not_imported:
            click.echo(
                "To import them: fill in tmdb_id and media_type there, then re-run with --overrides FILE.", err=True
            )
        ctx.exit(int(ExitCode.PARTIAL))


def default_state_dir(export: Path) -> Path:
    """The export's own folder in the user state directory (`~/.local/state/flick/imports/…` on Linux).

    Keyed by the export's absolute path, so the same command finds its journal again; never
    beside the export, which may sit in a repository or a read-only place.
    """
    resolved = export.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    name = re.sub(r"[^\w.-]+", "-", resolved.name).strip("-")[:60] or "export"
    return platformdirs.user_state_path("flick", appauthor=False) / "imports" / f"{name}-{digest}"


async def _tick(bars: _Bars) -> None:
    # The ETA also moves while nothing finishes (a throttle wait): refresh it a few times a second.
    while True:
        await anyio.sleep(0.25)
        bars.tick()


def _stopped(failure: Failure, summary: ImportSummary) -> Failure:
    """Say where the import stopped and how to resume; keep the failure's exit code."""
    cause = failure.error
    resume = "run the same command again to resume; nothing confirmed will be sent twice"
    if failure.code == ExitCode.INTERRUPTED:
        summary.stopped = "interrupted"
        return Failure(f"interrupted; {resume}", ExitCode.INTERRUPTED)
    if isinstance(cause, DailyQuotaExceededError) or failure.code == ExitCode.RATE_LIMIT:
        summary.stopped = "daily_quota" if "daily" in failure.message else "rate_limited"
        if isinstance(cause, DailyQuotaExceededError):
            summary.resumes_at = cause.resets_at.isoformat()
        return Failure(f"{failure.message}; {resume} after that", ExitCode.RATE_LIMIT)
    summary.stopped = "error"
    if isinstance(cause, FlickError) or failure.code != ExitCode.BAD_INPUT:
        return Failure(f"{failure.message}; {resume}", failure.code)
    return failure


def _print_summary(summary: ImportSummary, *, dry_run: bool) -> None:
    table = Table(title="Letterboxd import" + (" (dry run: nothing written)" if dry_run else ""), show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    resolved = summary.resolved
    deduplicated: list[tuple[str, str]] = [("Deduplicated", f"{summary.deduplicated:,}")]
    if summary.duplicates_in_export:
        # Split: the write bar counts only the reviews sent, and a duplicate within the export is not.
        deduplicated = [
            ("Deduplicated by the server", f"{summary.deduplicated - summary.duplicates_in_export:,}"),
            ("Duplicates in the export (not sent)", f"{summary.duplicates_in_export:,}"),
        ]
    kinds = summary.entries_by_kind
    rows: list[tuple[str, str]] = [
        ("Files read", ", ".join(summary.files_read)),
        (
            "Entries read (logged / rated only / watched only)",
            f"{summary.entries_read:,} ({kinds['diary'] + kinds['review']:,} / {kinds['rating']:,} / "
            f"{kinds['watched']:,})",
        ),
        ("Rows rejected", f"{summary.rejected_rows:,}"),
        ("Distinct titles", f"{summary.distinct_titles:,}"),
        (
            "Resolved (high / medium / low / none)",
            f"{resolved['high']:,} / {resolved['medium']:,} / {resolved['low']:,} / {resolved['none']:,}",
        ),
        ("Entries matched by override", f"{summary.overridden:,}"),
        ("Held back by the year guard", f"{summary.year_mismatches:,}"),
        ("Tags cut to 64 characters / left out", f"{summary.tags_cut:,} / {summary.tags_dropped:,}"),
        ("Created" if not dry_run else "Would write", f"{summary.created if not dry_run else summary.to_write:,}"),
        *deduplicated,
        ("Already imported (earlier runs)", f"{summary.already_imported:,}"),
        ("Unmatched", f"{summary.unmatched:,}"),
        ("Failed", f"{summary.failed:,}"),
    ]
    if summary.resent_uncertain:
        rows.append(("Sent again: maybe stored by an earlier run", f"{summary.resent_uncertain:,}"))
    if summary.uncertain or summary.stopped is not None:
        # Apart from "not sent": these were sent and may well be stored; a resume settles it.
        rows.append(("Maybe stored (sent, no answer; resume confirms)", f"{summary.uncertain:,}"))
    if summary.entries != summary.entries_read:
        rows.insert(2, ("Entries in this run (--limit)", f"{summary.entries:,}"))
    if summary.watched_only_left:
        rows.insert(2, ("Watched only, not imported (--include-watched)", f"{summary.watched_only_left:,}"))
    if summary.stopped is not None:
        rows.append(("Not sent yet (not stored; resume sends them)", f"{summary.not_sent:,}"))
    requests = summary.requests
    rows += [
        (
            "Requests (resolve + batch)",
            f"{requests['resolve'] + requests['batch'] + requests['other']:,} "
            f"({requests['resolve']:,} + {requests['batch']:,})",
        ),
        ("Elapsed", f"{summary.elapsed_seconds:,.1f}s"),
    ]
    for label, value in rows:
        table.add_row(label, value)
    stdout_console().print(table)
    for change in summary.tags_changed[:_MAX_WARNINGS]:
        what = f"cut to {change['kept']!r}" if change["action"] == "cut" else "left out"
        warn(
            f"{change['source']} row {change['row']} ({change['title']}): tag {change['tag']!r} {what}: {change['why']}"
        )
    if len(summary.tags_changed) > _MAX_WARNINGS:
        warn(f"… and {len(summary.tags_changed) - _MAX_WARNINGS:,} more tag changes (all listed with --report)")
    if summary.unmatched_csv and summary.not_imported:
        click.echo(f"Not imported: {summary.not_imported:,} entries, listed in {summary.unmatched_csv}", err=True)
