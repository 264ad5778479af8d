"""Sync client overhead: `Flick` against `AsyncFlick` on the same MockTransport, in the same run.

What a `Flick` call adds is the hop to its worker loop and back (a portal call). Rounds
alternate (async, sync, sync, async, ...) and the medians are compared, so machine drift hits
both sides alike. Wall time: the sync side's cost is a thread hand-off.

    .venv/bin/python tests/benchmarks/bench_sync.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

import anyio
import httpx

from flick_async import AsyncFlick, Flick, ReviewInput

KEY = "flick_sk_bench_0123456789abcdef0123"
BASE = "https://api.flick.test/api/beta"
PROFILE = json.dumps(
    {
        "id": "usr_1",
        "username": "bench",
        "display_name": "Bench",
        "avatar_url": None,
        "pro": True,
        "created_at": "2025-10-22T18:52:06Z",
        "stats": {"reviews": 1, "watchlist": 0, "lists": 0},
    }
).encode()


def _review(index: int) -> dict[str, Any]:
    return {
        "id": f"rev_{index}",
        "media": {"tmdb_id": "27205", "type": "movie", "title": "Inception", "year": 2010, "poster_url": None},
        "rating": 8.0,
        "review": None,
        "watched_date": None,
        "tags": [],
        "source": "api",
        "created_at": "2026-06-14T20:31:00Z",
    }


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/me"):
        return httpx.Response(200, content=PROFILE, headers={"content-type": "application/json"})
    body = json.loads(request.content)
    results = [
        {"index": i, "created": True, "deduplicated": False, "review": _review(i), "error": None}
        for i in range(len(body["reviews"]))
    ]
    payload = {"created_count": len(results), "deduplicated_count": 0, "failed_count": 0, "results": results}
    return httpx.Response(200, json=payload)


def _options() -> dict[str, Any]:
    return {
        "base_url": BASE,
        "throttle": False,
        "http_client": httpx.AsyncClient(transport=httpx.MockTransport(_answer)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    calls, rounds, items = (200, 3, 1000) if args.quick else (1000, 7, 5000)
    rows = [ReviewInput(tmdb_id="27205", media_type="movie", review=f"r{n}") for n in range(items)]

    async def async_me() -> float:
        async with AsyncFlick(KEY, **_options()) as flick:
            start = time.perf_counter()
            for _ in range(calls):
                await flick.me()
            return (time.perf_counter() - start) / calls

    def sync_me() -> float:
        with Flick(KEY, **_options()) as flick:
            flick.me()  # the worker thread starts on the first call; not timed
            start = time.perf_counter()
            for _ in range(calls):
                flick.me()
            return (time.perf_counter() - start) / calls

    async def async_batch() -> float:
        async with AsyncFlick(KEY, **_options()) as flick:
            start = time.perf_counter()
            await flick.reviews.create_many(rows)
            return time.perf_counter() - start

    def sync_batch() -> float:
        with Flick(KEY, **_options()) as flick:
            flick.me()
            start = time.perf_counter()
            flick.reviews.create_many(rows)
            return time.perf_counter() - start

    samples: dict[str, list[float]] = {"async me": [], "sync me": [], "async batch": [], "sync batch": []}
    for n in range(rounds):
        order = [("async", "sync"), ("sync", "async")][n % 2]
        for side in order:
            if side == "async":
                samples["async me"].append(anyio.run(async_me))
                samples["async batch"].append(anyio.run(async_batch))
            else:
                samples["sync me"].append(sync_me())
                samples["sync batch"].append(sync_batch())
    med = {name: statistics.median(values) for name, values in samples.items()}
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} (2 shared cores: figures are noisy)")
    print(f"me():            async {med['async me'] * 1e6:8.1f} us/call   sync {med['sync me'] * 1e6:8.1f} us/call")
    print(f"                 sync/async = {med['sync me'] / med['async me']:.2f}")
    print(
        f"create_many({items}): async {med['async batch'] * 1e3:8.1f} ms        sync {med['sync batch'] * 1e3:8.1f} ms"
    )
    print(f"                 sync/async = {med['sync batch'] / med['async batch']:.2f}")


if __name__ == "__main__":
    main()
