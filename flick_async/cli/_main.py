"""The `flick` command group and its read commands; export and import live in their own modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from flick_async._client import AsyncFlick, __version__
from flick_async.cli._common import api_options, echo_json, make_client, print_table, run
from flick_async.cli._exit import EXIT_CODES_HELP
from flick_async.cli._records import KINDS, Kind, Listable, tracked_iter

__all__ = ["cli"]

TABLE_ROWS = 50

_MAX_HELP = f"Show at most N records [default: every one with --json, the newest {TABLE_ROWS} in a table]."
_JSON_HELP = "Print JSON Lines (one JSON object per line, streamed as pages arrive) instead of a table."


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="flick")
@api_options
def cli() -> None:
    """flick: your Flick account from the command line.

    Read your profile, reviews, watchlist and lists; resolve titles; back up the account; import a
    Letterboxd export. Credentials come from --api-key / --base-url or FLICK_API_KEY /
    FLICK_BASE_URL; the key is never printed.

    Tables are for people; --json prints JSON Lines (one object per line, streamed, so memory
    stays flat; `jq -s .` turns it into an array).
    """


async def _show(
    client: AsyncFlick,
    resource: Listable,
    kind: Kind[Any],
    *,
    as_json: bool,
    max_items: int | None,
    title: str,
    extra: dict[str, Any] | None = None,
) -> None:
    limit = max_items if max_items is not None or as_json else TABLE_ROWS
    records, totals = tracked_iter(resource, kind, max_items=limit)
    async with client:
        if as_json:
            async for record in records:
                echo_json({**(extra or {}), **record.to_dict()})
            return
        rows = [kind.row(record) async for record in records]
    total = totals.total or 0
    caption = f"{len(rows):,} of {total:,}" + (
        f"; --max {total} for every one, --json for scripts" if len(rows) < total else ""
    )
    print_table(f"{title} ({total:,})", kind.headers, rows, caption=caption if rows else "none yet")


def _read_options(function: Callable[..., Any]) -> Callable[..., Any]:
    # --limit too: the API's own word for it, and what people type first.
    function = click.option("--max", "--limit", "max_items", type=click.IntRange(min=0), metavar="N", help=_MAX_HELP)(
        function
    )
    function = click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)(function)
    return api_options(function)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the profile as one JSON object.")
@api_options
@click.pass_context
def me(ctx: click.Context, as_json: bool) -> None:
    """Show the profile of the account that owns the API key."""
    client = make_client(ctx)

    async def main() -> None:
        async with client:
            profile = await client.me()
        if as_json:
            echo_json(profile.to_dict())
            return
        stats = profile.stats
        rows = [
            ("Username", profile.username),
            ("Display name", profile.display_name),
            ("Account id", profile.id),
            ("Flick Pro", "yes" if profile.pro else "no"),
            ("Member since", profile.created_at.strftime("%Y-%m-%d")),
            ("Reviews", f"{stats.reviews:,}"),
            ("Watchlist", f"{stats.watchlist:,}"),
            ("Lists", f"{stats.lists:,}"),
        ]
        print_table(None, ("Profile", ""), rows)

    run(main)


@cli.group()
def reviews() -> None:
    """Your reviews."""


@reviews.command("list")
@_read_options
@click.pass_context
def reviews_list(ctx: click.Context, as_json: bool, max_items: int | None) -> None:
    """List your reviews, newest first."""
    client = make_client(ctx)

    resource = client.reviews

    run(lambda: _show(client, resource, KINDS["reviews"], as_json=as_json, max_items=max_items, title="Reviews"))


@cli.command()
@_read_options
@click.pass_context
def watchlist(ctx: click.Context, as_json: bool, max_items: int | None) -> None:
    """List your watchlist, most recently added first."""
    client = make_client(ctx)

    resource = client.watchlist

    run(lambda: _show(client, resource, KINDS["watchlist"], as_json=as_json, max_items=max_items, title="Watchlist"))


@cli.group(invoke_without_command=True)
@_read_options
@click.pass_context
def lists(ctx: click.Context, as_json: bool, max_items: int | None) -> None:
    """List your custom lists (`flick lists items LIST_ID` for one list's items)."""
    if ctx.invoked_subcommand is not None:
        return
    client = make_client(ctx)

    resource = client.lists

    run(lambda: _show(client, resource, KINDS["lists"], as_json=as_json, max_items=max_items, title="Lists"))


@lists.command("items")
@click.argument("list_id")
@_read_options
@click.pass_context
def lists_items(ctx: click.Context, list_id: str, as_json: bool, max_items: int | None) -> None:
    """List the items of one list (ranked lists in rank order); LIST_ID comes from `flick lists`."""
    client = make_client(ctx)
    items = client.lists.items(list_id) if list_id.strip() else None
    if items is None:
        raise click.BadParameter("must not be empty", param_hint="LIST_ID")

    resource = items

    run(
        lambda: _show(
            client,
            resource,
            KINDS["list_items"],
            as_json=as_json,
            max_items=max_items,
            title=f"List {list_id}",
        )
    )


@cli.command()
@click.argument("title")
@click.option("--year", type=click.IntRange(min=0), help="Release (or first-air) year; narrows same-named titles.")
@click.option("--type", "media_type", type=click.Choice(["movie", "tv"]), help="Search only movies or only TV.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer as one JSON object.")
@api_options
@click.pass_context
def resolve(ctx: click.Context, title: str, year: int | None, media_type: str | None, as_json: bool) -> None:
    """Resolve a loose TITLE to TMDB ids: the candidates, with score and confidence.

    A fuzzy match, not an authority: check a `low` candidate before writing a review for it.
    """
    if not 1 <= len(title) <= 200:
        raise click.BadParameter("must be 1–200 characters long", param_hint="TITLE")
    client = make_client(ctx)

    async def main() -> None:
        async with client:
            result = await client.resolve(title, year=year, media_type=media_type)  # type: ignore[arg-type]
        if as_json:
            echo_json(result.to_dict())
            return
        if not result.candidates:
            click.echo(f"No plausible match for {title!r}" + (f" ({year})" if year else "") + ".")
            return
        best = result.match
        rows = [
            (
                "→" if best is not None and c.tmdb_id == best.tmdb_id and c.media_type == best.media_type else "",
                c.title,
                "" if c.year is None else str(c.year),
                str(c.media_type),
                c.tmdb_id,
                f"{c.score:.2f}",
                str(c.confidence),
            )
            for c in result.candidates
        ]
        print_table(
            f"Candidates for {title!r}" + (f" ({year})" if year else ""),
            ("", "Title", "Year", "Type", "TMDB id", "Score", "Confidence"),
            rows,
            caption="→ marks the match" if best is not None else "no match: every candidate is too weak",
        )

    run(main)


@cli.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def server(args: tuple[str, ...]) -> None:
    """Run the local Flick server (as `python -m flick_async.testing serve`; same options, see --help).

    It prints its URL, the demo key, and a line to paste into another shell so that `flick`
    talks to it: `export FLICK_BASE_URL=… FLICK_API_KEY=…`.
    """
    try:
        from flick_async.testing.__main__ import main as serve_main
    except ImportError as exc:
        raise click.ClickException(
            f"the local server needs the testing extra: pip install 'flick-async[testing]' ({exc})"
        ) from None
    click.get_current_context().exit(serve_main(["serve", *args], prog="flick server"))


def _register() -> None:
    # Import for their side effect of adding commands to `cli`; kept out of the top of the module
    # so that `_main` stays importable by them.
    from flick_async.cli import _export, _import  # noqa: F401


_register()
