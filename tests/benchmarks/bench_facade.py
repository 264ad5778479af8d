"""Facade overhead: `client.me()` throughput against raw httpx, and the import cost of `flick_async`.

Not a test (nothing asserts): run it and read the numbers.

    .venv/bin/python tests/benchmarks/bench_facade.py [--requests 3000] [--concurrency 16] [--rounds 5]

Throughput: the local Flick server runs in its own process (`python -m flick_async.testing serve`
on a free loopback port, rate limits lifted), and the same number of `GET /me` calls run at the
same concurrency through `AsyncFlick(throttle=False).me()` and through a bare `httpx.AsyncClient`
+ `json.loads`. Rounds alternate raw and facade so that drift (CPU frequency, the server warming
up) hits both alike; the medians are compared. Target: facade ≥ 0.9 × raw.

Why a separate process: a server in the benchmark's own process (uvicorn in a thread) shares one
GIL with the client, so every microsecond of client CPU is also taken from the server. That is
not how a client meets a real server, and it charges the facade's per-call work twice. The
machine's load average is printed at the start and the end: other processes compete for the
same cores.

Import time: `import flick_async` and `from flick_async import AsyncFlick` against `import httpx`,
each timed around the statement in fresh interpreters, medians of several runs. Target: under
60 ms more than httpx alone. Exports load lazily, so the first figure is the package alone and
the second what a program that makes a client pays.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import anyio
import httpx
from _serve import load_average, serve_in_process  # the script's own folder

from flick_async import AsyncFlick
from flick_async.testing import DEMO_API_KEY

TARGET_RATIO = 0.9
TARGET_IMPORT_MS = 60.0
LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=32)


async def _run(calls: int, concurrency: int, call: Callable[[], Awaitable[object]]) -> float:
    """Requests per second for `calls` calls spread over `concurrency` workers."""
    per_worker, extra = divmod(calls, concurrency)

    async def worker(count: int) -> None:
        for _ in range(count):
            await call()

    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for index in range(concurrency):
            tg.start_soon(worker, per_worker + (1 if index < extra else 0))
    return calls / (time.perf_counter() - start)


async def throughput(base_url: str, *, calls: int, concurrency: int, rounds: int) -> tuple[float, float]:
    """Median requests/second of (raw httpx, facade)."""
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}", "Accept": "application/json"}
    raw_rates: list[float] = []
    facade_rates: list[float] = []
    async with (
        httpx.AsyncClient(base_url=base_url, headers=headers, limits=LIMITS) as raw,
        AsyncFlick(DEMO_API_KEY, base_url=base_url, throttle=False, max_retries=0) as flick,
    ):

        async def raw_me() -> object:
            response = await raw.get("/me")
            response.raise_for_status()
            return json.loads(response.content)

        # Warm both pools (connections, the server's first requests) before timing anything.
        await _run(concurrency * 4, concurrency, raw_me)
        await _run(concurrency * 4, concurrency, flick.me)
        for _ in range(rounds):
            raw_rates.append(await _run(calls, concurrency, raw_me))
            facade_rates.append(await _run(calls, concurrency, flick.me))
    return statistics.median(raw_rates), statistics.median(facade_rates)


def import_ms(statement: str, runs: int) -> float:
    """Median time `statement` takes in fresh interpreters, in milliseconds.

    Timed in-process around the statement (not `-X importtime`'s cumulative column): with
    lazy exports, `import flick_async` alone loads little, and what a user pays shows only
    once a name is taken from it.
    """
    timer = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    samples = [
        float(subprocess.run([sys.executable, "-c", timer], capture_output=True, text=True, check=True).stdout) * 1000
        for _ in range(runs)
    ]
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="calls per round and side")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--import-runs", type=int, default=9)
    args = parser.parse_args()

    print(load_average(), "at the start")
    with serve_in_process() as base_url:
        raw, facade = anyio.run(
            lambda: throughput(base_url, calls=args.requests, concurrency=args.concurrency, rounds=args.rounds)
        )
    ratio = facade / raw
    print(
        f"throughput  GET /me x{args.requests} at concurrency {args.concurrency}, median of {args.rounds} rounds,"
        " server in its own process on loopback"
    )
    print(f"  raw httpx + json.loads  {raw:8.0f} req/s")
    print(f"  AsyncFlick.me()         {facade:8.0f} req/s")
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    print(f"  ratio                   {ratio:8.3f}  (target >= {TARGET_RATIO}: {verdict})")

    httpx_ms = import_ms("import httpx", args.import_runs)
    print(
        f"import time, median of {args.import_runs} fresh interpreters (target: under {TARGET_IMPORT_MS:.0f} ms more)"
    )
    print(f"  import httpx                        {httpx_ms:8.1f} ms")
    for statement in ("import flick_async", "from flick_async import AsyncFlick"):
        took = import_ms(statement, args.import_runs)
        extra = took - httpx_ms
        verdict = "met" if extra < TARGET_IMPORT_MS else "MISSED"
        print(f"  {statement:<35} {took:8.1f} ms  ({extra:+.1f} ms: {verdict})")
    print(load_average(), "at the end")


if __name__ == "__main__":
    main()
