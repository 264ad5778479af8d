"""Per-call cost of the SDK against raw httpx doing the same wire work, and its import cost (#13).

Not a test (nothing asserts): run it and read the table it prints.

    .venv/bin/python tests/benchmarks/bench_facade.py [--quick]

Every row is a ratio against a baseline measured in the same run, in alternating rounds: the
median of the ratios within each round (`_harness.Alternated`). The baseline is a bare
`httpx.AsyncClient` (key and Accept header set on the client) that sends the same requests and
`json.loads` each body — nothing else. On top of that the SDK:
validates its arguments (`limit`, `page`), sets the key through its redacted `httpx.Auth`, puts
a deadline around each attempt (`timeout`, 30 s by default), reads the `X-RateLimit-*` headers
of every response (`client.rate_limit`), turns a non-2xx into a `FlickError` (none here), and
parses the body into the generated models (`Profile`, `Review`s in a `Page`: a page is decoded
by msgspec straight into typed structures of the documented keys, from which the models are
set; a page of any other shape is decoded to dicts and parsed per review). Throttling is off
(`throttle=False`) except where a row says otherwise; retries are the default (none happen).
JSON: the baseline decodes with `json.loads`, as the issue defines it; the SDK with msgspec
(`flick_async/_json.py`), about 2.5x faster on a page. The informational "vs raw + msgspec" rows
use the same codec on both sides, so that they show the SDK's own cost alone.
The "default limiter" row (information) adds the key's shared `RateLimiter` (budget raised
through its public `per_minute`/`per_day`, so that it never has to wait).

MockTransport rows: both clients send through one `httpx.MockTransport` that replays real
answers of the local server (captured once at the start, headers included) at once, so the
figures measure client CPU only, one call at a time; timed in process CPU time (`time.process_time`),
which the other processes of a loaded machine disturb least.

Loopback row (information): the local server in its own process (`python -m flick_async.testing
serve`, limits lifted), `GET /me` at concurrency 16. A separate process, so that client and
server never share one GIL.

Many keys: a service acting for 1,000 keys makes a client per key (one `httpx.AsyncClient`
shared by all, as it would share a connection pool), 10 calls each, with the default limiter
(`RateLimiter.shared`: each key gets its own, kept in the process-wide registry; its budget raised
through its public `per_minute`/`per_day`, or one key could not make 10,000 calls in a minute),
against one client on one
key making as many calls. Client construction and `aclose()` are on the clock of the 1,000
(that is what acting for many keys costs). Memory per idle key: what the process still holds
per key (tracemalloc, after a collection and one turn of the loop) once each of 1,000 keys made
a call and its client was closed — the limiter registry's entry — divided by the keys the
registry still keeps (the 256 most recent), not by all 1,000. Held per open idle client:
information.

Import time: what `from flick_async import AsyncFlick` costs over `import httpx`, timed (process
CPU time) around the first statement in a fresh interpreter that has run the second: exactly
what a program that uses httpx pays more, measured directly. Subtracting two imports of about
150 ms, each in its own interpreter, gave differences from +5 to +44 ms on one quiet machine
within minutes; this reading is of about 30 ms, median of 15 interpreters. `import httpx`
alone, in interpreters of its own alternating with those, is printed for scale. Both with their
bytecode compiled, as pip leaves any installed package: `flick_async` and `flick_api` are
byte-compiled first (`compileall`), since a source checkout run with PYTHONDONTWRITEBYTECODE
(as this machine's shells are) would otherwise compile every module on every import, which
httpx, installed by pip, never does.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import anyio.lowlevel
import httpx
import msgspec
from _harness import (  # the script's own folder
    BASE_URL,
    Canned,
    Table,
    alternate_async,
    capture_answers,
    cpu_time,
    fmt_ratio,
    instant_transport,
    parser,
    per_call_us,
)
from _serve import load_average, serve_in_process

from flick_async import AsyncFlick, RateLimiter
from flick_async._throttle import _REGISTRY
from flick_async.testing import DEMO_API_KEY

TARGET_RATIO = 0.95
TARGET_IMPORT_MS = 30.0
TARGET_MANY_KEYS = 0.90  # per call within 10% of one client on one key
TARGET_IDLE_KEY_BYTES = 2048
KEY = "flick_sk_bench0000_0123456789"
LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=64)  # as AsyncFlick's own client


def limiter(api_key: str) -> RateLimiter:
    """The default throttle (the key's shared `RateLimiter`), with a budget big enough to never wait.

    `AsyncFlick(throttle=True)` builds this same limiter with the API's 60 a minute, which would
    make the run a minute per 60 calls; the public `per_minute`/`per_day` are the only change.
    """
    return RateLimiter.shared(api_key, BASE_URL, per_minute=10**9, per_day=10**9)


def raw_client(transport: httpx.AsyncBaseTransport | None = None, base_url: str = BASE_URL) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}", "Accept": "application/json"}
    return httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers, limits=LIMITS)


async def timed_calls(
    calls: int, call: Callable[[], Awaitable[object]], concurrency: int = 1, clock: Callable[[], float] = cpu_time
) -> float:
    """Seconds (of `clock`) for `calls` calls spread over `concurrency` workers."""
    per_worker, extra = divmod(calls, concurrency)

    async def worker(count: int) -> None:
        for _ in range(count):
            await call()

    start = clock()
    if concurrency == 1:
        await worker(calls)
    else:
        async with anyio.create_task_group() as tg:
            for index in range(concurrency):
                tg.start_soon(worker, per_worker + (1 if index < extra else 0))
    return clock() - start


def repeat(calls: int, call: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[float]]:
    return lambda: timed_calls(calls, call)


# -- per call, MockTransport -----------------------------------------------------------------------


async def per_call_rows(table: Table, answers: dict[str, Canned], *, calls: int, rounds: int) -> None:
    transport = instant_transport(answers)
    async with (
        raw_client(transport) as raw,
        httpx.AsyncClient(transport=transport) as shared,
        AsyncFlick(DEMO_API_KEY, base_url=BASE_URL, http_client=shared, throttle=False) as flick,
        AsyncFlick(DEMO_API_KEY, base_url=BASE_URL, http_client=shared, throttle=limiter(DEMO_API_KEY)) as throttled,
    ):

        async def raw_me() -> object:
            response = await raw.get("/me")
            response.raise_for_status()
            return json.loads(response.content)

        async def raw_page() -> object:
            response = await raw.get("/me/reviews", params={"page": 1, "limit": 50})
            response.raise_for_status()
            return json.loads(response.content)

        async def sdk_page() -> object:
            return await flick.reviews.list(limit=50)

        decode = msgspec.json.Decoder().decode

        async def raw_me_msgspec() -> object:
            response = await raw.get("/me")
            response.raise_for_status()
            return decode(response.content)

        async def raw_page_msgspec() -> object:
            response = await raw.get("/me/reviews", params={"page": 1, "limit": 50})
            response.raise_for_status()
            return decode(response.content)

        cases: list[tuple[str, Callable[[], Awaitable[object]], Callable[[], Awaitable[object]], bool]] = [
            ("me(), MockTransport", raw_me, flick.me, True),
            ("one reviews.list() page of 50, MockTransport", raw_page, sdk_page, True),
            ("me(), default limiter on (budget raised), MockTransport", raw_me, throttled.me, False),
            ("me(), MockTransport, vs raw + msgspec", raw_me_msgspec, flick.me, False),
            ("one reviews.list() page of 50, MockTransport, vs raw + msgspec", raw_page_msgspec, sdk_page, False),
        ]
        for figure, baseline, sdk, targeted in cases:
            await timed_calls(calls // 10, baseline)  # warm both (first-call imports, caches)
            await timed_calls(calls // 10, sdk)
            # Short rounds, many of them: each ratio is taken within a round (see `Alternated`).
            short, many = calls // 4, rounds * 4
            raw_s, sdk_s, ratio = await alternate_async(many, *(repeat(short, side) for side in (baseline, sdk)))
            measured = (
                f"{fmt_ratio(ratio)} (raw {per_call_us(raw_s, short):.0f} us, SDK {per_call_us(sdk_s, short):.0f} us"
                f" per call; {short} calls x {many} rounds)"
            )
            target = f">= {TARGET_RATIO}x raw" if targeted else "none"
            table.add(figure, target, measured, ratio >= TARGET_RATIO if targeted else None)


# -- loopback (information) ------------------------------------------------------------------------


async def loopback_row(table: Table, base_url: str, *, calls: int, rounds: int) -> None:
    async with (
        raw_client(base_url=base_url) as raw,
        AsyncFlick(DEMO_API_KEY, base_url=base_url, throttle=False) as flick,
    ):

        async def raw_me() -> object:
            response = await raw.get("/me")
            response.raise_for_status()
            return json.loads(response.content)

        await timed_calls(64, raw_me, 16)
        await timed_calls(64, flick.me, 16)
        wall = time.perf_counter  # the server's time is in it: CPU time of this process would miss it
        raw_s, sdk_s, ratio = await alternate_async(
            rounds, lambda: timed_calls(calls, raw_me, 16, wall), lambda: timed_calls(calls, flick.me, 16, wall)
        )
    measured = f"{fmt_ratio(ratio)} (raw {calls / raw_s:.0f} req/s, SDK {calls / sdk_s:.0f} req/s)"
    table.add("me() at concurrency 16, loopback, server in its own process", "none", measured, None)


# -- many keys ---------------------------------------------------------------------------------------


def key_of(i: int) -> str:
    return f"flick_sk_many{i:05d}_0123456789"


async def many_keys_rows(table: Table, answers: dict[str, Canned], *, keys: int, calls: int, rounds: int) -> None:
    transport = instant_transport(answers)
    offset = 0  # every round uses keys no round used before: each meets its limiter fresh

    async with httpx.AsyncClient(transport=transport) as shared:

        async def one_key() -> float:
            start = cpu_time()
            async with AsyncFlick(KEY, base_url=BASE_URL, http_client=shared, throttle=limiter(KEY)) as flick:
                for _ in range(keys * calls):
                    await flick.me()
            return cpu_time() - start

        async def many() -> float:
            nonlocal offset
            start = cpu_time()
            for i in range(offset, offset + keys):
                async with AsyncFlick(
                    key_of(i), base_url=BASE_URL, http_client=shared, throttle=limiter(key_of(i))
                ) as flick:
                    for _ in range(calls):
                        await flick.me()
            offset += keys
            return cpu_time() - start

        await one_key()  # warm
        one_s, many_s, ratio = await alternate_async(rounds, one_key, many)
        total = keys * calls
        measured = (
            f"{fmt_ratio(ratio)} of one key's speed (one key {per_call_us(one_s, total):.0f} us,"
            f" {keys:,} keys {per_call_us(many_s, total):.0f} us per call)"
        )
        table.add(
            f"{keys:,} clients on {keys:,} keys x {calls} calls vs one client one key, default limiter",
            f">= {TARGET_MANY_KEYS}x",
            measured,
            ratio >= TARGET_MANY_KEYS,
        )

        # Memory: fresh keys again, so that every one adds its own registry entry; the registry is
        # emptied of the earlier rounds' keys first, or evicting them would offset the new ones.
        _REGISTRY._recent.clear()
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        open_clients = []
        for i in range(offset, offset + keys):
            flick = AsyncFlick(key_of(i), base_url=BASE_URL, http_client=shared, throttle=limiter(key_of(i)))
            await flick.me()
            open_clients.append(flick)
        gc.collect()
        open_bytes = (tracemalloc.get_traced_memory()[0] - before) / keys
        for flick in open_clients:
            await flick.aclose()
        del open_clients, flick
        # One turn of the loop: asyncio drops the cancelled timers each call left (its deadline)
        # then, as any running service's loop does; until then they hold ~300 B a call.
        await anyio.lowlevel.checkpoint()
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        # Per key the process still keeps: the registry holds the most recent keys (256), so a
        # division by all 1,000 would flatter it (and approach 0 B with more keys).
        kept = max(1, min(keys, len(_REGISTRY)))
        idle_bytes = retained / kept
    table.add(
        "memory per idle key (clients closed; what the process keeps)",
        f"<= {TARGET_IDLE_KEY_BYTES} B",
        f"{idle_bytes:.0f} B per key kept ({kept:,} of {keys:,} keys kept)",
        idle_bytes <= TARGET_IDLE_KEY_BYTES,
    )
    table.add("memory per open idle client (one shared httpx.AsyncClient)", "none", f"{open_bytes:.0f} B", None)


# -- import time ---------------------------------------------------------------------------------------


def import_seconds(statement: str, before: str = "pass") -> float:
    """Seconds `statement` takes in a fresh interpreter that has run `before`, timed around the statement."""
    # CPU time: on a loaded machine, wall time mostly counts the other processes' turns.
    timer = f"import time; {before}; t = time.process_time(); {statement}; print(time.process_time() - t)"
    run = subprocess.run([sys.executable, "-c", timer], capture_output=True, text=True, check=True)
    return float(run.stdout)


def compile_packages() -> None:
    """Byte-compile flick_async and flick_api, as pip does for any package it installs."""
    import flick_api

    import flick_async

    folders = [str(Path(package.__file__).parent) for package in (flick_async, flick_api) if package.__file__]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True)


def import_row(table: Table, runs: int) -> None:
    compile_packages()
    samples: dict[str, list[float]] = {"httpx": [], "extra": []}
    for i in range(runs):
        order = [("httpx", "import httpx", "pass"), ("extra", "from flick_async import AsyncFlick", "import httpx")]
        for name, statement, before in order if i % 2 == 0 else reversed(order):
            samples[name].append(import_seconds(statement, before) * 1000)
    extra = statistics.median(samples["extra"])
    quartiles = statistics.quantiles(samples["extra"], n=4)
    table.add(
        "from flick_async import AsyncFlick over import httpx",
        f"< {TARGET_IMPORT_MS:.0f} ms",
        f"+{extra:.1f} ms (quartiles {quartiles[0]:.1f}/{quartiles[2]:.1f}; import httpx alone"
        f" {statistics.median(samples['httpx']):.1f} ms; medians of {runs} fresh interpreters)",
        extra < TARGET_IMPORT_MS,
    )


def main() -> None:
    args = parser(__doc__)
    args.add_argument("--calls", type=int, help="calls per round and side (2,000; --quick 500)")
    args.add_argument("--rounds", type=int, help="alternating rounds (7; --quick 3)")
    args.add_argument("--keys", type=int, help="keys in the many-keys rows (1,000; --quick 200)")
    args.add_argument("--import-runs", type=int, help="fresh interpreters per statement (15; --quick 5)")
    options = args.parse_args()
    quick = options.quick
    calls = options.calls or (500 if quick else 2000)
    rounds = options.rounds or (3 if quick else 7)
    keys = options.keys or (200 if quick else 1000)
    import_runs = options.import_runs or (5 if quick else 15)

    table = Table("#13 per-call targets (bench_facade.py" + (" --quick" if quick else "") + ")")
    print(load_average(), "at the start", flush=True)
    answers = capture_answers()
    anyio.run(lambda: per_call_rows(table, answers, calls=calls, rounds=rounds))
    with serve_in_process() as base_url:
        # Information only, and the slowest rows: half the calls and rounds.
        anyio.run(lambda: loopback_row(table, base_url, calls=calls // 2, rounds=max(3, rounds // 2)))
    anyio.run(lambda: many_keys_rows(table, answers, keys=keys, calls=10, rounds=max(3, rounds // 2)))
    import_row(table, import_runs)
    table.print()
    print(load_average(), "at the end")


if __name__ == "__main__":
    main()
