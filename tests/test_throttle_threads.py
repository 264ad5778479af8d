"""One key's budget shared across threads and event loops, and a registry that forgets unused keys (issue #10)."""

from __future__ import annotations

import gc
import threading
import tracemalloc

import anyio
import httpx
import pytest

from flick_async import AsyncFlick
from flick_async._throttle import _REGISTRY, RateLimiter
from flick_async.testing import FlickServer, serve_in_thread


@pytest.mark.parametrize(
    "backends", [("asyncio", "asyncio"), ("trio", "trio"), ("asyncio", "trio")], ids=["asyncio", "trio", "mixed"]
)
def test_two_threads_each_with_its_own_event_loop_share_one_budget(backends: tuple[str, str]) -> None:
    """Issue: on asyncio one thread's 15 calls never finished; on trio `Event.set` raised a bare AssertionError."""
    limit, calls = 10, 15
    server = FlickServer(rate_limit=limit, window_seconds=1, demo=False)
    key = server.add_account().api_key
    assert key is not None
    done: list[int] = []
    errors: list[BaseException] = []

    def thread_main(backend: str, base_url: str) -> None:
        async def work() -> None:
            async with AsyncFlick(key, base_url=base_url) as flick, anyio.create_task_group() as tg:
                for _ in range(calls):
                    tg.start_soon(one, flick)

        async def one(flick: AsyncFlick) -> None:
            await flick.me()
            done.append(1)

        try:
            anyio.run(work, backend=backend)
        except BaseException as error:  # reported by the test below, not lost in the thread
            errors.append(error)

    with serve_in_thread(server) as base_url:
        threads = [threading.Thread(target=thread_main, args=(b, base_url), daemon=True) for b in backends]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert errors == []
    assert len(done) == 2 * calls
    assert server.request_log.max_per_window(1.0, api_key=key) <= limit
    # One budget: the second thread's client saw the first's use (at most one burst of 429s while it learned).
    assert server.request_log.statuses(key).count(429) <= limit


def test_the_registry_forgets_limiters_no_client_uses() -> None:
    """Issue: every key ever used kept its limiter (about 4 KB) after aclose(); 5,000 clients left 5,000."""

    async def open_and_close(n: int) -> None:
        # One shared connection pool (building 10,000 TLS contexts would be the whole test's time).
        async with httpx.AsyncClient() as http:
            for i in range(n):
                key = f"flick_sk_registry_{i:08d}_0123456789"
                async with AsyncFlick(key, base_url="https://flickmovies.com/api/beta", http_client=http):
                    pass

    anyio.run(open_and_close, 200)  # warm up: imports, caches
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        anyio.run(open_and_close, 10_000)
        gc.collect()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    retained, top = (after - before) / 1024, peak / 1024
    print(f"registry: {len(_REGISTRY)} live limiters; retained {retained:.0f} KiB, peak {top:.0f} KiB")
    assert len(_REGISTRY) <= 256 + 1
    # 10,000 limiters of ~4 KB would be ~40 MB; the recent few and noise stay far below.
    assert after - before < 4 * 1024 * 1024


def test_a_limiter_in_use_is_kept_and_shared() -> None:
    key, url = "flick_sk_registry_live_0123456789", "https://flickmovies.com/api/beta"
    first = RateLimiter.shared(key, url)
    for i in range(1000):  # push it out of the recent ones
        RateLimiter.shared(f"flick_sk_registry_other_{i:06d}_0123456789", url)
    gc.collect()
    assert RateLimiter.shared(key, url)._core is first._core


def test_a_closed_clients_key_state_is_not_kept_by_the_timers_its_calls_left() -> None:
    """Every call leaves a cancelled timer (its deadline) that asyncio keeps until its time comes, and
    a timer keeps a copy of the context: the task's grant there named the key's limiter strongly, so
    1,000 keys that each made a call kept all 1,000 limiters (not the registry's 256) until the loop
    turned past them. Checked while the timers are still in the loop's heap."""

    server = FlickServer(demo=False)
    keys = [server.add_account().api_key for _ in range(1000)]

    async def open_call_close(n: int) -> tuple[int, int]:
        import asyncio

        async with httpx.AsyncClient(transport=server.transport()) as http:
            for key in keys[:n]:
                assert key is not None
                async with AsyncFlick(key, base_url=server.base_url, http_client=http) as flick:
                    await flick.me()
            gc.collect()
            scheduled: list[asyncio.TimerHandle] = asyncio.get_running_loop()._scheduled  # type: ignore[attr-defined]
            pending = sum(1 for handle in scheduled if handle.cancelled())
            return len(_REGISTRY), pending

    live, pending = anyio.run(open_call_close, 1000, backend="asyncio")
    assert pending >= 1000  # the timers are there
    assert live <= 256 + 1
