"""`flick`: the command line of flick-async (install the `cli` extra: click and rich).

Commands::

    flick me                              your profile
    flick reviews list                    your reviews, newest first
    flick watchlist                       your watchlist
    flick lists                           your custom lists
    flick lists items LIST_ID             the items of one list
    flick resolve TITLE [--year Y] [--type movie|tv]
    flick export [reviews|watchlist|lists|all] --format jsonl|csv -o PATH
    flick import letterboxd PATH          a Letterboxd export (ZIP or folder), resumable
    flick server                          the local Flick server; prints an `export FLICK_…` line to paste

Reads print a table, or with `--json` JSON Lines: one JSON object per line, written as pages
arrive, so memory stays flat whatever the account's size (`jq -s .` makes an array of it).

Credentials: `--api-key` / `--base-url`, or `FLICK_API_KEY` / `FLICK_BASE_URL`. The key is
never printed. A plain `http://` base URL to another machine needs `--allow-insecure-http`.

Exit codes (also in `flick --help`):

    0    success
    1    error: the API or the connection failed
    2    usage: a bad command line or option value
    3    authentication: no API key, an invalid or revoked key, or no Flick Pro
    4    rate limit: the daily quota is spent (the message says when it resets)
    5    partial import: some entries were not imported (see unmatched.csv);
         also an export that cannot show it got every item (no file is replaced)
    6    bad input: the export or overrides file cannot be read
    130  interrupted (Ctrl-C); an import resumes where it stopped

Every failure is one line on stderr (`Error: …`), never a traceback; `FLICK_DEBUG=1` shows the
traceback for a bug report. A partial import (5) is not a failure: it says what it left, and where.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Run `flick` (the console script's entry point)."""
    from ._main import cli

    cli.main(args=list(argv) if argv is not None else None, prog_name="flick")
