"""Per-item cost of bulk writes against a raw httpx loop doing the same wire work (#13).

Not a test (nothing asserts): run it and read the table it prints.

    .venv/bin/python tests/benchmarks/bench_batch.py [--quick]

Throughput rows: the same reviews written in chunks of 50 at concurrency 1, 4 and 16, through
`AsyncFlick(throttle=False).reviews.create_many(rows, concurrency=c)` and through a raw loop: a
bare `httpx.AsyncClient` with as many workers posting the same `{"reviews": [...]}` bodies and
`json.loads`-ing each answer — nothing else. On top of that create_many validates every input
(the reference's rules, client-side), builds each body, accounts for every item (an outcome
per item, in input order, with what was unsent or unconfirmed when a job stops), reads each
item's result (the created review as a `Review`, per-item errors as `FlickError`s) and the
`X-RateLimit-*` headers of each answer. Throttling is off on both sides (`throttle=False`: the
default `RateLimiter` costs tens of microseconds a call more, see bench_facade.py's "default
limiter" row and bench_throttle.py); retries are the default (none happen). Alternating rounds,
ratio = create_many items/s over the raw loop's items/s, the median of the ratios within each
round (`_harness.Alternated`). A result makes its
`BatchOutcome`s when first read (most jobs read the counts and `failed()`/`uncertain()`,
which never need them): the targeted rows read `result.created` only, and the information row
"then every outcome's status and input read" puts making and reading every outcome on the clock.

JSON: the raw loop encodes with httpx's `json=` and decodes with `json.loads`, as the issue
defines the baseline; create_many encodes and decodes with msgspec (`flick_async/_json.py`),
about 3x faster, which pays for part of what it does on top. The informational rows "raw loop
with msgspec" time a raw loop using the same codec, so that the SDK's own cost is shown with
the JSON work equal on both sides.

- MockTransport: both sides send through one `httpx.MockTransport` that answers every chunk at
  once with a real answer of the local server to a 50-item batch (captured once at the start),
  so the figures measure client CPU only (timed in process CPU time, which the other processes
  of a loaded machine disturb least).
- Loopback: the local server in its own process (`python -m flick_async.testing serve`, limits
  lifted), a fresh account per run so that both sides make it create (never deduplicate); the
  server is restarted for each size and concurrency so that its store stays small. A separate
  process, so that client and server never share one GIL.

Streaming: a subprocess feeds a 1,000,000-item async generator through `stream_create`
(concurrency 4, MockTransport) and reports items/s by the wall clock and per CPU second (the
raw loop's rate over the same items, for scale), and its peak RSS (`VmHWM`) after the first
20,000 outcomes and at the end: flat memory shows as the two within 5%.

Bytes per outcome: a subprocess builds 100,000 inputs (also with --quick), then starts
`tracemalloc` and runs create_many (MockTransport); what is still allocated while the caller
holds the `BatchResult` (after a collection), over the outcome count, is what the result costs
beyond the inputs. A result keeps the answers of its outcomes past the first 10,000
LZ4-compressed (`flick_async._batch._COMPACT_AFTER`), so this figure is for a big result; a
result of 10,000 or fewer holds the answers as they came (about 380 B an item more).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
import httpx
import msgspec
from _harness import (  # the script's own folder
    CHUNK,
    MOVIES,
    Canned,
    Table,
    alternate,
    capture_answers,
    cpu_time,
    fmt_ratio,
    instant_transport,
    parser,
    review_rows,
)
from _serve import load_average, serve_in_process

from flick_async import AsyncFlick

TARGET_RATIO = 0.95
TARGET_STREAM_RATE = 50_000
TARGET_FLAT = 0.05
TARGET_BYTES_PER_OUTCOME = 300
CONCURRENCIES = (1, 4, 16)
LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=64)  # as AsyncFlick's own client
MOCK_URL = "http://127.0.0.1/api/beta"
MOCK_KEY = "flick_sk_bench_0123456789"

Rows = list[dict[str, Any]]


# -- the two sides ---------------------------------------------------------------------------------


async def raw_loop(http: httpx.AsyncClient, rows: Rows, concurrency: int, *, codec: str = "json") -> int:
    """Post `rows` in chunks of 50 with `concurrency` workers; return how many results came back.

    `codec="msgspec"` encodes and decodes with msgspec, as the SDK does (information rows).
    """
    chunks = iter([rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)])
    done = 0
    encode, decode = msgspec.json.Encoder().encode, msgspec.json.Decoder().decode
    headers = {"Content-Type": "application/json"}

    async def worker() -> None:
        nonlocal done
        for chunk in chunks:
            if codec == "msgspec":
                response = await http.post("/me/reviews/batch", content=encode({"reviews": chunk}), headers=headers)
                response.raise_for_status()
                done += len(decode(response.content)["results"])
                continue
            response = await http.post("/me/reviews/batch", json={"reviews": chunk})
            response.raise_for_status()
            done += len(json.loads(response.content)["results"])

    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(worker)
    return done


def raw_client(base_url: str, api_key: str, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    return httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers, limits=LIMITS)


async def sdk_job(flick: AsyncFlick, rows: Rows, concurrency: int) -> int:
    result = await flick.reviews.create_many(rows, concurrency=concurrency)
    assert result.complete, "create_many left items unaccounted for"
    return result.created


def timed(job: Callable[[], Any], n: int, clock: Callable[[], float] = cpu_time) -> float:
    """Seconds (of `clock`) `job` (an async function returning the items written) takes; checks all were."""
    start = clock()
    written = anyio.run(job)
    elapsed = clock() - start
    assert written == n, f"wrote {written} of {n}"
    return elapsed


# -- throughput on MockTransport ---------------------------------------------------------------------


def mock_rows(table: Table, answers: dict[str, Canned], sizes: list[int], rounds: int) -> None:
    transport = instant_transport(answers)
    warm = review_rows(CHUNK * 8)

    async def warm_up() -> None:
        # First-use imports and caches (the bulk-write modules, msgspec's decoders) are paid
        # once per process, not per job: not on the first row's clock.
        async with raw_client(MOCK_URL, MOCK_KEY, transport) as http:
            await raw_loop(http, warm, 4)
            await raw_loop(http, warm, 4, codec="msgspec")
        async with (
            httpx.AsyncClient(transport=transport, limits=LIMITS) as http,
            AsyncFlick(MOCK_KEY, base_url=MOCK_URL, http_client=http, throttle=False) as flick,
        ):
            await sdk_job(flick, warm, 4)

    anyio.run(warm_up)
    for n in sizes:
        rows = review_rows(n)
        for concurrency in CONCURRENCIES:

            async def raw(rows: Rows = rows, concurrency: int = concurrency) -> int:
                async with raw_client(MOCK_URL, MOCK_KEY, transport) as http:
                    return await raw_loop(http, rows, concurrency)

            async def sdk(rows: Rows = rows, concurrency: int = concurrency) -> int:
                async with (
                    httpx.AsyncClient(transport=transport, limits=LIMITS) as http,
                    AsyncFlick(MOCK_KEY, base_url=MOCK_URL, http_client=http, throttle=False) as flick,
                ):
                    return await sdk_job(flick, rows, concurrency)

            throughput_row(
                table, f"create_many {n:,} items, concurrency {concurrency}, MockTransport", n, rounds, raw, sdk
            )
        if n == sizes[-1]:
            for concurrency in CONCURRENCIES:

                async def raw_msgspec(rows: Rows = rows, concurrency: int = concurrency) -> int:
                    async with raw_client(MOCK_URL, MOCK_KEY, transport) as http:
                        return await raw_loop(http, rows, concurrency, codec="msgspec")

                async def sdk(rows: Rows = rows, concurrency: int = concurrency) -> int:
                    async with (
                        httpx.AsyncClient(transport=transport, limits=LIMITS) as http,
                        AsyncFlick(MOCK_KEY, base_url=MOCK_URL, http_client=http, throttle=False) as flick,
                    ):
                        return await sdk_job(flick, rows, concurrency)

                throughput_row(
                    table,
                    f"create_many {n:,} items, concurrency {concurrency}, MockTransport, vs raw loop with msgspec",
                    n,
                    rounds,
                    raw_msgspec,
                    sdk,
                    info=True,
                )

            # A result makes its outcomes when first read (`BatchResult.outcomes`): this row puts
            # that on the clock too, for a caller that reads every outcome's status and input.
            async def raw_json(rows: Rows = rows) -> int:
                async with raw_client(MOCK_URL, MOCK_KEY, transport) as http:
                    return await raw_loop(http, rows, 4)

            async def sdk_read_all(rows: Rows = rows) -> int:
                async with (
                    httpx.AsyncClient(transport=transport, limits=LIMITS) as http,
                    AsyncFlick(MOCK_KEY, base_url=MOCK_URL, http_client=http, throttle=False) as flick,
                ):
                    result = await flick.reviews.create_many(rows, concurrency=4)
                    return sum(outcome.status == "created" and outcome.input is not None for outcome in result)

            throughput_row(
                table,
                f"create_many {n:,} items, concurrency 4, MockTransport, then every outcome's status and input read",
                n,
                rounds,
                raw_json,
                sdk_read_all,
                info=True,
            )


def throughput_row(
    table: Table,
    figure: str,
    n: int,
    rounds: int,
    raw: Callable[[], Any],
    sdk: Callable[[], Any],
    clock: Callable[[], float] = cpu_time,
    *,
    info: bool = False,
) -> None:
    raw_s, sdk_s, ratio = alternate(rounds, lambda: timed(raw, n, clock), lambda: timed(sdk, n, clock))
    measured = f"{fmt_ratio(ratio)} (raw {n / raw_s:,.0f} items/s, create_many {n / sdk_s:,.0f} items/s)"
    table.add(figure, "none" if info else f">= {TARGET_RATIO}x raw", measured, None if info else ratio >= TARGET_RATIO)


# -- throughput over loopback --------------------------------------------------------------------------


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


def loopback_rows(table: Table, sizes: list[int], rounds: int) -> None:
    for n in sizes:
        rows = review_rows(n)
        # 100,000 items take the server about 10 s a run: two rounds (AB, BA) keep the whole
        # benchmark within minutes. Runs of 10,000 take a third of a second, and two processes
        # on two cores swing them by 10-20%: more rounds, or one swing decides the row (three
        # gave 0.88x where the medians said 0.95x).
        for concurrency in CONCURRENCIES:
            loopback_case(table, rows, concurrency, rounds * 3 if n <= 10_000 else min(rounds, 2))


def loopback_case(table: Table, rows: Rows, concurrency: int, rounds: int) -> None:
    keys = Keys(2 * rounds + 2)
    with serve_with_accounts(keys) as base_url:

        async def raw(items: Rows = rows) -> int:
            async with raw_client(base_url, keys.fresh()) as http:
                return await raw_loop(http, items, concurrency)

        async def sdk(items: Rows = rows) -> int:
            async with AsyncFlick(keys.fresh(), base_url=base_url, throttle=False) as flick:
                return await sdk_job(flick, items, concurrency)

        warm = review_rows(CHUNK * 16)
        timed(lambda: raw(warm), len(warm))
        timed(lambda: sdk(warm), len(warm))
        figure = f"create_many {len(rows):,} items, concurrency {concurrency}, loopback (server in its own process)"
        # Wall time: the server's share of the work is in another process.
        throughput_row(table, figure, len(rows), rounds, raw, sdk, time.perf_counter)


# -- streaming a million items ------------------------------------------------------------------------


def peak_rss() -> int:
    """This process's peak resident memory in bytes (`VmHWM`: reset by exec, unlike `ru_maxrss`)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


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
    answers = capture_answers()
    transport = instant_transport(answers)
    marks: dict[str, float] = {}

    async def raw() -> int:
        # The same items, generated as the SDK's side gets them, in chunks of 50.
        done = 0
        chunk: list[dict[str, Any]] = []
        async with raw_client(MOCK_URL, MOCK_KEY, transport) as http:
            async for item in _generated(n):
                chunk.append(item)
                if len(chunk) == CHUNK:
                    response = await http.post("/me/reviews/batch", json={"reviews": chunk})
                    response.raise_for_status()
                    done += len(json.loads(response.content)["results"])
                    chunk = []
        return done

    async def sdk() -> int:
        seen = 0
        async with (
            httpx.AsyncClient(transport=transport, limits=LIMITS) as http,
            AsyncFlick(MOCK_KEY, base_url=MOCK_URL, http_client=http, throttle=False) as flick,
            flick.reviews.stream_create(_generated(n), concurrency=concurrency) as outcomes,
        ):
            async for outcome in outcomes:
                seen += 1
                if seen == 20_000:
                    marks["maxrss_20k"] = peak_rss()
                assert outcome.status == "created"
        return seen

    cpu_start = cpu_time()
    marks["seconds"] = timed(sdk, n, time.perf_counter)
    marks["cpu_seconds"] = cpu_time() - cpu_start
    marks["maxrss_end"] = peak_rss()
    marks["raw_seconds"] = timed(raw, n, time.perf_counter)
    print(json.dumps(marks))


def stream_rows(table: Table, n: int) -> None:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "stream", str(n), "4"], capture_output=True, text=True, check=True
    )
    marks = json.loads(out.stdout)
    rate = n / marks["seconds"]
    table.add(
        f"stream_create {n:,} items, concurrency 4, MockTransport",
        f">= {TARGET_STREAM_RATE:,} items/s",
        f"{rate:,.0f} items/s ({n / marks['cpu_seconds']:,.0f} per CPU second;"
        f" raw loop on the same items: {n / marks['raw_seconds']:,.0f} items/s)",
        rate >= TARGET_STREAM_RATE,
    )
    at_20k, at_end = marks["maxrss_20k"], marks["maxrss_end"]
    growth = at_end / at_20k - 1
    table.add(
        f"stream_create {n:,} items: peak RSS after 20,000 outcomes vs at the end",
        f"within {TARGET_FLAT:.0%}",
        f"{at_20k / 2**20:.1f} MiB -> {at_end / 2**20:.1f} MiB ({growth:+.1%})",
        abs(growth) <= TARGET_FLAT,
    )


# -- bytes per outcome held -------------------------------------------------------------------------


def run_memory_child(n: int) -> None:
    answers = capture_answers()
    transport = instant_transport(answers)
    rows = review_rows(n)

    held_results: list[Any] = []

    async def job(rows: Rows) -> None:
        async with (
            httpx.AsyncClient(transport=transport, limits=LIMITS) as http,
            AsyncFlick(MOCK_KEY, base_url=MOCK_URL, http_client=http, throttle=False) as flick,
        ):
            held_results.append(await flick.reviews.create_many(rows, concurrency=4))

    # Kept in a list, not returned from anyio.run: Python 3.11's asyncio.run formats the main
    # task (its result included) while restoring the SIGINT handler. The result's repr is
    # bounded now (`BatchResult.__repr__`), but the figure should not depend on it.
    anyio.run(job, review_rows(CHUNK))  # first-use imports and caches are not the result's
    held_results.clear()
    gc.collect()
    tracemalloc.start()
    anyio.run(job, rows)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    result = held_results[0]
    assert result.created == n
    print(json.dumps({"held": held, "outcomes": len(result)}))


def memory_row(table: Table, n: int) -> None:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "memory", str(n)], capture_output=True, text=True, check=True
    )
    marks = json.loads(out.stdout)
    per = marks["held"] / marks["outcomes"]
    table.add(
        f"create_many {n:,} items: memory the BatchResult holds beyond the inputs (tracemalloc)",
        f"<= {TARGET_BYTES_PER_OUTCOME} B per outcome",
        f"{per:,.0f} B per outcome ({marks['held'] / 2**20:.1f} MiB)",
        per <= TARGET_BYTES_PER_OUTCOME,
    )


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--only", choices=["mock", "loopback", "stream", "memory"], action="append")
    args.add_argument("--rounds", type=int, help="alternating rounds (3; --quick 1)")
    args.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = args.parse_args()
    if options.child:
        if options.child[0] == "stream":
            run_stream_child(int(options.child[1]), int(options.child[2]))
        else:
            run_memory_child(int(options.child[1]))
        return
    quick = options.quick
    only = set(options.only or ["mock", "loopback", "stream", "memory"])
    rounds = options.rounds or (1 if quick else 3)
    sizes = [2_000, 10_000] if quick else [10_000, 100_000]
    table = Table("#13 bulk-write targets (bench_batch.py" + (" --quick" if quick else "") + ")")
    print(load_average(), "at the start", flush=True)
    if "mock" in only:
        mock_rows(table, capture_answers(), sizes, rounds)
    if "loopback" in only:
        loopback_rows(table, sizes, rounds)
    if "stream" in only:
        stream_rows(table, 100_000 if quick else 1_000_000)
    if "memory" in only:
        memory_row(table, 100_000)  # the size, --quick too (about 25 s)
    table.print()
    print(load_average(), "at the end")


if __name__ == "__main__":
    main()
