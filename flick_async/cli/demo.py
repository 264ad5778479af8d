"""`python -m flick_async.cli.demo`: the one-command demo behind `make demo`.

It starts the local Flick server in the background on a free loopback port, imports a real
Letterboxd export into the demo account with `flick import letterboxd` (progress bars and
summary), shows the result with `flick reviews list`, and stops the server.

The server enforces the API's real limits (60 requests per window, 5,000 per day) with a window
of 1 second instead of 60, so an import of ~2,100 requests takes about 40 seconds instead of
35 minutes. Nothing is kept: the server lives in memory and the import journal in a temporary
folder, so every run starts fresh.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

__all__ = ["main"]

_EXPORT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "letterboxd" / "patrickmjones"


def _flick(console: Console, args: Sequence[str], shown: Sequence[str]) -> int:
    from flick_async.cli._main import cli

    console.print(f"\n[bold green]$ flick {' '.join(shown)}[/bold green]")
    try:
        cli.main(args=list(args), prog_name="flick")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


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
    with serve_in_thread(server) as base_url, tempfile.TemporaryDirectory(prefix="flick-demo-") as state:
        console.rule("[bold]flick demo")
        console.print(
            f"Local Flick server on {base_url} (demo key {DEMO_API_KEY}).\n"
            f"Real limits: 60 requests per window and 5,000 per day, but the window is "
            f"{args.window_seconds:g} s instead of 60 s, so the import takes about a minute, not half an hour.\n"
            f"Importing the Letterboxd export in {args.export}."
        )
        credentials = ["--api-key", DEMO_API_KEY, "--base-url", base_url]
        imported = _flick(
            console,
            [*credentials, "import", "letterboxd", str(args.export), "--state-dir", state],
            ["import", "letterboxd", str(args.export)],
        )
        if imported == 5:
            console.print(
                "[dim](exit code 5: a partial import. The demo server's catalog lacks some of the export's titles, "
                "and weak matches are not written: see unmatched.csv)[/dim]"
            )
        listed = _flick(console, [*credentials, "reviews", "list", "--max", "15"], ["reviews", "list", "--max", "15"])
        console.rule("[bold]done: the server stops now")
    return 0 if imported in (0, 5) and listed == 0 else imported or listed


if __name__ == "__main__":
    sys.exit(main())
