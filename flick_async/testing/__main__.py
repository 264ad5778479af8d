"""`python -m flick_async.testing serve`: run the local Flick API on a port.

    python -m flick_async.testing serve --host 127.0.0.1 --port 8080
    curl -H 'Authorization: Bearer flick_sk_demo_0123456789abcdef' http://127.0.0.1:8080/api/beta/me

`--port 0` picks a free port; the first line printed names the URL either way.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ._catalog import Catalog, CatalogError
from ._serve import bind, uvicorn_server
from ._server import DEMO_API_KEY, FlickServer


def _parser(serve_prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m flick_async.testing", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    # `flick server` runs this same subcommand: its usage line then names `flick server`.
    help_text = "serve the local Flick API over HTTP"
    serve = (
        commands.add_parser("serve", help=help_text, prog=serve_prog)
        if serve_prog
        else commands.add_parser("serve", help=help_text)
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks a free one (default 8080)")
    serve.add_argument("--catalog", metavar="FILE", help="catalog CSV: tmdb_id,media_type,title,year,aliases")
    serve.add_argument(
        "--episodes", metavar="FILE", help="episodes CSV: show_tmdb_id,season_number,episode_number,title"
    )
    serve.add_argument("--accounts", metavar="FILE", help='accounts JSON: {"accounts": [{"username", "keys", ...}]}')
    serve.add_argument(
        "--api-key", action="append", default=[], metavar="KEY", help="another key for the demo account (repeatable)"
    )
    serve.add_argument("--rate-limit", type=int, default=60, metavar="N", help="requests per window per key (60)")
    serve.add_argument("--window-seconds", type=float, default=60.0, metavar="S", help="rate-limit window (60)")
    serve.add_argument("--daily-limit", type=int, default=5000, metavar="N", help="requests per UTC day per key (5000)")
    serve.add_argument(
        "--revocation-delay", type=float, default=30.0, metavar="S", help="seconds until a revoked key fails (30)"
    )
    serve.add_argument(
        "--pagination", choices=["page", "cursor"], default="page", help="page style of list endpoints (page)"
    )
    serve.add_argument(
        "--max-page-size", type=int, default=None, metavar="N", help="clamp every page to N items (no clamp)"
    )
    serve.add_argument("--no-demo", action="store_true", help="do not create the demo account")
    serve.add_argument("--log-level", default="warning", help="uvicorn log level (warning)")
    return parser


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Run the command line; returns the exit status. `prog` names the serve command in its usage."""
    args = _parser(prog).parse_args(argv)
    try:
        catalog = Catalog.from_csv(args.catalog, args.episodes) if args.catalog else None
        if args.episodes and not args.catalog:
            raise CatalogError("--episodes needs --catalog")
        server = FlickServer(
            catalog=catalog,
            rate_limit=args.rate_limit,
            window_seconds=args.window_seconds,
            daily_limit=args.daily_limit,
            revocation_delay=args.revocation_delay,
            pagination=args.pagination,
            max_page_size=args.max_page_size,
            demo=not args.no_demo,
            # Nobody can read the log of a server in its own process, and kept it would hold every
            # request of a run that lasts hours (about 350 B each; a benchmark sends hundreds a second).
            request_log_size=0,
        )
        if args.accounts:
            with open(args.accounts, encoding="utf-8") as f:
                server.load_accounts(json.load(f))
        for key in args.api_key:
            if server.demo_account is None:
                raise ValueError("--api-key adds keys to the demo account; drop --no-demo")
            server.add_key(server.demo_account, key)
        sock = bind(args.host, args.port)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Flick local server on http://{shown}:{port}/api/beta (docs: http://{shown}:{port}/api/beta/docs)")
    print(f"Catalog: {len(server.catalog)} titles. Limits: {args.rate_limit} per {args.window_seconds:g}s per key.")
    if server.demo_account is not None:
        print(f"Demo API key: {DEMO_API_KEY}")
        # Ready to paste into another shell, so that `flick` (or your code) talks to this server.
        print(f"export FLICK_BASE_URL=http://{shown}:{port}/api/beta FLICK_API_KEY={DEMO_API_KEY}")
    sys.stdout.flush()
    uvicorn_server(server.app, log_level=args.log_level).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
