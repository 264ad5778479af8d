"""Benchmark of the local Flick server (not a test; run it by hand).

    .venv/bin/python tests/benchmarks/bench_server.py [--seconds 3] [--concurrency 16]

Over loopback (uvicorn in a thread, one httpx.AsyncClient with several concurrent tasks):
requests per second on GET /api/beta/me and on a 50-item POST /api/beta/me/reviews/batch,
each against a trivial Starlette endpoint served by the same uvicorn in the same run, so the
ratio says what the server's own work costs. The client runs in a child process: sharing the
server's GIL would measure lock contention more than the server. Then: loading a 100,000-row
synthetic catalog, building the resolve index, and resolve latency on it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import anyio
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from flick_async.testing import DEMO_API_KEY, Catalog, FlickServer
from flick_async.testing._serve import serve_app_in_thread

# fmt: off
WORDS = (
    "love", "night", "dark", "star", "war", "king", "queen", "city", "blue", "red", "house", "dead", "life",
    "last", "first", "man", "woman", "girl", "boy", "summer", "winter", "ghost", "river", "road", "dream",
    "secret", "lost", "time", "world", "sun", "moon", "fire", "water", "shadow", "heart", "blood", "iron",
    "golden", "silver", "wild", "long", "little", "big", "black", "white", "story", "return", "rise", "fall",
)
# fmt: on


async def ping(request: Request) -> JSONResponse:
    """The baseline: routing and a small JSON body, nothing else."""
    return JSONResponse({"ok": True})


async def rate(seconds: float, concurrency: int, call: Callable[[int], Awaitable[None]]) -> float:
    """Calls per second of `call` from `concurrency` tasks for `seconds`."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(n: int) -> None:
        nonlocal done
        i = 0
        while time.perf_counter() < deadline:
            await call(n * 1_000_000 + i)
            i += 1
            done += 1

    began = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for n in range(concurrency):
            tg.start_soon(worker, n)
    return done / (time.perf_counter() - began)


async def loopback(origin: str, seconds: float, concurrency: int) -> dict[str, float]:
    """Requests per second on each endpoint over the socket."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    async with httpx.AsyncClient(base_url=origin, limits=limits, headers=headers) as http:

        async def get(path: str) -> None:
            response = await http.get(path)
            assert response.status_code == 200, response.text

        async def batch(seq: int) -> None:
            items = [
                {"tmdb_id": "1396", "media_type": "tv_episode", "season_number": 1, "episode_number": 1 + i % 7,
                 "rating": i % 11, "review": f"bench {seq}-{i}", "tags": ["bench"]}
                for i in range(50)
            ]  # fmt: skip
            response = await http.post("/api/beta/me/reviews/batch", json={"reviews": items})
            assert response.status_code == 200
            assert response.json()["created_count"] == 50

        await rate(0.5, concurrency, lambda _: get("/bench/ping"))  # warm up connections
        return {
            "ping": await rate(seconds, concurrency, lambda _: get("/bench/ping")),
            "me": await rate(seconds, concurrency, lambda _: get("/api/beta/me")),
            "batch": await rate(seconds, concurrency, batch),
        }


def run_client(origin: str, seconds: float, concurrency: int) -> dict[str, float]:
    """The load generator, in its own process."""
    return anyio.run(loopback, origin, seconds, concurrency)


def catalog_figures(rows: int) -> dict[str, float]:
    """Load time, index time and resolve latencies on a synthetic catalog of `rows` titles."""
    rng = random.Random(1)
    titles = []
    lines = ["tmdb_id,media_type,title,year,aliases"]
    for i in range(rows):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5))).title()
        title = f"The {title}" if rng.random() < 0.3 else title
        titles.append(title)
        alias = f"{title} Redux" if rng.random() < 0.1 else ""
        lines.append(f"{i + 1},{'movie' if rng.random() < 0.8 else 'tv'},{title},{rng.randint(1920, 2025)},{alias}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        began = time.perf_counter()
        catalog = Catalog.from_csv(path)
        loaded = time.perf_counter()
        resolver = catalog.resolver
        indexed = time.perf_counter()

    def typo(text: str) -> str:
        i = rng.randrange(len(text))
        return text[:i] + text[i + 1 :]

    queries = [rng.choice(titles) for _ in range(100)] + [typo(rng.choice(titles)) for _ in range(100)]
    queries += [" ".join(rng.choice(WORDS) for _ in range(3)) for _ in range(100)]
    latencies = []
    for n, query in enumerate(queries):
        start = time.perf_counter()
        resolver.resolve(query, media_type="tv" if n % 3 == 0 else None, year=1990 if n % 3 == 1 else None)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    return {
        "load_s": loaded - began,
        "index_s": indexed - loaded,
        "resolve_median_ms": statistics.median(latencies),
        "resolve_p95_ms": latencies[int(len(latencies) * 0.95)],
        "resolve_max_ms": latencies[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per endpoint (3)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent client tasks (8)")
    parser.add_argument("--rows", type=int, default=100_000, help="synthetic catalog rows (100,000)")
    args = parser.parse_args()

    server = FlickServer(rate_limit=10_000_000, daily_limit=10_000_000)
    app = Starlette(routes=[Route("/bench/ping", ping), Mount("/", app=server.app)])
    with serve_app_in_thread(app) as origin, ProcessPoolExecutor(1, mp_context=get_context("spawn")) as client:
        rps = client.submit(run_client, origin, args.seconds, args.concurrency).result()
    print(f"Loopback, uvicorn in a thread, httpx with {args.concurrency} concurrent tasks, {args.seconds:g} s each:")
    print(f"  baseline GET /bench/ping (trivial Starlette endpoint) {rps['ping']:8.0f} req/s")
    print(f"  GET /api/beta/me                                       {rps['me']:8.0f} req/s  "
          f"({rps['me'] / rps['ping']:.2f} x baseline)")  # fmt: skip
    print(f"  POST /api/beta/me/reviews/batch (50 items)             {rps['batch']:8.0f} req/s  "
          f"({rps['batch'] / rps['ping']:.2f} x baseline, {rps['batch'] * 50:.0f} reviews/s)")  # fmt: skip
    figures = catalog_figures(args.rows)
    print(f"Catalog of {args.rows:,} synthetic rows:")
    print(f"  load CSV {figures['load_s']:.2f} s, build resolve index {figures['index_s']:.2f} s")
    print("  resolve latency over 300 queries (exact, typo, random words; a third with media_type, a third with year):")
    print(f"    median {figures['resolve_median_ms']:.1f} ms, p95 {figures['resolve_p95_ms']:.1f} ms, "
          f"max {figures['resolve_max_ms']:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
