"""`flick import letterboxd` against a live server: budget, resume, quota, overrides, bad input."""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flick_async import AsyncFlick, ReviewInput
from flick_async.cli._import import _Bars
from flick_async.cli._importer import Importer, ImportOptions, ImportSummary
from flick_async.cli._journal import Journal
from flick_async.cli._letterboxd import read_letterboxd
from flick_async.cli._overrides import Override, Overrides
from flick_async.testing import DEMO_API_KEY, APIDisabled, FakeClock, FlickServer

from .conftest import EXPORT, Live, one_line_error, serve

DIARY_HEADER = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
REVIEWS_HEADER = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n"


def _export(folder: Path, diary: str, reviews: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "diary.csv").write_text(DIARY_HEADER + diary, encoding="utf-8")
    (folder / "reviews.csv").write_text(REVIEWS_HEADER + reviews, encoding="utf-8")
    return folder


def _report(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _identities(reviews: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["media"]["tmdb_id"], r["media"]["type"], r["rating"], r["review"], r["watched_date"]) for r in reviews]


def _import(live: Live, export: Path, state: Path, *args: str | Path) -> tuple[Any, dict[str, Any]]:
    report = state / "report.json"
    result = live.flick("import", "letterboxd", export, "--state-dir", state, "--report", report, *args)
    return result, _report(report)


def test_real_export_sample_spends_exactly_the_request_floor(live: Live, tmp_path: Path) -> None:
    """A sample of the real export: one resolve per distinct title, one batch per 50 written, nothing else."""
    result, report = _import(live, EXPORT, tmp_path, "--limit", "160")
    written = report["created"] + report["deduplicated"] - report["already_imported"]
    sent = report["to_write"]
    assert report["entries"] == 160
    assert report["created"] == len(live.server.reviews(live.account)) == sent  # a fresh account: nothing to dedupe
    routes = live.routes()
    assert routes.count("GET /resolve") == report["distinct_titles"]
    assert routes.count("POST /me/reviews/batch") == math.ceil(sent / 50)
    assert len(routes) == report["distinct_titles"] + math.ceil(sent / 50)
    assert report["requests"]["total"] == len(routes) + live.refused()
    assert report["requests"]["429"] == live.refused()
    assert written + report["unmatched"] + report["failed"] == 160
    # Some titles of the real export are not in the demo catalog: a partial import, exit code 5.
    assert report["unmatched"] > 0
    assert result.exit_code == 5
    # A partial import is not an error: no `Error:` line, but what was left and the next step.
    assert "Error:" not in result.stderr
    assert f"Not imported: {report['unmatched']:,} entries, listed in" in result.stderr
    assert "re-run with --overrides" in result.stderr


def test_re_running_a_finished_import_sends_nothing(live: Live, tmp_path: Path) -> None:
    """The second run answers everything from the journal: zero requests, no review written twice."""
    _import(live, EXPORT, tmp_path, "--limit", "80")
    before = live.server.reviews(live.account)
    sent = len(live.routes())
    result, report = _import(live, EXPORT, tmp_path, "--limit", "80")
    assert len(live.routes()) == sent
    assert live.server.reviews(live.account) == before
    assert report["already_imported"] == len(before)
    assert (report["created"], report["requests"]["total"], report["resolve_cached"]) == (
        0,
        0,
        report["distinct_titles"],
    )
    assert result.exit_code == 5  # still partial: the same titles are still unmatched


def test_interrupted_import_resumes_with_only_what_was_left(live: Live, tmp_path: Path) -> None:
    """Stopped after two batches (the API goes down), a re-run sends only the rest: none duplicated, none missing."""
    live.server.faults.add("POST /me/reviews/batch", APIDisabled(), on=[3])
    first, report = _import(live, EXPORT, tmp_path, "--limit", "240", "--concurrency", "1")
    assert first.exit_code == 1
    assert "run the same command again to resume" in one_line_error(first)
    assert report["created"] == 100
    assert report["stopped"] == "error"
    to_write = report["to_write"]
    left = to_write - 100

    live.server.faults.clear()
    live.server.request_log.clear()
    second, report = _import(live, EXPORT, tmp_path, "--limit", "240")
    assert live.routes() == ["POST /me/reviews/batch"] * math.ceil(left / 50)
    assert (report["created"], report["already_imported"]) == (left, 100)
    reviews = live.server.reviews(live.account)
    assert len(reviews) == to_write
    assert len(set(_identities(reviews))) == to_write
    assert second.exit_code == 5


def test_interrupt_journals_the_verdicts_not_yet_delivered(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C with a confirmed batch half delivered: its undelivered verdicts are journaled, so none is re-sent."""
    diary = "".join(
        f"2024-01-{day:02d},Alien,1979,https://boxd.it/a{day},{day % 5 + 1},,,2024-01-{day:02d}\n"
        for day in range(1, 29)
    )
    diary += "".join(
        f"2024-02-{day:02d},Aliens,1986,https://boxd.it/b{day},{day % 5 + 1},,,2024-02-{day:02d}\n"
        for day in range(1, 23)
    )
    export = _export(tmp_path / "export", diary)  # 50 entries: one batch

    def interrupt(self: object, done: int, summary: object) -> None:
        # The first verdict of the batch is handled; the other 49 are confirmed but not yet delivered.
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(_Bars, "written", interrupt)
        first, report = _import(live, export, tmp_path / "state")
    assert first.exit_code == 130
    assert "interrupted; run the same command again to resume" in one_line_error(first)
    assert (report["created"], report["not_sent"], report["stopped"]) == (50, 0, "interrupted")
    assert len(live.server.reviews(live.account)) == 50

    live.server.request_log.clear()
    second, report = _import(live, export, tmp_path / "state")
    assert second.exit_code == 0, second.output
    # A re-sent review would cost a batch request and come back deduplicated: neither happens.
    assert live.routes() == []
    assert (report["already_imported"], report["created"], report["deduplicated"]) == (50, 0, 0)


def test_plan_looks_each_override_up_once_and_validates_without_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan asks the overrides once per entry and builds each body with to_body(), not the request model."""
    export = read_letterboxd(
        _export(
            tmp_path / "export",
            "2024-01-03,Alien,1979,https://boxd.it/a1,4,,,2024-01-02\n"
            "2024-01-04,Aliens,1986,https://boxd.it/a2,3,,,2024-01-04\n"
            "2024-01-05,Alien,1979,https://boxd.it/a3,5,,,2024-01-05\n",
        )
    )
    overrides = Overrides(by_title={("Alien", 1979): Override("348", "movie", 1)})
    lookups: list[str] = []
    lookup = Overrides.lookup

    def counted(self: Overrides, *, title: str, year: int | None, uri: str | None) -> Override | None:
        lookups.append(title)
        return lookup(self, title=title, year=year, uri=uri)

    def no_model(self: ReviewInput, **kwargs: object) -> None:
        raise AssertionError("the plan builds the body with to_body()")

    monkeypatch.setattr(Overrides, "lookup", counted)
    monkeypatch.setattr(ReviewInput, "to_request", no_model)
    summary = ImportSummary(export="export")
    with Journal(tmp_path / "journal.sqlite3", base_url="http://127.0.0.1:9/api/beta", api_key="k") as journal:
        importer = Importer(
            AsyncFlick(DEMO_API_KEY, base_url="http://127.0.0.1:9/api/beta"),
            export,
            journal,
            overrides,
            ImportOptions(),
            summary,
        )
        assert importer.titles_to_resolve() == [("Aliens", 1986)]
        planned = importer.plan()
    assert lookups == ["Alien", "Aliens", "Alien"]
    assert [p.body.to_body() for p in planned] == [
        {"tmdb_id": "348", "media_type": "movie", "rating": 8.0, "watched_date": "2024-01-02"},
        {"tmdb_id": "348", "media_type": "movie", "rating": 10.0, "watched_date": "2024-01-05"},
    ]
    assert (summary.overridden, summary.unmatched, summary.to_write) == (2, 1, 2)


def test_a_duplicate_in_the_export_is_named_apart_from_the_server_s(live: Live, tmp_path: Path) -> None:
    """A review twice in the export is not sent: the bar and the summary say so, so their counts agree."""
    row = "2024-01-03,Alien,1979,https://boxd.it/a1,4,,,2024-01-02\n"
    export = _export(tmp_path / "export", row + row + "2024-01-05,Aliens,1986,https://boxd.it/a2,3,,,\n")
    state = tmp_path / "state"
    report_path = state / "report.json"
    result = live.flick(
        "import", "letterboxd", export, "--state-dir", state, "--report", report_path, env={"COLUMNS": "200"}
    )
    report = _report(report_path)
    assert result.exit_code == 0, result.output
    assert (report["to_write"], report["created"], report["deduplicated"], report["duplicates_in_export"]) == (
        2,
        2,
        1,
        1,
    )
    table = " ".join(result.stdout.split())
    assert "│ Created │ 2 │ │ Deduplicated by the server │ 0 │ │ Duplicates in the export (not sent) │ 1 │" in table
    bar = " ".join(result.stderr.split())
    assert "Write" in bar
    assert "2/2" in bar
    assert "2 created, 0 deduplicated (+1 duplicate in the export, not sent)" in bar


def test_write_bar_keeps_its_count_on_80_columns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's bar on 80 columns: the long status is cut short, never the 2030/2030 count."""
    monkeypatch.setenv("COLUMNS", "80")
    bars = _Bars()
    summary = ImportSummary(export="export", created=2029, deduplicated=2, duplicates_in_export=1)
    with bars.progress:
        bars.write_started(2030)
        bars.written(2030, summary)
    line = capsys.readouterr().err.splitlines()[-1]
    assert len(line) <= 80
    assert line.startswith("Write ")
    assert "2030/2030" in line
    assert "ETA done 2,029 created, 1 deduplicat" in line


def test_dry_run_resolves_and_writes_nothing(live: Live, tmp_path: Path) -> None:
    """--dry-run spends only resolve requests and reports what it would write."""
    result, report = _import(live, EXPORT, tmp_path, "--limit", "30", "--dry-run")
    assert result.exit_code == 0
    assert set(live.routes()) == {"GET /resolve"}
    assert live.server.reviews(live.account) == []
    assert report["to_write"] > 0
    assert report["dry_run"] is True
    assert "dry run" in result.stdout


def test_review_text_rating_tags_and_dates_arrive(live: Live, tmp_path: Path) -> None:
    """An entry in both files is one review: text from reviews.csv, rating doubled, tags split, watched date."""
    export = _export(
        tmp_path / "export",
        '2024-01-03,Alien,1979,https://boxd.it/a1,4.5,,"space, horror",2024-01-02\n'
        "2024-01-05,Aliens,1986,https://boxd.it/a2,3,,,\n",
        '2024-01-03,Alien,1979,https://boxd.it/a1,4.5,,"In space, no one\nhears you.","space, horror",2024-01-02\n',
    )
    result, report = _import(live, export, tmp_path / "state")
    assert result.exit_code == 0, result.output
    assert (report["created"], report["entries"], report["requests"]["total"]) == (2, 2, 3)
    by_title = {r["media"]["title"]: r for r in live.server.reviews(live.account)}
    alien, aliens = by_title["Alien"], by_title["Aliens"]
    assert (alien["rating"], alien["review"], alien["tags"], alien["watched_date"]) == (
        9.0,
        "In space, no one\nhears you.",
        ["space", "horror"],
        "2024-01-02",
    )
    # An empty Watched Date is sent as none, not as the day it was logged (2024-01-05): no invented dates.
    assert (aliens["rating"], aliens["review"], aliens["watched_date"]) == (6.0, None, None)


def test_unmatched_csv_fixed_and_passed_back_as_overrides(live: Live, tmp_path: Path) -> None:
    """An unknown title lands in unmatched.csv; filled in and passed back, it is imported without a resolve."""
    export = _export(
        tmp_path / "export",
        "2024-01-03,Alien,1979,https://boxd.it/a1,4,,,2024-01-02\n"
        "2024-01-04,Qwzx Nonexistent Picture,1999,https://boxd.it/a2,3,,,2024-01-04\n",
    )
    state = tmp_path / "state"
    first, _ = _import(live, export, state)
    assert first.exit_code == 5
    unmatched = state / "unmatched.csv"
    rows = _csv_rows(unmatched)
    assert [(r["status"], r["title"], r["year"], r["row"]) for r in rows] == [
        ("unmatched", "Qwzx Nonexistent Picture", "1999", "2")
    ]
    rows[0].update(tmdb_id="679", media_type="movie")
    with unmatched.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    live.server.request_log.clear()
    second, report = _import(live, export, state, "--overrides", unmatched)
    assert second.exit_code == 0, second.output
    assert live.routes() == ["POST /me/reviews/batch"]
    assert (report["created"], report["already_imported"], report["overridden"]) == (1, 1, 1)
    assert sorted(r["media"]["tmdb_id"] for r in live.server.reviews(live.account)) == ["348", "679"]


def test_min_confidence_low_writes_weaker_matches(live: Live, tmp_path: Path) -> None:
    """A low-confidence match is unmatched by default and written with --min-confidence low."""
    export = _export(tmp_path / "export", "2024-01-03,The Descent,2005,https://boxd.it/a1,4,,,2024-01-02\n")
    first, report = _import(live, export, tmp_path / "state")
    assert (first.exit_code, report["unmatched"], report["resolved"]["low"]) == (5, 1, 1)
    second, report = _import(live, export, tmp_path / "state", "--min-confidence", "low")
    assert (second.exit_code, report["created"], report["requests"]["total"]) == (0, 1, 1)


def test_rejected_row_is_reported_and_not_written(live: Live, tmp_path: Path) -> None:
    """A row with a bad value is named on stderr and in unmatched.csv; the other rows are imported."""
    export = _export(
        tmp_path / "export",
        "2024-01-03,Alien,1979,https://boxd.it/a1,4,,,2024-01-02\n2024-01-04,Aliens,1986,https://boxd.it/a2,7,,,\n",
    )
    result, report = _import(live, export, tmp_path / "state")
    assert result.exit_code == 5
    assert "Warning: skipped diary.csv row 2 (line 3), column 'Rating'" in result.stderr
    assert (report["created"], report["rejected_rows"]) == (1, 1)
    [row] = _csv_rows(tmp_path / "state" / "unmatched.csv")
    assert (row["status"], row["source"], row["row"]) == ("rejected", "diary.csv", "2")


BAD_EXPORTS = {
    "not-an-export": ({"notes.txt": b"hello"}, "is not a Letterboxd export"),
    "missing-column": ({"diary.csv": b"Date,Name,Year\n2024-01-01,Alien,1979\n"}, "diary.csv"),
    "semicolons": (
        {"diary.csv": DIARY_HEADER.replace(",", ";").encode() + b"2024-01-01;Alien;1979;;;;;\n"},
        "separated by ';'",
    ),
    "empty": ({"diary.csv": b""}, "diary.csv: the file is empty"),
    "mojibake": ({"diary.csv": (DIARY_HEADER + "2024-01-01,AmÃ©lie,2001,,,,,\n").encode()}, "wrong encoding"),
    "latin-1": ({"diary.csv": (DIARY_HEADER + "2024-01-01,Amélie,2001,,,,,\n").encode("latin-1")}, "not UTF-8"),
}


@pytest.mark.parametrize("case", list(BAD_EXPORTS))
def test_bad_export_is_one_line_exit_6_and_no_request(live: Live, tmp_path: Path, case: str) -> None:
    """An unreadable export fails before any request, with one line naming the file."""
    files, expected = BAD_EXPORTS[case]
    folder = tmp_path / "export"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if "diary.csv" in files:
        (folder / "reviews.csv").write_text(REVIEWS_HEADER, encoding="utf-8")
    result = live.flick("import", "letterboxd", folder, "--state-dir", tmp_path / "state")
    assert result.exit_code == 6
    assert expected in one_line_error(result)
    assert live.routes() == []


def test_bad_overrides_file_names_the_row(live: Live, tmp_path: Path) -> None:
    """An overrides row with a bad media type fails with exit 6, naming file and row."""
    export = _export(tmp_path / "export", "2024-01-03,Alien,1979,https://boxd.it/a1,4,,,2024-01-02\n")
    overrides = tmp_path / "fix.csv"
    overrides.write_text("title,year,tmdb_id,media_type\nAlien,1979,348,film\n", encoding="utf-8")
    result = live.flick("import", "letterboxd", export, "--overrides", overrides, "--state-dir", tmp_path / "s")
    assert result.exit_code == 6
    assert (
        one_line_error(result)
        == "Error: fix.csv row 1: media_type must be movie, tv, tv_season or tv_episode, not 'film'"
    )
    assert live.routes() == []


# -- the daily quota, across processes --------------------------------------------------------


@pytest.fixture
def quota_server() -> Iterator[Live]:
    """A server on a fake clock whose key may send 25 requests a day (its minute window never turns)."""
    yield from serve(FlickServer(clock=FakeClock(), rate_limit=60, daily_limit=25))


def _flick_process(live: Live, *args: str | Path) -> subprocess.CompletedProcess[str]:
    # A new process per run, as a user re-running the command the next day: the SDK's rate
    # limiter lives in the process and would otherwise remember yesterday's spent quota.
    env = {**os.environ, **live.env()}
    return subprocess.run(
        [sys.executable, "-m", "flick_async.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_daily_quota_stops_cleanly_and_resumes_the_next_day(quota_server: Live, tmp_path: Path) -> None:
    """The quota runs out mid-write: exit 4 naming the UTC reset; after midnight the re-run sends only the rest."""
    live = quota_server
    diary = "".join(
        f"2024-01-{day:02d},Alien,1979,https://boxd.it/a{day},{day % 5 + 1},,,2024-01-{day:02d}\n"
        for day in range(1, 29)
    )
    diary += "".join(
        f"2024-02-{day:02d},Aliens,1986,https://boxd.it/b{day},{day % 5 + 1},,,2024-02-{day:02d}\n"
        for day in range(1, 28)
    )
    export = _export(tmp_path / "export", diary)  # 55 entries of 2 titles: 2 resolves + 2 batches
    assert isinstance(live.server.clock, FakeClock)
    now = datetime.datetime.fromtimestamp(live.server.clock.time(), datetime.UTC)
    midnight = datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time(), datetime.UTC)
    # Spend all but 3 of the day's requests: the two resolves and one batch fit, the second batch does not.
    for _ in range(22):
        assert live.flick("me").exit_code == 0
    state = tmp_path / "state"
    first = _flick_process(live, "import", "letterboxd", export, "--state-dir", state, "--concurrency", "1")
    assert first.returncode == 4, first.stderr
    assert "Traceback" not in first.stderr
    error = [line for line in first.stderr.splitlines() if line.startswith("Error:")]
    assert error == [
        f"Error: the daily request quota is spent; it resets at {midnight:%Y-%m-%d %H:%M} UTC; "
        "run the same command again to resume; nothing confirmed will be sent twice after that"
    ]
    assert len(live.server.reviews(live.account)) == 50

    live.server.clock.advance((midnight - now).total_seconds() + 1)
    live.server.request_log.clear()
    second = _flick_process(live, "import", "letterboxd", export, "--state-dir", state)
    assert second.returncode == 0, second.stderr
    assert live.routes() == ["POST /me/reviews/batch"]
    reviews = live.server.reviews(live.account)
    assert len(reviews) == len(set(_identities(reviews))) == 55
