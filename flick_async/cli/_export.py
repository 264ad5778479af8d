"""`flick export`: a complete backup of the account, streamed to JSON Lines or CSV.

Records are written as their page arrives, so memory does not grow with the account. Each file
is written under a `.part` name and renamed only when the walk that filled it can show it got
every item (`PageIterator.complete`, and no fewer records than the server counted): a file with
the final name is a whole backup, never a cut-off one. Otherwise the export exits 5 and a
previous file of that name stays as it was.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import anyio
import attrs
import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from flick_async._client import AsyncFlick
from flick_async._errors import ValidationError
from flick_async._pagination import PageIterator
from flick_async.cli._common import api_options, make_client, run, stderr_console
from flick_async.cli._exit import ExitCode, Failure
from flick_async.cli._main import cli
from flick_async.cli._records import KINDS, Kind, Listable, tracked_iter

__all__ = ["export"]

_SINGLE = ("reviews", "watchlist")


class _Writer:
    """One output file: JSON Lines or CSV rows of one record kind."""

    def __init__(
        self, stream: IO[str], kind: Kind[Any], fmt: str, extra_fields: tuple[str, ...] = (), *, header: bool = True
    ) -> None:
        self._stream = stream
        self._kind = kind
        self._fmt = fmt
        self.count = 0
        self._csv: csv.DictWriter[str] | None = None
        if fmt == "csv":
            self._csv = csv.DictWriter(stream, fieldnames=[*extra_fields, *kind.csv_fields], lineterminator="\n")
            if header:  # not when appending to a resumed file, which has its header
                self._csv.writeheader()

    def write(self, record: Any, **extra: Any) -> None:
        if self._csv is not None:
            row = {**extra, **self._kind.csv_row(record)}
            self._csv.writerow({k: "" if v is None else v for k, v in row.items()})
        else:
            self._stream.write(json.dumps({**extra, **record.to_dict()}, ensure_ascii=False) + "\n")
        self.count += 1


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    """stdout for None; otherwise `path`, written as `path.part` and renamed when complete."""
    if path is None:
        yield sys.stdout
        return
    part = path.with_name(path.name + ".part")
    with part.open("w", encoding="utf-8", newline="") as stream:
        try:
            yield stream
        except BaseException:
            stream.close()
            part.unlink(missing_ok=True)
            raise
    os.replace(part, path)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=False,
    )


def _check_whole(
    what: str, records: PageIterator[Any], first_total: int | None, written: int, *, moved: bool = False
) -> None:
    """Raise `Failure` (exit 5) unless the walk shows it got every item.

    The walk's own proof (`complete`) comes first. The server's count is a second check, and only
    for a list that did not change under the walk: every page counted the same total (`moved`
    says one did not), and no page repeated an item or had to be read again. Then a complete walk
    wrote exactly that many, and fewer means something was missed. A list that changed proves
    nothing by its count: a complete walk holds every item present for the whole walk, and items
    deleted before the walk reached them, with items added behind it, leave fewer of those than
    either total (the old check, "at least the smaller of the first and the last total", refused
    such good backups). A cursor walk whose deletions ahead were exactly balanced by insertions
    behind it shows no change, and is refused: it cannot be told from a server that lost items.
    """
    if not records.complete:
        reasons = "; ".join(records.incomplete_reasons)
        raise Failure(
            f"export incomplete: {what}: wrote {written:,} but cannot show that is every item ({reasons}); "
            "nothing was replaced",
            ExitCode.PARTIAL,
        )
    total = records.total if records.total is not None else first_total
    changed = (
        moved
        or (first_total is not None and records.total is not None and first_total != records.total)
        or records.duplicates_skipped > 0
        or records.boundary_rereads > 0
    )
    if total is not None and not changed and written < total:
        raise Failure(
            f"export incomplete: {what}: wrote {written:,} of the {total:,} the server counted; nothing was replaced",
            ExitCode.PARTIAL,
        )


@attrs.define
class _Walk:
    """Where a single-kind export stands: what a `.part.resume` file records if it is cut off."""

    what: str
    fmt: str
    written: int = 0
    first_total: int | None = None
    moved: bool = False  # a page counted another total than the first (see `_check_whole`)
    token: str | None = None

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(attrs.asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, what: str, fmt: str) -> _Walk | None:
        """The saved walk of the same kind and format, or None (absent, unreadable, another export)."""
        try:
            saved = cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        if (saved.what, saved.fmt) != (what, fmt) or saved.token is None:
            return None
        return saved


async def _export_paged(
    client: AsyncFlick, walk: _Walk, stream: IO[str], progress: Progress, *, header: bool = True
) -> int:
    kind = KINDS[walk.what]
    resource: Listable = client.reviews if walk.what == "reviews" else client.watchlist
    records, totals = tracked_iter(resource, kind, resume=walk.token)
    writer = _Writer(stream, kind, walk.fmt, header=header)
    writer.count = walk.written
    task = progress.add_task(walk.what, total=None, completed=writer.count)
    try:
        async for record in records:
            if writer.count == 0:
                walk.first_total = totals.total
            elif totals.total != walk.first_total:
                walk.moved = True
            writer.write(record)
            walk.written = writer.count
            progress.update(task, completed=writer.count, total=totals.total)
    finally:
        # Written before the next page is asked for: the token resumes after the last record on disk.
        walk.token = records.resume_token if records.stop_reason is None else None
    progress.update(task, completed=writer.count, total=writer.count)
    _check_whole(walk.what, records, walk.first_total if writer.count else totals.total, writer.count, moved=walk.moved)
    return writer.count


def _refused(client: AsyncFlick, walk: _Walk) -> str | None:
    """Why this client cannot resume the saved walk (a token of another API key), or None if it can."""
    resource: Listable = client.reviews if walk.what == "reviews" else client.watchlist
    try:
        resource.iter(resume=walk.token)
    except ValidationError as exc:
        return str(exc)
    return None


async def _export_paged_file(
    client: AsyncFlick, what: str, path: Path | None, fmt: str, progress: Progress, *, fresh: bool
) -> tuple[int, bool]:
    """Export one kind to `path` (stdout for None), resuming a cut-off `.part`; (records, resumed).

    If the walk fails part-way (an API error, a lost connection, Ctrl-C), the `.part` file stays
    beside a `.part.resume` file holding the walk's resume token, and the same command resumes
    from there instead of starting over (`--fresh` starts over).
    """
    if path is None:
        return await _export_paged(client, _Walk(what, fmt), sys.stdout, progress), False
    part = path.with_name(path.name + ".part")
    sidecar = path.with_name(path.name + ".part.resume")
    walk = None if fresh or not part.exists() else _Walk.load(sidecar, what, fmt)
    refused = None if walk is None else _refused(client, walk)
    if refused is not None:
        click.echo(f"{part} cannot be resumed ({refused}); starting over", err=True)
        walk = None
    resumed = walk is not None
    walk = walk or _Walk(what, fmt)
    with part.open("a" if resumed else "w", encoding="utf-8", newline="") as stream:
        try:
            count = await _export_paged(client, walk, stream, progress, header=not resumed)
        except Failure:  # the walk ended but is not whole: start over next time
            stream.close()
            part.unlink(missing_ok=True)
            sidecar.unlink(missing_ok=True)
            raise
        except BaseException:
            stream.close()
            if walk.token is not None:
                walk.save(sidecar)
                click.echo(
                    f"{walk.written:,} {what} kept in {part}; "
                    "run the same command again to resume (--fresh starts over)",
                    err=True,
                )
            else:
                part.unlink(missing_ok=True)
                sidecar.unlink(missing_ok=True)
            raise
    os.replace(part, path)
    sidecar.unlink(missing_ok=True)
    return count, resumed


async def _export_lists(
    client: AsyncFlick, lists_stream: IO[str], items_stream: IO[str], fmt: str, progress: Progress
) -> tuple[int, int]:
    lists, totals = tracked_iter(client.lists, KINDS["lists"])
    first_total: int | None = None
    moved = False
    list_writer = _Writer(lists_stream, KINDS["lists"], fmt)
    item_writer = _Writer(items_stream, KINDS["list_items"], fmt, extra_fields=("list_id",))
    list_task = progress.add_task("lists", total=None)
    item_task = progress.add_task("list items", total=0)
    expected_items = 0
    async for custom_list in lists:
        if list_writer.count == 0:
            first_total = totals.total
        elif totals.total != first_total:
            moved = True
        list_writer.write(custom_list)
        expected_items += custom_list.item_count
        progress.update(list_task, completed=list_writer.count, total=totals.total)
        progress.update(item_task, total=expected_items)
        records, item_totals = tracked_iter(client.lists.items(custom_list.id), KINDS["list_items"])
        before, first_items, items_moved = item_writer.count, None, False
        async for item in records:
            if item_writer.count == before:
                first_items = item_totals.total
            elif item_totals.total != first_items:
                items_moved = True
            item_writer.write(item, list_id=custom_list.id)
            progress.update(item_task, completed=item_writer.count)
        written = item_writer.count - before
        first = first_items if written else item_totals.total
        _check_whole(f"items of list {custom_list.id}", records, first, written, moved=items_moved)
    progress.update(list_task, completed=list_writer.count, total=list_writer.count)
    progress.update(item_task, completed=item_writer.count, total=item_writer.count)
    _check_whole("lists", lists, first_total if list_writer.count else totals.total, list_writer.count, moved=moved)
    return list_writer.count, item_writer.count


@cli.command()
@click.argument("what", type=click.Choice(["reviews", "watchlist", "lists", "all"]), default="all")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True, help="File format."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="For reviews or watchlist: the file (default: stdout). For lists or all: a folder, created if "
    "needed, that receives reviews, watchlist, lists and list_items files.",
)
@click.option(
    "--fresh", is_flag=True, help="Start over instead of resuming a reviews/watchlist file a failed run left behind."
)
@api_options
@click.pass_context
def export(ctx: click.Context, what: str, fmt: str, output: Path | None, fresh: bool) -> None:
    """Back up the account: reviews, watchlist, lists and their items.

    JSON Lines keep every field as the API returns it; CSV flattens each record (tags joined
    with ", "). Records stream to disk as they arrive, with progress on stderr; a file appears
    under its final name only once the walk shows it got every item (otherwise exit 5, and the
    previous file stays). A reviews or watchlist file cut off by an error or Ctrl-C is resumed
    by running the same command again (the walk's resume token is kept beside the `.part`).

    \b
    flick export reviews --format csv -o reviews.csv
    flick export all -o flick-backup/
    """
    if what not in _SINGLE and output is None:
        raise click.UsageError(f"`flick export {what}` writes several files: pass -o FOLDER")
    if what not in _SINGLE and output is not None and output.exists() and not output.is_dir():
        raise click.UsageError(f"-o {output}: exists and is not a folder (`flick export {what}` writes several files)")
    if what in _SINGLE and output is not None and output.is_dir():
        raise click.UsageError(f"-o {output}: is a folder; `flick export {what}` writes one file")
    client = make_client(ctx)

    async def main() -> None:
        written: list[str] = []
        async with client:
            with _progress() as progress:
                if what in _SINGLE:
                    count, resumed = await _export_paged_file(client, what, output, fmt, progress, fresh=fresh)
                    written.append(f"{count:,} {what} → {output or 'stdout'}{' (resumed)' if resumed else ''}")
                else:
                    assert output is not None
                    written.extend(await _export_folder(client, what, output, fmt, progress, fresh=fresh))
        _report(written)

    run(main)


async def _export_folder(
    client: AsyncFlick, what: str, output: Path, fmt: str, progress: Progress, *, fresh: bool
) -> list[str]:
    await anyio.Path(output).mkdir(parents=True, exist_ok=True)
    written = []
    for kind in _SINGLE if what == "all" else ():
        path = output / f"{kind}.{fmt}"
        count, resumed = await _export_paged_file(client, kind, path, fmt, progress, fresh=fresh)
        written.append(f"{count:,} {kind} → {path}{' (resumed)' if resumed else ''}")
    lists_path, items_path = output / f"lists.{fmt}", output / f"list_items.{fmt}"
    with _output(lists_path) as lists_stream, _output(items_path) as items_stream:
        n_lists, n_items = await _export_lists(client, lists_stream, items_stream, fmt, progress)
    written.append(f"{n_lists:,} lists → {lists_path}")
    written.append(f"{n_items:,} list items → {items_path}")
    return written


def _report(lines: list[str]) -> None:
    for line in lines:
        click.echo(f"Exported {line}", err=True)
