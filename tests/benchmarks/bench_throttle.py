"""How close to the budget the throttle runs, against the local server on loopback (60 per 2 s).

    .venv/bin/python tests/benchmarks/bench_throttle.py

(1) Efficiency: 600 requests from 32 tasks with our `RateLimiter`, then with
    `aiolimiter.AsyncLimiter(60, 2)` as its users configure it (sleeping `Retry-After` on a 429).
    Ideal: T* = time to the first reset + (ceil((N - remaining) / 60) - 1) x window, where
    `remaining` is what the key had left when the run started.
(2) Shared key: our run again while a second, unthrottled client of the same key sends 10
    requests a second in the background. Every request of ours must complete, and after a 429
    none of ours may be sent before its Retry-After has run out.

Plain httpx drives the requests (acquire, send, observe), so the facade is not involved.
"""

from __future__ import annotations

import math
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

import anyio
import httpx
from aiolimiter import AsyncLimiter

from flick_async._clock import SystemClock
from flick_async._errors import parse_retry_after
from flick_async._throttle import RateLimiter

N, TASKS, LIMIT, WINDOW = 600, 32, 60, 2.0
MARGIN = float(sys.argv[1]) if len(sys.argv) > 1 else 0.25  # RateLimiter default


@dataclass
class Run:
    """What one run measured."""

    wall: float = 0.0
    ideal: float = 0.0
    too_many: int = 0
    completed: int = 0
    early_sends: int = 0  # ours sent while a 429's Retry-After we had seen was still running
    first: httpx.Response | None = None
    sends: list[float] = field(default_factory=list)
    # Local wall time of each send and answer (the server shares this machine's clock) by the window
    # that counted it: where the time above T* goes.
    windows: dict[float, list[float]] = field(default_factory=dict)
    pauses: list[tuple[float, float]] = field(default_factory=list)  # (429 received, Retry-After end)


def ideal(start_wall: float, first: httpx.Response) -> float:
    """T* from the first answer: its Reset and what the key had left before it (Remaining + 1)."""
    reset = float(first.headers["x-ratelimit-reset"])
    remaining = int(first.headers["x-ratelimit-remaining"]) + 1
    return (reset - start_wall) + (math.ceil((N - remaining) / LIMIT) - 1) * WINDOW


async def ours(base_url: str, key: str) -> Run:
    clock = SystemClock()
    limiter = RateLimiter(per_minute=LIMIT, window_seconds=WINDOW, clock=clock, safety_margin=MARGIN)
    run = Run()
    todo = iter(range(N))
    limits = httpx.Limits(max_connections=TASKS)
    async with httpx.AsyncClient(base_url=base_url, headers={"X-API-Key": key}, limits=limits) as http:

        async def worker() -> None:
            for _ in todo:
                while True:
                    await limiter.acquire()
                    sent_at, sent_wall = clock.monotonic(), time.time()
                    run.sends.append(sent_at)
                    response = await http.get("/me")
                    received_at = clock.monotonic()
                    reset = float(response.headers["x-ratelimit-reset"])
                    run.windows.setdefault(reset, []).extend((sent_wall, time.time()))
                    limiter.observe(
                        status_code=response.status_code,
                        headers=response.headers,
                        sent_at=sent_at,
                        received_at=received_at,
                    )
                    run.first = run.first or response
                    if response.status_code != 429:
                        run.completed += 1
                        break
                    run.too_many += 1
                    run.pauses.append((received_at, received_at + (parse_retry_after(response.headers) or 0)))

        start, start_wall = clock.monotonic(), time.time()
        async with anyio.create_task_group() as tg:
            for _ in range(TASKS):
                tg.start_soon(worker)
        run.wall = clock.monotonic() - start
    assert run.first is not None
    run.ideal = ideal(start_wall, run.first)
    run.early_sends = sum(1 for t in run.sends for seen, until in run.pauses if seen < t < until)
    return run


async def baseline(base_url: str, key: str) -> Run:
    limiter = AsyncLimiter(LIMIT, WINDOW)
    run = Run()
    todo = iter(range(N))
    limits = httpx.Limits(max_connections=TASKS)
    async with httpx.AsyncClient(base_url=base_url, headers={"X-API-Key": key}, limits=limits) as http:

        async def worker() -> None:
            for _ in todo:
                while True:
                    async with limiter:
                        response = await http.get("/me")
                    run.first = run.first or response
                    if response.status_code != 429:
                        run.completed += 1
                        break
                    run.too_many += 1
                    await anyio.sleep(parse_retry_after(response.headers) or 1.0)

        start, start_wall = time.monotonic(), time.time()
        async with anyio.create_task_group() as tg:
            for _ in range(TASKS):
                tg.start_soon(worker)
        run.wall = time.monotonic() - start
    assert run.first is not None
    run.ideal = ideal(start_wall, run.first)
    return run


async def noisy_neighbour(base_url: str, key: str) -> None:
    """An unthrottled client of the same key: 10 requests a second, 429s ignored, until cancelled."""
    async with httpx.AsyncClient(base_url=base_url, headers={"X-API-Key": key}) as http:
        while True:
            await http.get("/me")
            await anyio.sleep(0.1)


async def shared(base_url: str, key: str) -> Run:
    async with anyio.create_task_group() as tg:
        tg.start_soon(noisy_neighbour, base_url, key)
        run = await ours(base_url, key)
        tg.cancel_scope.cancel()
    return run


def report(name: str, run: Run) -> None:
    print(
        f"  {name:<34} wall {run.wall:6.2f} s   T* {run.ideal:6.2f} s   ratio {run.wall / run.ideal:5.3f}   "
        f"429s {run.too_many:4d}   completed {run.completed}/{N}"
    )
    if run.windows:
        # T* ends when the last window opens: the excess is how late its first request went, plus
        # how long its requests took to be answered.
        last = max(run.windows)
        opened = last - WINDOW
        print(
            f"  {'':<34} last window: first send +{min(run.windows[last]) - opened:.3f} s after it opened, "
            f"last answer +{max(run.windows[last]) - opened:.3f} s"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def main() -> None:
    # The server runs in its own process so that it and the client don't share one GIL.
    keys = [f"flick_sk_bench{i}_0123456789abcdef" for i in range(3)]
    port = free_port()
    command = [sys.executable, "-m", "flick_async.testing", "serve", "--port", str(port)]
    command += ["--rate-limit", str(LIMIT), "--window-seconds", str(WINDOW)]
    for key in keys:
        command += ["--api-key", key]
    base_url = f"http://127.0.0.1:{port}/api/beta"
    async with await anyio.open_process(command, stdout=subprocess.DEVNULL) as server:
        try:
            await wait_until_up(base_url)
            print(f"{N} requests, {TASKS} tasks, {LIMIT} per {WINDOW:g} s window, loopback; margin {MARGIN} s")
            print("(1) efficiency")
            mine = await ours(base_url, keys[0])
            report("flick_async RateLimiter", mine)
            theirs = await baseline(base_url, keys[1])
            report("aiolimiter AsyncLimiter(60, 2)", theirs)
            print("(2) shared key, unthrottled neighbour at 10 req/s")
            crowded = await shared(base_url, keys[2])
            report("flick_async RateLimiter", crowded)
            print(f"  ours sent inside a Retry-After we had seen: {crowded.early_sends}")
        finally:
            server.terminate()
    target = mine.wall <= 1.03 * mine.ideal and mine.too_many == 0
    shared_ok = crowded.completed == N and crowded.early_sends == 0
    print(f"targets: efficiency {'met' if target else 'MISSED'}, shared key {'met' if shared_ok else 'MISSED'}")


async def wait_until_up(base_url: str) -> None:
    with anyio.fail_after(20):
        async with httpx.AsyncClient() as http:
            while True:
                try:
                    await http.get(f"{base_url}/openapi.json")
                    return
                except httpx.TransportError:
                    await anyio.sleep(0.1)


if __name__ == "__main__":
    anyio.run(main)
