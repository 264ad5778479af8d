"""`flick import letterboxd` on the real export under the real limits: requests and wall time vs their floors.

Not a test (nothing asserts): run it and read the numbers.

    .venv/bin/python tests/benchmarks/bench_import.py [--window-seconds 1] [--limit N] [--include-watched]

The local Flick server runs in a thread of this process on a loopback port, with the API's
limits (60 requests per window, 5,000 per UTC day) and a short window. The import runs as
`python -m flick_async.cli import letterboxd` in a subprocess (its own interpreter: client and
server do not share a GIL), on a fresh journal, into a fresh account.

- Requests: what the server accepted for the key (its request log; 429s listed apart), against
  the floor: one resolve per distinct title plus one batch per 50 reviews written.
- Wall time: the import's own elapsed time (its `--report`), against the rate-limit floor for
  the requests it sent: R requests at L per window of W seconds need ⌈R/L⌉ windows, the last
  one entered (⌈R/L⌉ − 1)·W after the first request. Target: requests = floor, wall ≤ 1.05 × floor.

A full run sends ~2,130 requests (~2,700 with `--include-watched`, whose 526 watched-only films
are more titles to resolve): under the 5,000-per-day quota, so one run per server is fine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flick_async.testing import FlickServer, serve_in_thread

EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "letterboxd" / "patrickmjones"
LIMIT = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window-seconds", type=float, default=1.0)
    parser.add_argument("--limit", type=int, help="import only the first N entries")
    parser.add_argument("--include-watched", action="store_true", help="also import the watched-only films")
    args = parser.parse_args()
    server = FlickServer(rate_limit=LIMIT, window_seconds=args.window_seconds, daily_limit=5000)
    account = server.add_account()
    assert account.api_key is not None
    with serve_in_thread(server) as base_url, tempfile.TemporaryDirectory() as state:
        report_path = Path(state) / "report.json"
        command = [sys.executable, "-m", "flick_async.cli", "import", "letterboxd", str(EXPORT)]
        command += ["--state-dir", state, "--report", str(report_path)]
        if args.limit:
            command += ["--limit", str(args.limit)]
        if args.include_watched:
            command += ["--include-watched"]
        env = {**os.environ, "FLICK_API_KEY": account.api_key, "FLICK_BASE_URL": base_url}
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        process_wall = time.perf_counter() - started
        if done.returncode not in (0, 5):
            sys.exit(f"the import failed ({done.returncode}): {done.stderr.strip().splitlines()[-1]}")
        report = json.loads(report_path.read_text(encoding="utf-8"))
    log = server.request_log.for_key(account.api_key)
    accepted = [e for e in log if e.status != 429]
    resolves = sum(e.route == "GET /resolve" for e in accepted)
    batches = sum(e.route == "POST /me/reviews/batch" for e in accepted)
    written = report["to_write"]
    floor_requests = report["distinct_titles"] + math.ceil(written / 50)
    requests = len(accepted)
    floor_wall = (math.ceil(requests / LIMIT) - 1) * args.window_seconds
    wall = report["elapsed_seconds"]
    span = accepted[-1].time - accepted[0].time if accepted else 0.0
    print(f"export: {report['entries']:,} entries, {report['distinct_titles']:,} distinct titles, {written:,} written")
    print(
        f"requests: {requests:,} ({resolves:,} resolve + {batches:,} batch; {len(log) - requests} answered 429) "
        f"vs floor {floor_requests:,} -> {requests / floor_requests:.3f}x"
    )
    print(
        f"wall: {wall:.2f}s (process {process_wall:.2f}s; first to last request {span:.2f}s) "
        f"vs floor {floor_wall:.2f}s for {requests:,} requests at {LIMIT} per {args.window_seconds:g}s "
        f"-> {wall / floor_wall if floor_wall else float('nan'):.3f}x"
    )
    print(f"max accepted per server window: {server.request_log.max_per_window(args.window_seconds)}")


if __name__ == "__main__":
    main()
