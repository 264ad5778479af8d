"""One worker process of the shared-budget test: N requests through a `RedisRateLimiter`.

Usage: python tests/_redis_worker.py REDIS_URL BASE_URL API_KEY N WINDOW_SECONDS BACKEND [cluster] [barrier]
Prints one JSON line: {"statuses": [...]}. With `barrier`, it prints "ready" once imported and
set up (the HTTP client's TLS context alone takes 80 ms) and starts when a line arrives on stdin,
so that a benchmark's clock does not count start-up (seconds of interpreter start on a loaded
machine) as the throttle's time. (WINDOW_SECONDS is unused: the
limiter learns the window from the server.)
"""

from __future__ import annotations

import json
import sys

import anyio
import anyio.to_thread
import httpx
import redis.asyncio  # noqa: F401  (before the barrier: the import is start-up, not the throttle's time)

from flick_async._clock import SystemClock
from flick_async._throttle_redis import RedisRateLimiter


async def main(
    redis_url: str, base_url: str, api_key: str, n: int, window: float, cluster: bool, barrier: bool
) -> list[int]:
    clock = SystemClock()
    limiter = RedisRateLimiter(redis_url, api_key=api_key, clock=clock, fallback_share=None, cluster=cluster)
    statuses: list[int] = []
    todo = iter(range(n))
    async with httpx.AsyncClient(base_url=base_url, headers={"X-API-Key": api_key}, timeout=10) as http:
        if barrier:
            # Connected first (a cluster client also discovers its nodes): start-up, not the throttle's time.
            await limiter._run("release", "0", "0", "0", "0")
            print("ready", flush=True)
            await anyio.to_thread.run_sync(sys.stdin.readline)

        async def worker() -> None:
            for _ in todo:
                await limiter.acquire()
                sent_at = clock.monotonic()
                response = await http.get("/me")
                await limiter.aobserve(
                    status_code=response.status_code,
                    headers=response.headers,
                    sent_at=sent_at,
                    received_at=clock.monotonic(),
                )
                statuses.append(response.status_code)

        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(worker)
    await limiter.aclose()
    return statuses


if __name__ == "__main__":
    redis_url, base_url, api_key, n, window, backend = sys.argv[1:7]
    cluster, barrier = "cluster" in sys.argv[7:], "barrier" in sys.argv[7:]
    result = anyio.run(main, redis_url, base_url, api_key, int(n), float(window), cluster, barrier, backend=backend)
    print(json.dumps({"statuses": result}))
