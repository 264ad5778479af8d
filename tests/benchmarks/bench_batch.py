"""Bulk writes: `reviews.create_many` against a hand-written httpx loop, and `stream_create` memory on 1M items.

Not a test (nothing asserts): run it and read the numbers.

    .venv/bin/python tests/benchmarks/bench_batch.py [--items 20000] [--rounds 3] [--stream-items 1000000]

Throughput: the local Flick server runs in its own process (`python -m flick_async.testing serve`
on a free loopback port, rate limits lifted), and the same reviews are written in chunks of 50 at
concurrency 1, 4 and 16, through `AsyncFlick(throttle=False).reviews.create_many` and through a
bare `httpx.AsyncClient` loop that posts the same `{"reviews": [...]}` bodies with the same number
of workers and only `json.loads`es the answers (no validation, no models). Every run writes to a
fresh account (created up front through `--accounts FILE`), so both sides make the server do the
same work (creating, never deduplicating). Rounds alternate raw and create_many; medians are
compared. Target: create_many ≥ 0.9 × raw.

Why a separate process: a server in the benchmark's own process (uvicorn in a thread) shares one
GIL with the client, so every microsecond of client CPU is also taken from the server. That is
not how a client meets a real server, and it charges the SDK's per-item work (validation, parsing
each returned `Review`, accounting) twice: once as client time, once as server time lost. Apart,
the client's work costs throughput only where it does not overlap the server's. The machine's
load average is printed at the start and the end: other processes compete for the same cores.

Where the client's time goes (cProfile of create_many against an instant `httpx.MockTransport`):
client-side validation (`ReviewInput.coerce` + `to_body`), parsing each returned review into the
generated `Review` model, and the bulk machinery itself (outcomes, accounting, ordering). The raw
loop does none of it.

Peak memory: each side runs once more per concurrency in a fresh subprocess (against the same
server), with `tracemalloc` started once the client exists: its peak is what the job itself
allocated. Its peak RSS (`VmHWM`) is printed beside it.

Streaming: a subprocess feeds a 1,000,000-item async generator through `stream_create`, against
an `httpx.MockTransport` that answers each batch at once with well-formed results (no server:
the point is the client's memory, and a real server would hold a million reviews). It prints the
process's peak RSS after the first 20,000 outcomes and at the end; constant memory shows as
no growth between the two.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
import httpx
from _serve import load_average, serve_in_process  # the script's own folder

from flick_async import AsyncFlick
from flick_async.testing import Catalog

TARGET_RATIO = 0.9
CHUNK = 50
CONCURRENCIES = (1, 4, 16)
LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=32)
MOVIES = [title.tmdb_id for title in Catalog.builtin() if title.media_type == "movie"]


class Keys:
    """The API keys of the accounts the server was started with: one fresh account per run."""

    def __init__(self, count: int) -> None:
        self._keys = iter([f"flick_sk_bench{i:04d}_0123456789" for i in range(count)])
        self.fixture = {
            "accounts": [
                {"username": f"bench{i:04d}", "keys": [f"flick_sk_bench{i:04d}_0123456789"]} for i in range(count)
            ]
        }

    def fresh(self) -> str:
        return next(self._keys)


@contextlib.contextmanager
def serve_with_accounts(keys: Keys) -> Iterator[str]:
    """The server in its own process, holding a fresh account per run (see `Keys`)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="bench_accounts_") as accounts:
        json.dump(keys.fixture, accounts)
        accounts.flush()
        with serve_in_process("--no-demo", "--accounts", accounts.name) as base_url:
            yield base_url


def peak_rss() -> int:
    """This process's peak resident memory in bytes.

    `VmHWM` is reset by exec, unlike `ru_maxrss`, which a subprocess inherits from the parent
    it was forked from (here, a parent holding the server and its store).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def review_rows(n: int) -> list[dict[str, Any]]:
    """`n` distinct, valid review inputs, as a user would hand them in."""
    return [
        {
            "tmdb_id": MOVIES[i % len(MOVIES)],
            "media_type": "movie",
            "rating": (i % 21) / 2,
            "review": f"bench review {i}",
            "watched_date": "2026-05-01",
            "tags": ["bench"],
        }
        for i in range(n)
    ]


# -- the two sides ---------------------------------------------------------------------------------


async def raw_loop(base_url: str, api_key: str, rows: list[dict[str, Any]], concurrency: int) -> int:
    """Post `rows` in chunks of 50 with `concurrency` workers; return how many results came back."""
    chunks = iter([rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)])
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    done = 0
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=LIMITS) as http:

        async def worker() -> None:
            nonlocal done
            for chunk in chunks:
                response = await http.post("/me/reviews/batch", json={"reviews": chunk})
                response.raise_for_status()
                done += len(json.loads(response.content)["results"])

        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
    return done


async def facade(base_url: str, api_key: str, rows: list[dict[str, Any]], concurrency: int) -> int:
    """Write `rows` with create_many; return how many were created."""
    async with AsyncFlick(api_key, base_url=base_url, throttle=False, max_retries=0) as flick:
        result = await flick.reviews.create_many(rows, concurrency=concurrency)
    return result.created


SIDES: dict[str, Callable[[str, str, list[dict[str, Any]], int], Any]] = {"raw": raw_loop, "facade": facade}


# -- throughput ------------------------------------------------------------------------------------


def timed(side: str, keys: Keys, base_url: str, rows: list[dict[str, Any]], concurrency: int) -> float:
    """Seconds one side takes to write `rows` into a fresh account."""
    key = keys.fresh()
    start = time.perf_counter()
    written = anyio.run(SIDES[side], base_url, key, rows, concurrency)
    elapsed = time.perf_counter() - start
    assert written == len(rows), f"{side} wrote {written} of {len(rows)}"
    return elapsed


def child_memory(side: str, keys: Keys, base_url: str, n: int, concurrency: int) -> dict[str, float]:
    """Peak memory of one side's job, measured in a fresh interpreter."""
    result: dict[str, float] = {}
    for trace in ("trace", "rss"):  # tracemalloc's own bookkeeping would inflate the RSS
        key = keys.fresh()
        out = subprocess.run(
            [sys.executable, __file__, "--child", side, base_url, key, str(n), str(concurrency), trace],
            capture_output=True,
            text=True,
            check=True,
        )
        result.update(json.loads(out.stdout))
    return result


def run_child(side: str, base_url: str, key: str, n: int, concurrency: int, trace: bool) -> None:
    rows = review_rows(n)
    if trace:
        tracemalloc.start()
    written = anyio.run(SIDES[side], base_url, key, rows, concurrency)
    assert written == n
    if trace:
        print(json.dumps({"peak": tracemalloc.get_traced_memory()[1]}))
    else:
        print(json.dumps({"maxrss": peak_rss()}))


# -- streaming a million items ----------------------------------------------------------------------


def _instant_batches(request: httpx.Request) -> httpx.Response:
    """Answer a batch at once: every item created, with a review built from the item."""
    body = json.loads(request.content)
    results = []
    for index, item in enumerate(body["reviews"]):
        review = {
            "id": f"rev_{index:08d}",
            "media": {"tmdb_id": item["tmdb_id"], "type": "movie", "title": "Bench", "year": 2020, "poster_url": None},
            "rating": item.get("rating"),
            "review": item.get("review"),
            "watched_date": item.get("watched_date"),
            "tags": item.get("tags", []),
            "source": "api",
            "created_at": "2026-06-14T20:31:00Z",
        }
        results.append({"index": index, "created": True, "deduplicated": False, "review": review, "error": None})
    payload = {"results": results, "created_count": len(results), "deduplicated_count": 0, "error_count": 0}
    return httpx.Response(200, json=payload)


async def _generated(n: int) -> AsyncIterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "tmdb_id": MOVIES[i % len(MOVIES)],
            "media_type": "movie",
            "rating": (i % 21) / 2,
            "review": f"streamed review {i}",
            "watched_date": "2026-05-01",
        }


def run_stream_child(n: int, concurrency: int) -> None:
    marks: dict[str, float] = {}

    async def job() -> int:
        http = httpx.AsyncClient(transport=httpx.MockTransport(_instant_batches))
        seen = 0
        async with (
            http,
            AsyncFlick(
                "flick_sk_bench_0123456789",
                base_url="http://127.0.0.1/api/beta",
                http_client=http,
                throttle=False,
                max_retries=0,
            ) as flick,
            flick.reviews.stream_create(_generated(n), concurrency=concurrency) as outcomes,
        ):
            async for outcome in outcomes:
                seen += 1
                if seen == 20_000:
                    marks["maxrss_20k"] = peak_rss()
                assert outcome.status == "created"
        return seen

    start = time.perf_counter()
    seen = anyio.run(job)
    marks["seconds"] = time.perf_counter() - start
    marks["maxrss_end"] = peak_rss()
    assert seen == n
    print(json.dumps(marks))


# -- report ------------------------------------------------------------------------------------------


def mib(n: float) -> str:
    return f"{n / 2**20:7.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stream-items", type=int, default=1_000_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "stream":
            run_stream_child(int(args.child[1]), int(args.child[2]))
        else:
            side, base_url, key, n, concurrency, trace = args.child
            run_child(side, base_url, key, int(n), int(concurrency), trace == "trace")
        return

    rows = review_rows(args.items)
    # Per side: a warm-up run, then per concurrency its timed rounds and two memory subprocesses.
    keys = Keys(len(SIDES) * (1 + len(CONCURRENCIES) * (args.rounds + 2)))
    print(load_average(), "at the start")
    print(
        f"create_many vs raw httpx: {args.items:,} reviews in chunks of {CHUNK}, "
        "server in its own process on loopback, throttle off"
    )
    print(f"  wall time: median of {args.rounds} alternating rounds; memory: subprocesses (tracemalloc peak, peak RSS)")
    print(
        f"  {'concurrency':>11}  {'raw s':>7}  {'facade s':>8}  {'ratio':>6}  {'raw peak':>11}  {'facade peak':>11}"
        f"  {'raw maxrss':>11}  {'facade maxrss':>13}"
    )
    with serve_with_accounts(keys) as base_url:
        warm = review_rows(2 * CHUNK * 16)
        for side in SIDES:
            timed(side, keys, base_url, warm, 16)
        for concurrency in CONCURRENCIES:
            times: dict[str, list[float]] = {side: [] for side in SIDES}
            for _ in range(args.rounds):
                for side in SIDES:
                    times[side].append(timed(side, keys, base_url, rows, concurrency))
            raw_s, facade_s = statistics.median(times["raw"]), statistics.median(times["facade"])
            memory = {side: child_memory(side, keys, base_url, args.items, concurrency) for side in SIDES}
            ratio = raw_s / facade_s  # throughput ratio: facade items/s over raw items/s
            verdict = "" if ratio >= TARGET_RATIO else "  MISSED"
            raw_mem, facade_mem = memory["raw"], memory["facade"]
            print(
                f"  {concurrency:>11}  {raw_s:7.2f}  {facade_s:8.2f}  {ratio:6.3f}  {mib(raw_mem['peak'])}"
                f"  {mib(facade_mem['peak'])}  {mib(raw_mem['maxrss'])}  {mib(facade_mem['maxrss']):>13}{verdict}"
            )
    print(f"  ratio = create_many throughput / raw throughput (target >= {TARGET_RATIO})")

    if not args.stream_items:
        print(load_average(), "at the end")
        return
    out = subprocess.run(
        [sys.executable, __file__, "--child", "stream", str(args.stream_items), "4"],
        capture_output=True,
        text=True,
        check=True,
    )
    marks = json.loads(out.stdout)
    print(f"stream_create of a {args.stream_items:,}-item async generator, concurrency 4, httpx.MockTransport")
    print(f"  maxrss after 20,000 outcomes  {mib(marks['maxrss_20k'])}")
    print(f"  maxrss at the end             {mib(marks['maxrss_end'])}   ({marks['seconds']:.1f} s)")
    print(load_average(), "at the end")


if __name__ == "__main__":
    main()
