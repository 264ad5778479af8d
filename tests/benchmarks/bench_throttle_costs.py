"""Where a speed-bound throttle cell's time goes: the throttle's CPU per call, and each window's late opening.

    .venv/bin/python tests/benchmarks/bench_throttle_costs.py            # 1, 32 and 256 tasks
    .venv/bin/python tests/benchmarks/bench_throttle_costs.py --quick    # 1 and 256 tasks, fewer blocks

`bench_throttle.py`'s 1 s x 600 cells are bound by the client's own speed, and one sample of
that speed differs from the next by 10-30% on a busy machine: five rounds cannot tell 1.03
from 1.06. This splits the cost instead, into two figures each far less noisy than the cell:

- CPU: the default limiter's own time a call, `acquire` and `observe` timed (`perf_counter`)
  inside the default client's calls on a local server in its own process, limits lifted so it
  never waits; as a share of a call (the median of 6 blocks of 200 calls at the same number of
  tasks). Timing the limiter's own code, not a throttled client against an unthrottled one:
  blocks of the two, alternated, differed by -7% to +10% in wall and even in process CPU time
  from one run to the next on a 2-core VM, where this reads within a few microseconds. (An
  unthrottled client parses the rate-limit headers itself, a few microseconds the limiter
  saves: this figure is the limiter's gross cost.)
- Openings: 1 s windows of 600 on a second local server (the same machine, so its wall clock is
  this one's: a window ending at `Reset` ends at that `time.time()` here), two windows' worth
  + 1 requests; for every window that opens after a spent one, how long after its start the
  first request was sent. It is what the safety margin (5 ms at 1 s windows, once learned) and the bracket
  on the server's clock cost each window: no request may go before the server's window surely
  ended.

The cell's expected ratio is about 1 + CPU + the openings' share of a run, printed per number
of tasks: against an unthrottled client's speed, as `bench_throttle.py` reads T* where that
client is the faster of its samples (where the throttled one is, the CPU is in T* too, and only
the openings remain). Benchmarks print; they assert nothing.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
from _serve import load_average, serve_in_process
from bench_throttle import pool_limits  # (a connection per task, all kept alive)

from flick_async import AsyncFlick, RateLimiter

QUICK = "--quick" in sys.argv
TASKS = [1, 256] if QUICK else [1, 32, 256]
BLOCKS = 3 if QUICK else 6
BLOCK = 200
WINDOW, LIMIT = 1.0, 600
OPENING_RUNS = 2 if QUICK else 4


async def _calls(flick: AsyncFlick, tasks: int, n: int) -> float:
    """Seconds for `n` calls of `me()` by `tasks` tasks."""
    todo = iter(range(n))

    async def worker() -> None:
        for _ in todo:
            await flick.me()

    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(min(tasks, n)):
            tg.start_soon(worker)
    return time.perf_counter() - start


class _Timed:
    """Times the default limiter's `acquire` and `observe` (the whole of its per-call work), in
    this process, while `on`: wrapped on the class, as every client's limiter is one."""

    def __init__(self) -> None:
        self.seconds, self.calls, self.on = 0.0, 0, False
        acquire, observe = RateLimiter.acquire, RateLimiter.observe

        async def timed_acquire(self_: RateLimiter) -> None:
            start = time.perf_counter()
            await acquire(self_)  # (limits lifted: after the first answer it never waits)
            self._add(time.perf_counter() - start)

        def timed_observe(
            self_: RateLimiter, *, status_code: int, headers: httpx.Headers, sent_at: float, received_at: float
        ) -> None:
            start = time.perf_counter()
            observe(self_, status_code=status_code, headers=headers, sent_at=sent_at, received_at=received_at)
            self._add(time.perf_counter() - start)

        RateLimiter.acquire = timed_acquire  # type: ignore[method-assign,assignment]
        RateLimiter.observe = timed_observe  # type: ignore[method-assign,assignment]

    def _add(self, seconds: float) -> None:
        if self.on:
            self.seconds += seconds
            self.calls += 1


TIMED = _Timed()


async def cpu_share(url: str, key: str, tasks: int) -> tuple[float, float, float]:
    """The throttle's own time per call as a share of a call, that time in seconds, and the
    seconds per call (median of `BLOCKS` blocks)."""
    walls: list[float] = []
    async with (
        httpx.AsyncClient(limits=pool_limits(tasks)) as http,
        AsyncFlick(key, base_url=url, http_client=http) as flick,
    ):
        await _calls(flick, tasks, BLOCK)  # the first answer (the limits), the pool's connections
        TIMED.seconds, TIMED.calls, TIMED.on = 0.0, 0, True
        try:
            for _ in range(BLOCKS):
                walls.append((await _calls(flick, tasks, BLOCK)) / BLOCK)
        finally:
            TIMED.on = False
    per_call = statistics.median(walls)
    own = TIMED.seconds / (TIMED.calls / 2)  # an acquire and an observe a call
    return own / per_call, own, per_call


async def openings(url: str, key: str, tasks: int) -> tuple[list[float], int, float]:
    """Seconds from each window's start to its first request, for windows after a spent one;
    the number of such windows, and the run's wall time."""
    sent: list[float] = []
    answers: list[float] = []  # each answer's Reset

    async def on_request(request: httpx.Request) -> None:
        sent.append(time.time())

    async def on_response(response: httpx.Response) -> None:
        answers.append(float(response.headers["x-ratelimit-reset"]))

    hooks: dict[str, list[Callable[..., Any]]] = {"request": [on_request], "response": [on_response]}
    async with (
        httpx.AsyncClient(limits=pool_limits(tasks), event_hooks=hooks) as http,
        AsyncFlick(key, base_url=url, http_client=http, max_retry_wait=3600) as flick,
    ):
        wall = await _calls(flick, tasks, 2 * LIMIT + 1)
    counts: dict[float, int] = {}
    for reset in answers:
        counts[reset] = counts.get(reset, 0) + 1
    late: list[float] = []
    for reset, count in counts.items():
        following = reset + WINDOW
        if count >= LIMIT and following in counts:  # spent, and the next window was used
            late.append(min(s for s in sent if s >= reset) - reset)
    return late, len(late), wall


def _keys(prefix: str, count: int) -> Iterator[str]:
    return (f"flick_sk_{prefix}_{i}_0123456789" for i in range(count))


async def main() -> None:
    print(f"throttle costs, {WINDOW:g} s x {LIMIT} cells; {load_average()}")
    cpu_keys = list(_keys("costs_cpu", len(TASKS)))
    open_keys = list(_keys("costs_open", OPENING_RUNS * len(TASKS)))
    with (
        tempfile.NamedTemporaryFile("w", suffix=".json", prefix="bench_costs_") as lifted,
        tempfile.NamedTemporaryFile("w", suffix=".json", prefix="bench_costs_") as windowed,
    ):
        # One account per key: an account holds at most 5 active keys.
        json.dump({"accounts": [{"username": f"c{i}", "keys": [k]} for i, k in enumerate(cpu_keys)]}, lifted)
        json.dump({"accounts": [{"username": f"o{i}", "keys": [k]} for i, k in enumerate(open_keys)]}, windowed)
        lifted.flush()
        windowed.flush()
        options = ["--rate-limit", str(LIMIT), "--window-seconds", str(WINDOW), "--daily-limit", str(10**9)]
        with (
            serve_in_process("--no-demo", "--accounts", lifted.name) as lifted_url,
            serve_in_process(*options, "--no-demo", "--accounts", windowed.name) as windowed_url,
        ):
            for i, tasks in enumerate(TASKS):
                cpu, extra, per_call = await cpu_share(lifted_url, cpu_keys[i], tasks)
                late: list[float] = []
                share: list[float] = []
                for key in open_keys[OPENING_RUNS * i : OPENING_RUNS * (i + 1)]:
                    run_late, spent, wall = await openings(windowed_url, key, tasks)
                    late += run_late
                    share.append(sum(run_late) / wall if spent else 0.0)
                opening = statistics.median(late) * 1000 if late else float("nan")
                expected = 1 + cpu + statistics.median(share)
                print(
                    f"  {tasks:>3} tasks: throttle CPU {extra * 1e6:4.1f} us a call, {cpu * 100:.1f}% of a"
                    f" {per_call * 1e3:.2f} ms call   opening after a spent window {opening:5.1f} ms"
                    f" ({len(late)} windows, {statistics.median(share) * 100:.1f}% of a run)"
                    f"   expected cell ratio ~{expected:.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    anyio.run(main)
