"""`flick export` and `flick server` against a live server."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flick_async import Page, PageIterator, Review
from flick_async.cli._exit import ExitCode, Failure
from flick_async.cli._export import _check_whole
from flick_async.testing import (
    APIDisabled,
    DeleteServed,
    FlickServer,
    InsertFirst,
    OddTotal,
    PageBoundary,
    RepeatedCursor,
)

from .conftest import Live, one_line_error, serve


@pytest.fixture(params=["page", "cursor"])
def live(request: pytest.FixtureRequest) -> Iterator[Live]:
    """The CLI's live server (see conftest), in each pagination style: every export test runs against both."""
    yield from serve(FlickServer(rate_limit=60, window_seconds=1.0, daily_limit=100_000, pagination=request.param))


@pytest.fixture
def stocked(live: Live) -> Live:
    """An account with 130 reviews (two pages), a watchlist item and a list of two."""
    s, a = live.server, live.account
    for day in range(130):
        s.add_review(a, tmdb_id="348", rating=day % 11, watched_date=f"2020-{day // 28 + 1:02d}-{day % 28 + 1:02d}")
    s.add_review(a, tmdb_id="679", review='Quotes "inside", commas, and\nnewlines', tags=["a b", "c"])
    s.add_to_watchlist(a, tmdb_id="348")
    s.add_list(a, "Two", [("348", "movie"), ("679", "movie", "second")], ranked=True)
    return live


def test_export_all_jsonl_is_a_complete_backup(stocked: Live, tmp_path: Path) -> None:
    """`export all` writes every review, watchlist item, list and list item as JSON Lines."""
    result = stocked.flick("export", "all", "-o", tmp_path / "backup")
    assert result.exit_code == 0, result.output
    files = {p.name: p.read_text(encoding="utf-8").splitlines() for p in (tmp_path / "backup").iterdir()}
    assert sorted(files) == ["list_items.jsonl", "lists.jsonl", "reviews.jsonl", "watchlist.jsonl"]
    server_reviews = stocked.server.reviews(stocked.account)
    assert [json.loads(line) for line in files["reviews.jsonl"]] == [
        Review.from_dict(r).to_dict() for r in server_reviews
    ]
    [the_list] = [json.loads(line) for line in files["lists.jsonl"]]
    items = [json.loads(line) for line in files["list_items.jsonl"]]
    assert [(i["list_id"], i["rank"], i["note"]) for i in items] == [
        (the_list["id"], 1, None),
        (the_list["id"], 2, "second"),
    ]
    assert len(files["watchlist.jsonl"]) == 1
    assert "Exported 131 reviews" in result.stderr


def test_export_reviews_csv_round_trips_awkward_text(stocked: Live, tmp_path: Path) -> None:
    """CSV export quotes commas, quotes and newlines, and joins tags with ', '."""
    out = tmp_path / "reviews.csv"
    assert stocked.flick("export", "reviews", "--format", "csv", "-o", out).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 131
    [awkward] = [r for r in rows if r["tmdb_id"] == "679"]
    assert (awkward["review"], awkward["tags"], awkward["media_type"]) == (
        'Quotes "inside", commas, and\nnewlines',
        "a b, c",
        "movie",
    )


def test_export_to_stdout_streams_jsonl(stocked: Live) -> None:
    """Without -o, a single kind goes to stdout, one JSON object per line."""
    result = stocked.flick("export", "watchlist")
    assert result.exit_code == 0
    [item] = [json.loads(line) for line in result.stdout.splitlines()]
    assert item["media"]["tmdb_id"] == "348"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_failed_export_resumes_from_its_token(stocked: Live, tmp_path: Path, fmt: str) -> None:
    """A failing second page stops the export (exit 1) with no file under the final name; the same command
    then resumes from the kept `.part` and its resume token, and the file holds every review exactly once."""
    stocked.server.paging.max_limit = 50
    stocked.server.faults.add("GET /me/reviews", APIDisabled(), on=[2])  # not retried: fails at once
    out = tmp_path / f"reviews.{fmt}"
    result = stocked.flick("export", "reviews", "--format", fmt, "-o", out)
    assert result.exit_code == 1
    assert "api_disabled" in one_line_error(result)
    assert "50 reviews kept in" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"reviews.{fmt}.part", f"reviews.{fmt}.part.resume"]
    stocked.server.add_review(stocked.account, tmdb_id="27205", review="arrived in between")
    again = stocked.flick("export", "reviews", "--format", fmt, "-o", out)
    assert again.exit_code == 0, again.output
    assert "(resumed)" in again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"reviews.{fmt}"]
    if fmt == "jsonl":
        ids = _ids(out)
    else:
        ids = [row["id"] for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))]
    expected = {review["id"] for review in stocked.server.reviews(stocked.account)}
    assert len(ids) == len(set(ids))
    assert len(expected - set(ids)) <= 1  # only the review that arrived after page 1 may be missing
    assert len(ids) >= 131


def test_fresh_starts_a_failed_export_over(stocked: Live, tmp_path: Path) -> None:
    """`--fresh` ignores what a failed run left and writes the whole file anew."""
    stocked.server.paging.max_limit = 50
    stocked.server.faults.add("GET /me/reviews", APIDisabled(), on=[2])
    out = tmp_path / "reviews.jsonl"
    assert stocked.flick("export", "reviews", "-o", out).exit_code == 1
    result = stocked.flick("export", "reviews", "--fresh", "-o", out)
    assert result.exit_code == 0, result.output
    assert "(resumed)" not in result.stderr
    assert _ids(out) == [review["id"] for review in stocked.server.reviews(stocked.account)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reviews.jsonl"]


def test_export_of_several_files_needs_a_folder(live: Live) -> None:
    """`export all` without -o is a usage error (exit 2), before any request."""
    result = live.flick("export", "all")
    assert result.exit_code == 2
    assert live.routes() == []


def test_server_help_is_the_testing_server_help(live: Live) -> None:
    """`flick server --help` passes through to `python -m flick_async.testing serve`."""
    from click.testing import CliRunner

    from flick_async.cli._main import cli

    result = CliRunner().invoke(cli, ["server", "--help"])
    assert result.exit_code == 0
    assert "--window-seconds" in result.stdout
    assert "--daily-limit" in result.stdout


# -- an export is a whole backup or none: clamps, shifts, odd totals ------------------------------


def _many_reviews(live: Live, count: int) -> list[str]:
    for n in range(count):
        live.server.add_review(live.account, tmdb_id="27205", review=f"review {n}", created_at=1_700_000_000 + n)
    return [review["id"] for review in live.server.reviews(live.account)]


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_from_a_clamping_server_is_complete(live: Live, tmp_path: Path) -> None:
    """250 reviews from a server capping pages at 50: all 250 written, exit 0."""
    expected = _many_reviews(live, 250)
    live.server.paging.max_limit = 50
    out = tmp_path / "reviews.jsonl"
    result = live.flick("export", "reviews", "-o", out)
    assert result.exit_code == 0, result.output
    assert _ids(out) == expected
    assert "Exported 250 reviews" in result.stderr


def test_export_with_deletions_between_pages_writes_every_survivor(live: Live, tmp_path: Path) -> None:
    """An already-written review deleted at every page boundary: every surviving review is in the file."""
    before = _many_reviews(live, 250)
    live.server.paging.max_limit = 50
    live.server.paging.between_pages("GET /me/reviews", DeleteServed())
    out = tmp_path / "reviews.jsonl"
    result = live.flick("export", "reviews", "-o", out)
    assert result.exit_code == 0, result.output
    written = _ids(out)
    survivors = [review["id"] for review in live.server.reviews(live.account)]
    assert len(written) == len(set(written))
    assert set(survivors) <= set(written) <= set(before)


def _delete_ahead(count: int) -> Callable[[PageBoundary], None]:
    """Between pages, delete the `count` items the walk would reach last (not served yet)."""

    def mutation(boundary: PageBoundary) -> None:
        served = set(boundary.served)
        ahead = [row.seq for row in boundary.rows() if row.seq not in served]
        for seq in ahead[-count:]:
            boundary.delete(seq)

    return mutation


@pytest.mark.parametrize(("deleted", "inserted"), [(15, 5), (5, 15), (15, 1), (15, 15)])
def test_heavy_deletes_ahead_and_inserts_at_the_top_replace_the_backup_when_it_is_whole(
    live: Live, tmp_path: Path, deleted: int, inserted: int
) -> None:
    """Items deleted before the walk reaches them, new ones added at the top, at every boundary: the
    backup holds every review present for the whole walk, so it replaces the previous one (exit 0).

    The old check wanted at least the smaller of the first and the last total, which bounds those
    reviews from above, not below: it refused every one of these good backups (exit 5). Left
    refused, on the safe side: a cursor walk whose deletions ahead were exactly balanced by inserts
    behind it, which shows no change at all and cannot be told from a server that lost items.
    """
    before = set(_many_reviews(live, 250))
    live.server.paging.max_limit = 50
    live.server.paging.between_pages("GET /me/reviews", _delete_ahead(deleted))
    live.server.paging.between_pages("GET /me/reviews", InsertFirst(inserted))
    out = tmp_path / "reviews.jsonl"
    out.write_text("previous backup\n", encoding="utf-8")
    result = live.flick("export", "reviews", "-o", out)
    throughout = before & {review["id"] for review in live.server.reviews(live.account)}
    if live.server.paging.style == "cursor" and deleted == inserted:
        assert result.exit_code == 5, result.output
        assert "of the 250 the server counted" in one_line_error(result)
        assert out.read_text(encoding="utf-8") == "previous backup\n"
        return
    assert result.exit_code == 0, result.output
    written = _ids(out)
    assert len(written) == len(set(written))
    assert throughout <= set(written)
    assert len(throughout) < 250 - deleted  # the case: fewer whole-walk reviews than either total


@pytest.mark.parametrize("total", [None, "many", [3]], ids=["null", "string", "list"])
def test_an_export_that_cannot_show_it_is_complete_keeps_the_previous_file(
    live: Live, tmp_path: Path, total: object
) -> None:
    """A walk that cannot show it is whole (page style: no usable `total`; cursor style: a repeated cursor):
    exit 5 with a one-line reason, the old backup untouched, no .part."""
    _many_reviews(live, 120)
    out = tmp_path / "reviews.jsonl"
    out.write_text("previous backup\n", encoding="utf-8")
    fault = OddTotal(total) if live.server.paging.style == "page" else RepeatedCursor()
    live.server.paging.max_limit = 50  # three pages: the second hands its own cursor back
    live.server.faults.add("GET /me/reviews", fault)
    result = live.flick("export", "reviews", "-o", out)
    assert result.exit_code == 5, result.output
    assert "incomplete" in one_line_error(result)
    assert out.read_text(encoding="utf-8") == "previous backup\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reviews.jsonl"]


def test_an_incomplete_list_items_walk_fails_export_all_and_replaces_nothing(stocked: Live, tmp_path: Path) -> None:
    """`export all` whose list-items walk cannot show it is whole: exit 5, the lists files keep their old text."""
    if stocked.server.paging.style == "cursor":
        pytest.skip("page style: a cursor walk needs no total (the repeated cursor case is tested above)")
    folder = tmp_path / "backup"
    folder.mkdir()
    for name in ("lists.jsonl", "list_items.jsonl"):
        (folder / name).write_text("previous\n", encoding="utf-8")
    stocked.server.faults.add("GET /me/lists/{list_id}/items", OddTotal(None))
    result = stocked.flick("export", "all", "-o", folder)
    assert result.exit_code == 5, result.output
    assert "export incomplete: items of list lst_" in one_line_error(result)
    assert {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.startswith("list")} == {
        "lists.jsonl": "previous\n",
        "list_items.jsonl": "previous\n",
    }


async def _walk(iterator: PageIterator[str]) -> int:
    return len([item async for item in iterator])


async def test_the_export_check_refuses_a_walk_cut_short_or_short_of_the_total() -> None:
    """A walk stopped early, or a complete-looking one with fewer records than the smaller total, is exit 5."""

    async def lying(*, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        return Page(items=["a", "b"], page=page or 1, limit=limit, total=5, has_more=False)

    async def empty_claiming_more(*, page: int | None, cursor: str | None, limit: int) -> Page[str]:
        items = ["a"] if (page or 1) == 1 else []
        return Page(items=items, page=page or 1, limit=1, total=5, has_more=True)

    short = PageIterator(lying, lambda item: item, limit=2)
    cut = PageIterator(empty_claiming_more, lambda item: item, limit=1)
    failures = []
    for iterator in (short, cut):
        written = await _walk(iterator)
        with pytest.raises(Failure) as caught:
            _check_whole("reviews", iterator, 5, written)
        failures.append((caught.value.code, caught.value.message))
    assert failures == [
        (
            ExitCode.PARTIAL,
            "export incomplete: reviews: wrote 2 but cannot show that is every item (the last page ended at item 2 "
            "of the 5 the server counted); nothing was replaced",
        ),
        (
            ExitCode.PARTIAL,
            "export incomplete: reviews: wrote 1 but cannot show that is every item (it stopped early "
            "(empty_page)); nothing was replaced",
        ),
    ]
    whole = PageIterator(lying, lambda item: item, limit=2)
    whole.complete = True  # as if proven: the count alone must still refuse 2 of 5
    with pytest.raises(Failure, match=r"wrote 2 of the 5 the server counted"):
        _check_whole("reviews", whole, 5, 2)


def test_a_part_left_by_another_key_is_not_resumed(stocked: Live, tmp_path: Path) -> None:
    """A `.part` cut off under one account's key, then the same command under another account's key: the
    file must hold the second account's reviews only, all of them (not the first's head and the second's
    tail, renamed as a whole backup)."""
    stocked.server.paging.max_limit = 50
    stocked.server.faults.add("GET /me/reviews", APIDisabled(), on=[2])
    out = tmp_path / "reviews.jsonl"
    assert stocked.flick("export", "reviews", "-o", out).exit_code == 1
    other = stocked.server.add_account()
    assert other.api_key is not None
    for n in range(120):
        stocked.server.add_review(other, tmdb_id="27205", review=f"other {n}", created_at=1_700_000_000 + n)
    result = stocked.flick("export", "reviews", "-o", out, env={"FLICK_API_KEY": other.api_key})
    assert result.exit_code == 0, result.output
    assert "(resumed)" not in result.stderr
    assert "cannot be resumed (resume: is the token of a walk under another API key" in result.stderr
    assert _ids(out) == [review["id"] for review in stocked.server.reviews(other)]
