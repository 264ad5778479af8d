"""The Letterboxd import itself: plan, resolve, write, with every answer journaled.

Phases, each spending only what it must:

1. Plan: every entry either has an override, or needs its (title, year) resolved. Each
   distinct (title, year) is resolved once, and never again once the journal has its answer.
2. Resolve: the titles not in the journal, a few in flight at a time (the client's throttle
   paces them to the rate limit). Each answer is journaled the moment its response arrives
   (`on_response`, an httpx response hook), before the SDK hands it back: an interruption costs
   at most the requests still in flight, not the answers already received.
3. Decide: a match at or above `min_confidence` becomes a review; anything else is listed in
   `unmatched.csv` with its best candidate, for the user to fix and pass back as overrides.
   The year guard: when the export gives a year and the match's year differs, the match is
   never `high` for the importer, whatever its score (an 1896 film left out of the catalog
   matched the same-titled 1895 film at 0.95). A candidate of the export's own year is taken
   instead when the server rates it well enough (same-titled remakes); otherwise a year off by
   one (festival vs release year) counts as `medium` at best, and one further off as `low`.
4. Write: reviews the journal has no verdict for, in batches of 50 through `stream_create`;
   each verdict is journaled the moment it arrives, with the batch's honest statuses: `created`
   and `deduplicated` are stored (never sent again), `failed` certainly not stored, and
   `uncertain` (sent, no readable answer: maybe stored) re-sent by the next run, where the
   server deduplicates it if it was stored. A run stopped mid-write counts the reviews of the
   batches in flight as maybe stored (`BatchStream.unconfirmed`), apart from those never sent
   (`BatchStream.unsent`).

So an import of N entries with U distinct titles costs U resolve requests and ⌈W/50⌉ batch
requests for the W reviews written (plus retries), and nothing else.
"""

from __future__ import annotations

import csv
import json
import math
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx
import regex
from flick_api.models import Candidate, MediaType, ResolveResult

from flick_async._batch import BatchOutcome
from flick_async._client import AsyncFlick
from flick_async._errors import (
    APIDisabledError,
    APIError,
    AuthenticationError,
    ClientClosedError,
    FlickError,
    PermissionDeniedError,
    RateLimitError,
    ValidationError,
)
from flick_async._validation import MAX_TAG, MAX_TAGS, ReviewInput
from flick_async.cli._journal import Journal, WriteRecord, fingerprint
from flick_async.cli._letterboxd import LetterboxdEntry, LetterboxdExport, RejectedRow
from flick_async.cli._overrides import Override, Overrides

__all__ = ["CONFIDENCE_LEVELS", "ImportOptions", "ImportSummary", "Importer", "Progress", "RateEta"]

CONFIDENCE_LEVELS = ("high", "medium", "low")
CHUNK = 50
TitleKey = tuple[str, int | None]
# Errors the server gives for one item that no retry will change: journaled as final.
_FINAL_ITEM_CODES = frozenset({"media_not_found", "invalid_request"})
UNMATCHED_FIELDS = (
    "status",
    "source",
    "row",
    "title",
    "year",
    "letterboxd_uri",
    "watched_date",
    "reason",
    "best_title",
    "best_year",
    "best_tmdb_id",
    "best_media_type",
    "score",
    "confidence",
    "tmdb_id",
    "media_type",
    "season_number",
    "episode_number",
)
_GRAPHEME = regex.compile(r"\X")


@attrs.frozen
class ImportOptions:
    """What `flick import letterboxd` was asked to do."""

    min_confidence: str = "high"
    dry_run: bool = False
    limit: int | None = None
    concurrency: int = 4
    resolve_concurrency: int = 8


@attrs.define
class ImportSummary:
    """Counts of one run; `as_json()` is what `--report` writes."""

    export: str
    files_read: list[str] = attrs.field(factory=list)
    entries_read: int = 0
    entries_by_kind: dict[str, int] = attrs.field(
        factory=lambda: dict.fromkeys(("diary", "review", "rating", "watched"), 0)
    )
    ratings_logged: int = 0  # ratings.csv rows of films with a diary or review entry: not written again
    watched_only_left: int = 0  # watched.csv-only films left out (no --include-watched)
    rejected_rows: int = 0
    skipped_deleted: int = 0
    skipped_orphaned: int = 0
    entries: int = 0
    distinct_titles: int = 0
    resolved: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(("high", "medium", "low", "none"), 0))
    overridden: int = 0
    resolve_cached: int = 0
    year_mismatches: int = 0  # entries whose best match has another year: held back by the year guard
    tags_changed: list[dict[str, Any]] = attrs.field(factory=list)  # each tag cut or dropped, with its entry
    to_write: int = 0
    created: int = 0
    deduplicated: int = 0
    duplicates_in_export: int = 0  # of `deduplicated`: the same review twice in the export, not sent
    already_imported: int = 0
    unmatched: int = 0
    failed: int = 0
    uncertain: int = 0  # sent without a readable answer, or in flight when the run stopped: maybe stored
    resent_uncertain: int = 0  # of to_write: maybe stored by an earlier run, sent again (the server deduplicates)
    not_sent: int = 0  # certainly not stored: never sent (the run stopped first), or refused whole
    requests: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(("resolve", "batch", "other", "429"), 0))
    elapsed_seconds: float = 0.0
    dry_run: bool = False
    stopped: str | None = None
    resumes_at: str | None = None
    unmatched_csv: str | None = None
    journal: str | None = None

    @property
    def tags_cut(self) -> int:
        """Tags cut to 64 characters."""
        return sum(change["action"] == "cut" for change in self.tags_changed)

    @property
    def tags_dropped(self) -> int:
        """Tags left out: the 21st and later, or a cut tag that became a repeat of another."""
        return sum(change["action"] == "dropped" for change in self.tags_changed)

    @property
    def not_imported(self) -> int:
        """Entries that are neither on the account nor on their way: unmatched, failed, rejected."""
        return self.unmatched + self.failed + self.rejected_rows

    def as_json(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["tags_cut"], data["tags_dropped"] = self.tags_cut, self.tags_dropped
        data["requests"] = {**self.requests, "total": sum(v for k, v in self.requests.items() if k != "429")}
        data["elapsed_seconds"] = round(self.elapsed_seconds, 2)
        return data


class Progress:
    """Callbacks the import reports through; the CLI draws bars from them. No-ops by default."""

    def resolve_started(self, total: int) -> None: ...

    def resolved(self, done: int) -> None: ...

    def write_started(self, total: int) -> None: ...

    def written(self, done: int, summary: ImportSummary) -> None: ...


@attrs.frozen
class _Decision:
    tmdb_id: str | None
    media_type: str | None
    reason: str | None = None  # why not, when tmdb_id is None
    best: Candidate | None = None


@attrs.frozen
class _Planned:
    entry: LetterboxdEntry
    key: str
    body: ReviewInput


class Importer:
    """One run of a Letterboxd import.

    Args:
        client: The API client (its throttle paces every request).
        export: What the reader read.
        journal: The journal of this export.
        overrides: The user's overrides.
        options: The run's options.
        summary: Filled in as the run goes, so that it is complete even when the run stops early.
        progress: Where progress is reported.
    """

    def __init__(
        self,
        client: AsyncFlick,
        export: LetterboxdExport,
        journal: Journal,
        overrides: Overrides,
        options: ImportOptions,
        summary: ImportSummary,
        progress: Progress | None = None,
    ) -> None:
        self._client = client
        self._export = export
        self._journal = journal
        self._options = options
        self.summary = summary
        self._progress = progress or Progress()
        self._results: dict[TitleKey, ResolveResult | str] = {}  # an answer, or why there is none
        self._resolving: set[TitleKey] = set()  # asked this run and not journaled yet
        self._tallied = False
        self.problems: list[dict[str, Any]] = []
        entries = export.entries
        self.entries: Sequence[LetterboxdEntry] = entries[: options.limit] if options.limit is not None else entries
        # Each entry's override, looked up once: the plan and the resolve phase both ask.
        self._override_of: list[Override | None] = [
            overrides.lookup(title=entry.name, year=entry.year, uri=entry.uri) for entry in self.entries
        ]
        s = summary
        s.entries_read = len(entries)
        s.files_read = list(export.files)
        for entry in self.entries:
            s.entries_by_kind[entry.kind] += 1
        s.ratings_logged = export.summary.ratings_logged
        s.watched_only_left = export.summary.watched_not_included
        s.rejected_rows = len(export.rejected)
        s.skipped_deleted = export.summary.skipped_deleted
        s.skipped_orphaned = export.summary.skipped_orphaned
        s.entries = len(self.entries)
        s.dry_run = options.dry_run
        for rejected in export.rejected:
            self.problems.append(_rejected_row(rejected))

    # -- plan and resolve ------------------------------------------------------------------

    def titles_to_resolve(self) -> list[TitleKey]:
        """The distinct (title, year) pairs that need `/resolve`, in export order; counts cache hits."""
        needed: dict[TitleKey, None] = {}
        distinct: set[TitleKey] = set()
        for entry, override in zip(self.entries, self._override_of, strict=True):
            key = (entry.name, entry.year)
            distinct.add(key)
            if override is None:
                needed.setdefault(key)
        self.summary.distinct_titles = len(distinct)
        todo = []
        for key in needed:
            cached = self._journal.resolution(*key)
            if cached is not None:
                self._results[key] = cached
                self.summary.resolve_cached += 1
            elif not 1 <= len(key[0]) <= 200:
                self._results[key] = "the title is longer than the 200 characters /resolve accepts"
            else:
                todo.append(key)
        return todo

    async def resolve(self, titles: Sequence[TitleKey]) -> None:
        """Resolve `titles`, a few at a time, journaling each answer as it arrives.

        Raises:
            FlickError: One that stops the whole job (auth, quota, rate limit, API disabled).
        """
        self._progress.resolve_started(len(titles))
        self._resolving.update(titles)
        done = 0
        pending: Iterator[TitleKey] = iter(titles)

        async def worker() -> None:
            nonlocal done
            for key in pending:
                title, year = key
                try:
                    result = await self._client.resolve(title, year=year)
                except FlickError as error:
                    if _stops_job(error):
                        raise
                    # Not journaled: a transient failure is worth another try on the next run.
                    self._results[key] = f"/resolve failed: {error}"
                else:
                    self._keep_resolution(key, result)
                done += 1
                self._progress.resolved(done)

        async with anyio.create_task_group() as tg:
            for _ in range(min(self._options.resolve_concurrency, max(1, len(titles)))):
                tg.start_soon(worker)

    def _keep_resolution(self, key: TitleKey, result: ResolveResult) -> None:
        if key in self._resolving:  # else on_response journaled it already
            self._resolving.discard(key)
            self._journal.save_resolution(*key, result)
        self._results[key] = result

    async def on_response(self, response: httpx.Response) -> None:
        """Journal a `/resolve` answer as it arrives (an httpx response hook of the client's `http_client`).

        The body is read shielded from cancellation: once the server's answer has started to
        arrive, Ctrl-C (or the daily quota stopping the other tasks) waits the few milliseconds
        it takes to land in the journal instead of throwing it away.
        """
        if response.status_code != 200 or not response.request.url.path.endswith("/resolve"):
            return
        params = response.request.url.params
        year_text = params.get("year")
        key: TitleKey = (params.get("title", ""), int(year_text) if year_text and year_text.isdigit() else None)
        if key not in self._resolving:
            return
        with anyio.CancelScope(shield=True), anyio.move_on_after(10):
            await response.aread()
        try:
            result = ResolveResult.from_dict(json.loads(response.content))
        except Exception:  # unreadable: the SDK raises its own error for it, in the task that asked
            return
        self._keep_resolution(key, result)

    def _decide(self, entry: LetterboxdEntry, override: Override | None) -> _Decision:
        if override is not None:
            return _Decision(override.tmdb_id, override.media_type)
        answer = self._results.get((entry.name, entry.year))
        if answer is None:
            return _Decision(None, None, "not resolved (the run stopped first)")
        if isinstance(answer, str):
            return _Decision(None, None, answer)
        best = answer.match
        if best is None:
            return _Decision(None, None, "no plausible match", answer.candidates[0] if answer.candidates else None)
        wanted = CONFIDENCE_LEVELS.index(self._options.min_confidence)

        def passes(confidence: str) -> bool:
            return confidence in CONFIDENCE_LEVELS and CONFIDENCE_LEVELS.index(confidence) <= wanted

        server = str(best.confidence)
        if entry.year is not None and best.year is not None and best.year != entry.year:
            # The year guard (see the module docstring and the README's matching rule).
            same_year = [c for c in answer.candidates if c.year == entry.year and passes(str(c.confidence))]
            if same_year:
                return _Decision(same_year[0].tmdb_id, str(same_year[0].media_type), best=same_year[0])
            capped = "medium" if abs(best.year - entry.year) == 1 else "low"
            # Only where the server's own level would pass is it the guard that holds the match
            # back (a level this version does not know passes nothing, as without the guard).
            if passes(server) and CONFIDENCE_LEVELS.index(server) < CONFIDENCE_LEVELS.index(capped):
                if passes(capped):
                    return _Decision(best.tmdb_id, str(best.media_type), best=best)
                self.summary.year_mismatches += 1
                off = "off by one (a festival vs a release year?)" if capped == "medium" else "a different film?"
                reason = (
                    f"the export says {entry.year}, the best match {best.title!r} is {best.year}: {off}; "
                    f"a match of another year counts as {capped} at best (--min-confidence "
                    f"{self._options.min_confidence}); check it, then fill in tmdb_id and media_type to import it"
                )
                return _Decision(None, None, reason, best)
        if passes(server):
            return _Decision(best.tmdb_id, str(best.media_type), best=best)
        reason = f"best match is only {server} confidence (--min-confidence {self._options.min_confidence})"
        return _Decision(None, None, reason, best)

    def tally_resolutions(self) -> None:
        """Count the answers by confidence (once): after the plan, or for a run stopped while resolving."""
        if self._tallied:
            return
        self._tallied = True
        s = self.summary
        for answer in self._results.values():
            if isinstance(answer, ResolveResult):
                # A level the beta API adds later is counted under its own name, not a KeyError.
                level = str(answer.match.confidence) if answer.match is not None else "none"
                s.resolved[level] = s.resolved.get(level, 0) + 1
            else:
                s.resolved["none"] += 1

    def plan(self) -> list[_Planned]:
        """Turn entries into reviews to write; list the rest as problems. Counts everything."""
        s = self.summary
        self.tally_resolutions()
        planned: list[_Planned] = []
        seen: set[str] = set()
        for entry, override in zip(self.entries, self._override_of, strict=True):
            decision = self._decide(entry, override)
            if override is not None:
                s.overridden += 1
            if decision.tmdb_id is None or decision.media_type is None:
                s.unmatched += 1
                self.problems.append(_problem(entry, "unmatched", decision.reason or "", decision.best))
                continue
            tags, changes = fit_tags(entry.tags)
            review = ReviewInput(
                tmdb_id=decision.tmdb_id,
                media_type=MediaType(decision.media_type),  # typed from text; to_body() still checks it
                season_number=override.season_number if override is not None else None,
                episode_number=override.episode_number if override is not None else None,
                rating=entry.rating,
                review=entry.review,
                watched_date=entry.watched_date,
                tags=tags,
            )
            try:
                # The body stream_create sends (it validates each item again as it reads it).
                body = review.to_body()
            except ValidationError as error:
                s.failed += 1
                self.problems.append(_problem(entry, "failed", f"not valid for Flick: {error}", decision.best))
                continue
            for change in changes:
                s.tags_changed.append({"source": entry.source, "row": entry.row, "title": entry.name, **change})
            key = fingerprint(body)
            known = self._journal.write(key)
            maybe_stored = known is not None and known.status == "uncertain"
            if known is not None and not maybe_stored:
                if known.status == "failed":
                    s.failed += 1
                    self.problems.append(_problem(entry, "failed", known.error or "refused", decision.best))
                else:
                    s.already_imported += 1
                continue
            if key in seen:
                # The same review twice in the export (one viewing logged twice): the server would
                # deduplicate the second; it is cheaper not to send it.
                s.deduplicated += 1
                s.duplicates_in_export += 1
                continue
            seen.add(key)
            if maybe_stored:
                s.resent_uncertain += 1  # maybe stored by an earlier run: sent again, the server's answer settles it
            planned.append(_Planned(entry, key, review))
        s.to_write = len(planned)
        return planned

    # -- write -----------------------------------------------------------------------------

    async def write(self, planned: Sequence[_Planned]) -> None:
        """Write `planned` in batches, journaling each verdict as it arrives.

        Raises:
            FlickError: One that stops the whole job; everything confirmed before it is journaled.
        """
        s = self.summary
        s.not_sent = len(planned)
        self._progress.write_started(len(planned))
        done = 0
        stream = self._client.reviews.stream_create(
            [p.body for p in planned], concurrency=self._options.concurrency, chunk_size=CHUNK
        )
        try:
            async with stream:
                async for outcome in stream:
                    self._record(planned[outcome.index], outcome)
                    done += 1
                    self._progress.written(done, s)
        finally:
            # Left early (Ctrl-C, cancellation, an error here): the server's verdicts on up to
            # chunk × (concurrency + 1) reviews were decided but not yet delivered. They are as
            # confirmed as the rest, so they are journaled the same way and never sent again.
            for outcome in stream.undelivered:
                self._record(planned[outcome.index], outcome)
            # The batches in flight when the job stopped: sent, no answer, so maybe stored. Not
            # "not sent yet": a resume re-sends them and the server deduplicates what it has.
            for index in stream.unconfirmed:
                s.not_sent -= 1
                self._maybe_stored(planned[index], "sent, but the run stopped before the answer came")
            # What is left of `not_sent` was never sent or refused whole (`stream.unsent`), or never
            # even read from the input (the stream reads lazily): certainly not stored, either way.

    def _record(self, item: _Planned, outcome: BatchOutcome) -> None:
        """Journal and count the server's verdict on one review."""
        s = self.summary
        s.not_sent -= 1
        review_id = outcome.review.id if outcome.review is not None else None
        if outcome.status in ("created", "deduplicated"):
            self._journal.save_write(item.key, WriteRecord(outcome.status, review_id, None))
            if outcome.status == "created":
                s.created += 1
            else:
                s.deduplicated += 1
            return
        error = outcome.error
        if outcome.status == "uncertain":
            self._maybe_stored(item, f"sent, no readable answer ({error})" if error is not None else "sent, no answer")
            return
        message = str(error) if error is not None else "failed"
        final = isinstance(error, ValidationError) or (isinstance(error, APIError) and error.code in _FINAL_ITEM_CODES)
        if final:
            self._journal.save_write(item.key, WriteRecord("failed", review_id, message))
        else:
            message += " (sent again on the next run)"
        s.failed += 1
        self.problems.append(_problem(item.entry, "failed", message, None))

    def _maybe_stored(self, item: _Planned, why: str) -> None:
        """Journal and count a review whose fate is unknown: maybe stored, re-sent by the next run."""
        s = self.summary
        s.uncertain += 1
        self._journal.save_write(item.key, WriteRecord("uncertain", None, why))
        reason = f"{why}: maybe stored; the next run sends it again (the server deduplicates it if stored)"
        self.problems.append(_problem(item.entry, "uncertain", reason, None))

    # -- report ----------------------------------------------------------------------------

    def write_unmatched(self, path: Path) -> None:
        """Write every entry not imported, for the user to fix and pass back with --overrides."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=UNMATCHED_FIELDS, lineterminator="\n")
            writer.writeheader()
            for problem in self.problems:
                writer.writerow(problem)
        self.summary.unmatched_csv = str(path)


def _stops_job(error: FlickError) -> bool:
    # One of these means every other request would fail too: stop, rather than fail each title.
    return isinstance(
        error, AuthenticationError | PermissionDeniedError | APIDisabledError | RateLimitError | ClientClosedError
    )


def fit_tags(tags: Sequence[str]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """Tags as Flick takes them (at most 20, each at most 64 characters), and each change made.

    A longer tag is cut at 64 characters between two characters as a reader sees them (grapheme
    clusters: an accent or an emoji sequence is never split), its trailing spaces dropped; tags
    past the 20th are left out, and so is a cut tag that became the same as a tag before it.
    Losing a tag beats losing the review, its rating and its text (the whole entry used to fail).

    Returns:
        The tags to send, and one `{"tag", "action" ("cut" or "dropped"), "kept", "why"}` per change.
    """
    kept: list[str] = []
    changes: list[dict[str, Any]] = []
    for tag in tags:
        if len(kept) == MAX_TAGS:
            changes.append({"tag": tag, "action": "dropped", "kept": None, "why": f"more than {MAX_TAGS} tags"})
            continue
        fitted = tag
        if len(tag) > MAX_TAG:
            fitted = ""
            for cluster in _GRAPHEME.findall(unicodedata.normalize("NFC", tag)):
                if len(fitted) + len(cluster) > MAX_TAG:
                    break
                fitted += cluster
            fitted = fitted.rstrip()
        if fitted != tag and (fitted in kept or not fitted):
            why = "the same as another tag once cut" if fitted else "empty once cut"
            changes.append({"tag": tag, "action": "dropped", "kept": None, "why": why})
            continue
        if fitted != tag:
            why = f"longer than {MAX_TAG} characters ({len(tag)})"
            changes.append({"tag": tag, "action": "cut", "kept": fitted, "why": why})
        kept.append(fitted)
    return tuple(kept), changes


def _problem(entry: LetterboxdEntry, status: str, reason: str, best: Candidate | None) -> dict[str, Any]:
    return {
        "status": status,
        "source": entry.source,
        "row": entry.row,
        "title": entry.name,
        "year": entry.year,
        "letterboxd_uri": entry.uri,
        "watched_date": entry.watched_date.isoformat() if entry.watched_date is not None else None,
        "reason": reason,
        "best_title": best.title if best else None,
        "best_year": best.year if best else None,
        "best_tmdb_id": best.tmdb_id if best else None,
        "best_media_type": str(best.media_type) if best else None,
        "score": f"{best.score:.2f}" if best else None,
        "confidence": str(best.confidence) if best else None,
        "tmdb_id": None,
        "media_type": None,
    }


def _rejected_row(rejected: RejectedRow) -> dict[str, Any]:
    return {
        "status": "rejected",
        "source": rejected.source,
        "row": rejected.row,
        "reason": str(rejected),
        **dict.fromkeys(("title", "year", "letterboxd_uri", "watched_date")),
    }


class RateEta:
    """Seconds that `n` more requests will take under the key's rate limit.

    From the last `X-RateLimit-*` snapshot: what is left of the current window goes at once, every
    further `limit` requests take one window. The window's length is learned from how far
    `X-RateLimit-Reset` moves when a window turns.
    """

    def __init__(self, client: AsyncFlick, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._clock = clock
        self._last_reset: float | None = None
        self.window: float | None = None

    def observe(self) -> None:
        status = self._client.rate_limit
        if status is None or status.reset is None:
            return
        if self._last_reset is not None and status.reset > self._last_reset:
            step = status.reset - self._last_reset
            self.window = step if self.window is None else min(self.window, step)
        self._last_reset = status.reset

    def seconds(self, requests: int) -> float | None:
        """The estimate, or None before the first response."""
        self.observe()
        status = self._client.rate_limit
        if requests <= 0:
            return 0.0
        if status is None or status.limit is None or status.remaining is None or status.reset is None:
            return None
        if requests <= status.remaining:
            return 0.0
        to_reset = max(0.0, status.reset - self._clock())
        window = self.window if self.window is not None else max(to_reset, 1.0)
        windows = math.ceil((requests - status.remaining) / max(1, status.limit))
        return to_reset + (windows - 1) * window

    def beyond_today(self, requests: int) -> bool:
        """Whether `requests` is more than the day's quota has left."""
        status = self._client.rate_limit
        return status is not None and status.remaining_day is not None and requests > status.remaining_day
