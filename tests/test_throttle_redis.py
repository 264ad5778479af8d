"""The Redis-backed limiter: one budget for many workers, against a real local redis-server."""

from __future__ import annotations

import collections
import json
import logging
import math
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import redis
from _redis_server import RedisCluster, RedisServer, redis_cluster, redis_server
from _throttle_fakes import START, FakeServer, bulk, call, headers
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from flick_async._errors import APIConnectionError, DailyQuotaExceededError, RateLimitError
from flick_async._events import ThrottleWait
from flick_async._throttle import key_digest
from flick_async._throttle_redis import RedisRateLimiter, _Unavailable
from flick_async.testing import FlickServer, wait_all_tasks_blocked
from flick_async.testing._clock import FakeClock

KEY = "flick_sk_redis_test_0123456789"


@pytest.fixture
def server() -> Iterator[RedisServer]:
    """A fresh redis-server on a free loopback port (fails loudly when redis-server is missing)."""
    with redis_server() as started:
        yield started


class RedisAwareClock(FakeClock):
    """A FakeClock whose autojump waits while a Redis call is out.

    A task waiting on a socket or a worker thread counts as blocked, so a plain autojump would
    move fake time in the middle of a Redis round trip, which real time never does at that scale.
    """

    def __init__(self) -> None:
        super().__init__()
        self.busy = 0

    async def run_autojump(self) -> None:
        while True:
            await wait_all_tasks_blocked()
            if self.busy:
                await anyio.sleep(0.0005)
                continue
            deadline = self.next_deadline()
            if deadline is None:
                await anyio.sleep(0.001)
                continue
            self.advance(max(0.0, deadline - self.monotonic()))
            await anyio.lowlevel.checkpoint()


Make = Callable[..., RedisRateLimiter]


@pytest.fixture
async def make() -> AsyncIterator[Make]:
    """Build limiters on a RedisAwareClock (`make(url, clock, **options)`); closes them afterwards."""
    made: list[RedisRateLimiter] = []

    def build(url: str, clock: RedisAwareClock, **options: Any) -> RedisRateLimiter:
        limiter = RedisRateLimiter(url, api_key=KEY, clock=clock, _now=clock, **options)
        run = limiter._run

        async def tracked(mode: str, *extra: object) -> list[str]:
            clock.busy += 1
            try:
                return await run(mode, *extra)
            finally:
                clock.busy -= 1

        limiter._run = tracked  # type: ignore[method-assign]
        made.append(limiter)
        return limiter

    yield build
    for limiter in made:
        await limiter.aclose()


async def test_two_workers_share_one_budget_and_fill_every_window(server: RedisServer, make: Make) -> None:
    """Two workers of one key: no 429, never more than 60 in a server window, 60 in every full one."""
    clock = RedisAwareClock()
    api = FakeServer(clock, server_time=START + 20.5)
    workers = [make(server.url, clock), make(server.url, clock)]
    await bulk(workers, api, 300, 16)
    assert api.count(429) == 0
    per_window = sorted(api.accepted_per_window().items())
    assert [n for _, n in per_window[:-1]] == [60] * (len(per_window) - 1)
    assert sum(n for _, n in per_window) == 300


async def test_a_date_ahead_of_the_servers_window_clock_overruns_no_later_window(
    server: RedisServer, make: Make
) -> None:
    """Date stamped 3 s ahead of the clock that counts: one 429 burst shows it, and no later request is refused."""
    clock = RedisAwareClock()
    api = FakeServer(clock, server_time=START + 30, date_ahead=3.0)
    worker = make(server.url, clock)
    await bulk(worker, api, 300, 16)
    refused = [t for t, status in api.log if status == 429]
    assert len(refused) <= 16
    assert max(refused, default=0) - min(refused, default=0) < 1.0
    assert sum(api.accepted_per_window().values()) == 300


async def test_keys_are_hash_tagged_and_never_hold_the_key(server: RedisServer, make: Make) -> None:
    """Every Redis key sits in one cluster slot ({flick:<sha256 prefix>}) and nothing stored contains the key."""
    clock = RedisAwareClock()
    api = FakeServer(clock)
    worker = make(server.url, clock)
    await bulk(worker, api, 70, 4)
    client = redis.Redis.from_url(server.url, decode_responses=True)
    names: list[str] = client.keys("*")  # type: ignore[assignment]
    assert names
    assert all(name.startswith("{flick:" + key_digest(KEY)[:16] + "}:") for name in names)
    stored: dict[str, str] = client.hgetall(names[0])  # type: ignore[assignment]
    assert stored["synced"] == "1"
    assert KEY not in "".join(names) + "".join(f"{k}{v}" for k, v in stored.items())
    assert KEY not in repr(worker)
    client.close()


async def test_a_429_seen_by_one_worker_pauses_the_other(server: RedisServer, make: Make) -> None:
    """Worker A's 429 with Retry-After 6 holds worker B's next request for those 6 seconds."""
    clock = RedisAwareClock()
    a, b = make(server.url, clock), make(server.url, clock)
    t0 = clock.monotonic()
    await a.acquire()
    ok = headers(remaining=59, reset=START + 60, date=START + 5)
    await a.aobserve(status_code=200, headers=ok, sent_at=t0, received_at=t0)
    too_many = headers(remaining=50, reset=START + 60, date=START + 5, retry_after=6)
    await a.aobserve(status_code=429, headers=too_many, sent_at=t0, received_at=t0)
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await b.acquire()
        tg.cancel_scope.cancel()
    assert 6.0 <= clock.monotonic() - t0 < 6.0 + 0.25 + 0.1


async def test_a_retry_after_in_year_9999_pauses_every_worker_a_day_at_most(server: RedisServer, make: Make) -> None:
    """An HTTP-date Retry-After in year 9999 is capped: the shared pause ends within a day."""
    clock = RedisAwareClock()
    worker = make(server.url, clock)
    t0 = clock.monotonic()
    await worker.acquire()
    ok = headers(remaining=59, reset=START + 60, date=START + 5)
    await worker.aobserve(status_code=200, headers=ok, sent_at=t0, received_at=t0)
    too_many = {
        **headers(remaining=50, reset=START + 60, date=START + 5),
        "Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT",
    }
    await worker.aobserve(status_code=429, headers=httpx.Headers(too_many), sent_at=t0, received_at=t0)
    client = redis.Redis.from_url(server.url, decode_responses=True)
    names: list[str] = client.keys("*:state")  # type: ignore[assignment]
    (name,) = names
    paused = float(client.hget(name, "paused"))  # type: ignore[arg-type]
    client.close()
    assert paused - clock.time() == pytest.approx(86_400 + 0.25)


async def test_reservations_wake_each_worker_once_instead_of_polling(server: RedisServer, make: Make) -> None:
    """120 queued requests on a spent window cost at most two script calls each (reserve, claim),
    and the 60 of them two windows ahead one look more: the window's length is still the 60 s
    guess when they are reserved, so they wake at its scale to look again (see the script's `look`)."""
    clock = RedisAwareClock()
    api = FakeServer(clock)
    worker = make(server.url, clock)
    await bulk(worker, api, 60, 8)
    calls: collections.Counter[str] = collections.Counter()
    original = worker._run

    async def counting(mode: str, *extra: object) -> list[str]:
        calls[mode] += 1
        return await original(mode, *extra)

    worker._run = counting  # type: ignore[method-assign]
    await bulk(worker, api, 120, 120)
    assert calls["reserve"] == 120
    assert calls["claim"] <= 120 + 60
    assert api.count(429) == 0


async def test_a_cancelled_reservation_is_given_back(server: RedisServer, make: Make) -> None:
    """Cancelling a waiting worker returns its ticket: the window still gets all 60 requests."""
    clock = RedisAwareClock()
    api = FakeServer(clock)
    reserved = anyio.Event()
    worker = make(server.url, clock, hooks=[lambda event: reserved.set()])
    await bulk(worker, api, 60, 8)  # the first window is spent
    reserved = anyio.Event()
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:
            tg.start_soon(worker.acquire)  # holds a ticket of the next window, then is cancelled
            await reserved.wait()  # its ThrottleWait: Redis has handed out the ticket
            scope.cancel()
    client = redis.Redis.from_url(server.url, decode_responses=True)
    returned: list[str] = client.keys(worker._key + ":ret:*")  # type: ignore[assignment]
    assert [client.llen(name) for name in returned] == [1]
    client.close()
    await bulk(worker, api, 60, 8)
    assert sorted(api.accepted_per_window().values()) == [60, 60]
    assert api.count(429) == 0


async def test_a_spent_day_raises_at_once_for_every_worker(server: RedisServer, make: Make) -> None:
    """Once the shared day is spent, any worker's acquire raises DailyQuotaExceededError without waiting."""
    clock = RedisAwareClock()
    api = FakeServer(clock, daily=50)
    a, b = make(server.url, clock, per_day=50), make(server.url, clock, per_day=50)
    await bulk([a, b], api, 50, 4)
    before = clock.monotonic()
    with pytest.raises(DailyQuotaExceededError):
        await b.acquire()
    assert clock.monotonic() == before
    assert api.count(429) == 0


async def test_redis_outage_falls_back_to_a_fair_share_and_rejoins(
    server: RedisServer, make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis stops mid-run: the worker goes on alone within its share, says so once, and rejoins when Redis is back."""
    clock = RedisAwareClock()
    api = FakeServer(clock, server_time=START + 30)
    worker = make(server.url, clock, fallback_share=0.5, rejoin_after=1.0, socket_timeout=0.5)
    await bulk(worker, api, 60, 8)
    server.stop()
    with caplog.at_level(logging.WARNING, logger="flick_async"):
        await bulk(worker, api, 60, 8)
        assert worker.falling_back
        server.start()
        clock.advance(5)
        await bulk(worker, api, 60, 8)
        assert not worker.falling_back
    messages = [r.getMessage() for r in caplog.records]
    assert sum("Redis unreachable" in m for m in messages) == 1
    assert sum("Redis is back" in m for m in messages) == 1
    # While alone, at most half the budget per window went out; the server never refused.
    assert api.count(429) == 0
    assert max(api.accepted_per_window().values()) <= 60


async def test_redis_errors_surface_when_fallback_is_off(make: Make) -> None:
    """fallback_share=None: an unreachable Redis is an APIConnectionError (without the password), not a free-for-all."""
    clock = RedisAwareClock()
    dead = f"redis://:hunter2@127.0.0.1:{_unused_port()}/0"
    worker = make(dead, clock, fallback_share=None, socket_timeout=0.5)
    with pytest.raises(APIConnectionError, match="rate limiter backend unavailable") as caught:
        await worker.acquire()
    assert isinstance(caught.value.__cause__, redis.ConnectionError)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("fallback_share", [None, 0.5], ids=["no-fallback", "fallback"])
async def test_a_redis_that_refuses_the_script_is_unavailable_not_a_foreign_error(
    server: RedisServer, make: Make, fallback_share: float | None
) -> None:
    """WRONGTYPE on the state key: an APIConnectionError without a fallback, the local fallback with one."""
    clock = RedisAwareClock()
    worker = make(server.url, clock, fallback_share=fallback_share)
    client = redis.Redis.from_url(server.url)
    client.set(worker._key, "not a hash")
    client.close()
    if fallback_share is None:
        with pytest.raises(APIConnectionError) as caught:
            await worker.acquire()
        assert isinstance(caught.value.__cause__, redis.ResponseError)
    else:
        await worker.acquire()
        assert worker.falling_back


@pytest.mark.parametrize("fallback_share", [None, 0.5], ids=["no-fallback", "fallback"])
async def test_a_connection_torn_down_inside_redis_py_is_unavailable_not_a_bare_error(
    server: RedisServer, make: Make, fallback_share: float | None
) -> None:
    """redis-py can surface a dropped connection as the transport's AttributeError (redis/redis-py#4287,
    seen on the cluster under load): an APIConnectionError without a fallback, the fallback with one."""
    clock = RedisAwareClock()
    worker = make(server.url, clock, fallback_share=fallback_share)
    await worker.acquire()  # the clients and scripts exist: the next call is the one that breaks
    leak = AttributeError("'NoneType' object has no attribute 'writelines'")

    def sync_script(**_: object) -> object:
        raise leak

    async def async_script(**_: object) -> object:
        raise leak

    worker._sync_script, worker._async_script = sync_script, async_script
    if fallback_share is None:
        with pytest.raises(APIConnectionError, match="rate limiter backend unavailable") as caught:
            await worker.acquire()
        assert caught.value.__cause__ is leak
    else:
        await worker.acquire()
        assert worker.falling_back


async def test_a_failed_release_does_not_turn_a_cancellation_into_a_grant(server: RedisServer, make: Make) -> None:
    """Cancelled while waiting for its ticket, with Redis gone for the release: the task is cancelled, not granted."""
    clock = RedisAwareClock()
    api = FakeServer(clock)
    waiting = anyio.Event()
    worker = make(server.url, clock, hooks=[lambda event: waiting.set()])
    await bulk(worker, api, 60, 8)  # the window is spent: the next acquire waits on a ticket
    waiting = anyio.Event()
    run = worker._run

    async def release_fails(mode: str, *extra: object) -> list[str]:
        if mode == "release":
            raise _Unavailable("connection lost")
        return await run(mode, *extra)

    worker._run = release_fails  # type: ignore[method-assign]
    granted = []

    async def one() -> None:
        await worker.acquire()
        granted.append(True)

    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:
            tg.start_soon(one)
            await waiting.wait()
            scope.cancel()
    assert scope.cancelled_caught
    assert granted == []
    assert not worker.falling_back


async def test_a_reservation_cancelled_before_its_reply_arrives_is_given_back(server: RedisServer, make: Make) -> None:
    """Redis ran reserve but the task is cancelled while the reply is on the wire: the ticket still goes back."""
    clock = RedisAwareClock()
    api = FakeServer(clock)
    worker = make(server.url, clock)
    await bulk(worker, api, 60, 8)  # the first window is spent: the next ticket is the next window's
    ran, reply_arrives = anyio.Event(), anyio.Event()
    run = worker._run

    async def slow_reply(mode: str, *extra: object) -> list[str]:
        result = await run(mode, *extra)
        if mode == "reserve":
            ran.set()
            await reply_arrives.wait()
        return result

    worker._run = slow_reply  # type: ignore[method-assign]
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:
            tg.start_soon(worker.acquire)
            await ran.wait()
            scope.cancel()
            reply_arrives.set()
    worker._run = run  # type: ignore[method-assign]
    await bulk(worker, api, 60, 8)
    assert sorted(api.accepted_per_window().values()) == [60, 60]
    assert api.count(429) == 0


def _unused_port() -> int:
    from _redis_server import free_port

    return free_port()


def _worker_processes(server: RedisServer, api: FlickServer, plan: list[tuple[int, str]]) -> list[int]:
    """One `_redis_worker.py` process per (requests, backend) of `plan` on the demo key against
    `api`, all at once; every status they got. (The window argument is unused: they learn it.)"""
    from flick_async.testing import DEMO_API_KEY, serve_in_thread

    worker = Path(__file__).with_name("_redis_worker.py")
    with serve_in_thread(api) as base_url:
        processes = [
            subprocess.Popen(
                [sys.executable, str(worker), server.url, base_url, DEMO_API_KEY, str(n), "0", backend],
                stdout=subprocess.PIPE,
                text=True,
            )
            for n, backend in plan
        ]
        outputs = [p.communicate(timeout=100)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * len(plan)
    return [s for out in outputs for s in json.loads(out.strip().splitlines()[-1])["statuses"]]


@pytest.mark.timeout(120)
def test_four_processes_share_one_key_without_a_429(server: RedisServer) -> None:  # sync: the workers pick backends
    """4 OS processes x 150 requests, one key, 60 per 2 s: the server logs no 429 and at most 60 per window."""
    from flick_async.testing import DEMO_API_KEY

    api = FlickServer(rate_limit=60, window_seconds=2.0)
    statuses = _worker_processes(server, api, [(150, backend) for backend in ("asyncio", "trio", "asyncio", "trio")])
    assert collections.Counter(statuses) == {200: 600}
    assert api.request_log.statuses(DEMO_API_KEY).count(429) == 0
    assert api.request_log.max_per_window(2.0, api_key=DEMO_API_KEY) <= 60
    assert math.isclose(len(api.request_log.for_key(DEMO_API_KEY)), 600)


@pytest.mark.timeout(120)
def test_four_processes_learn_one_second_windows(server: RedisServer) -> None:
    """4 OS processes x 150 (+1), 60 per 1 s, nothing configured: the 1 s length is learned.

    Before windows of a second were sounded at their end, the script kept the 60 s guess for the
    whole run in most runs (a bracket a `Date` second wide proved no step of `Reset` a single
    window) and every window opened 0.14-0.85 s late: this failed in 3 of 5 runs. (Where the
    windows open is a benchmark's figure, `bench_throttle.py --redis-only`, not asserted here.)"""
    from flick_async.testing import DEMO_API_KEY

    api = FlickServer(rate_limit=60, window_seconds=1.0, daily_limit=10**9)
    statuses = _worker_processes(server, api, [(151, "asyncio")] + [(150, "asyncio")] * 3)
    assert collections.Counter(statuses) == {200: 601}
    assert api.request_log.max_per_window(1.0, api_key=DEMO_API_KEY) <= 60
    client = redis.Redis.from_url(server.url, decode_responses=True)
    (name,) = client.keys("*:state")
    assert client.hget(name, "wlen") == "1"
    client.close()


async def test_a_long_429_pause_raises_past_max_wait_and_is_reported_as_a_pause(
    server: RedisServer, make: Make
) -> None:
    """Issue: a 429 with Retry-After 3600 made the next acquire() sleep 3,600 s; its ThrottleWait said "minute"."""
    clock = RedisAwareClock()
    seen: list[ThrottleWait] = []
    a = make(server.url, clock)
    b = make(server.url, clock, max_wait=60.0)
    told = anyio.Event()

    def hook(event: object) -> None:
        if isinstance(event, ThrottleWait):
            seen.append(event)
            told.set()

    c = make(server.url, clock, hooks=[hook])
    t0 = clock.monotonic()
    await a.acquire()
    ok = headers(remaining=59, reset=START + 60, date=START + 5)
    await a.aobserve(status_code=200, headers=ok, sent_at=t0, received_at=t0)
    too_many = headers(remaining=50, reset=START + 60, date=START + 5, retry_after=3600)
    await a.aobserve(status_code=429, headers=too_many, sent_at=t0, received_at=t0)
    with pytest.raises(RateLimitError, match="max_wait") as raised:
        await b.acquire()
    assert raised.value.retry_after == pytest.approx(3600 + 0.25, abs=0.1)
    assert clock.monotonic() == t0  # at once
    async with anyio.create_task_group() as tg:
        tg.start_soon(c.acquire)
        await told.wait()
        tg.cancel_scope.cancel()
    assert [event.reason for event in seen] == ["paused"]


async def test_learns_the_limits_and_a_429_costs_no_daily_token(server: RedisServer, make: Make) -> None:
    """With no limits configured, X-RateLimit-Limit(-Day) are the truth; a 429 gives its day token back."""
    clock = RedisAwareClock()
    worker = make(server.url, clock)
    t0 = clock.monotonic()
    await worker.acquire()
    first = {**headers(remaining=599, reset=START + 60, date=START + 5, remaining_day=9), "X-RateLimit-Limit": "600"}
    first["X-RateLimit-Limit-Day"] = "10"
    await worker.aobserve(status_code=200, headers=httpx.Headers(first), sent_at=t0, received_at=t0)
    client = redis.Redis.from_url(server.url, decode_responses=True)
    (name,) = client.keys("*:state")
    assert client.hget(name, "limit_seen") == "600"
    assert client.hget(name, "dlimit_seen") == "10"
    await worker.acquire()
    dn = int(client.hget(name, "dn"))  # type: ignore[arg-type]
    refused = {**first, "X-RateLimit-Remaining": "598", "Retry-After": "1"}
    await worker.aobserve(status_code=429, headers=httpx.Headers(refused), sent_at=t0, received_at=t0)
    assert int(client.hget(name, "dn")) == dn - 1  # type: ignore[arg-type]
    client.close()


@pytest.fixture
def cluster() -> Iterator[RedisCluster]:
    """A real three-node Redis Cluster on free loopback ports (skipped only when the binaries are missing)."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.skip("redis-server / redis-cli not installed and not installable here (make services installs them)")
    with redis_cluster() as started:
        yield started


async def test_a_redis_cluster_shares_one_budget_and_keeps_each_key_in_one_slot(cluster: RedisCluster) -> None:
    """Two workers through a real 3-node cluster: no 429, full windows; the budget's keys share one hash slot."""
    clock = RedisAwareClock()
    api = FakeServer(clock, server_time=START + 20.5)
    workers = [
        RedisRateLimiter(cluster.url, api_key=KEY, clock=clock, _now=clock, cluster=True, fallback_share=None)
        for _ in range(2)
    ]
    for worker in workers:
        run = worker._run

        async def tracked(mode: str, *extra: object, run: Any = run) -> list[str]:
            clock.busy += 1
            try:
                return list(await run(mode, *extra))
            finally:
                clock.busy -= 1

        worker._run = tracked  # type: ignore[method-assign]
    try:
        await bulk(workers, api, 180, 8)
    finally:
        for worker in workers:
            await worker.aclose()
    assert api.count(429) == 0
    per_window = sorted(api.accepted_per_window().items())
    assert [n for _, n in per_window[:-1]] == [60] * (len(per_window) - 1)
    client = redis.RedisCluster.from_url(cluster.url, decode_responses=True)
    try:
        names = [str(name) for name in client.keys(target_nodes=redis.RedisCluster.ALL_NODES)]
        assert names
        slots = {client.keyslot(name) for name in names}  # type: ignore[no-untyped-call]
        assert len(slots) == 1, names  # every key of the budget in one slot: scripts run on one node
        assert all(key_digest(KEY)[:16] in name and KEY not in name for name in names)
    finally:
        client.close()


async def test_learns_a_2_second_window_with_nothing_configured_and_runs_at_the_limit(
    server: RedisServer, make: Make
) -> None:
    """No window or margin configured: the 2 s window is learned from Reset, windows open within
    the proportional margin (1/200 of 2 s) plus a round trip once the boundary is sounded, and the
    run takes at most 1.03 x T*. (Before: a fixed 60 s window guess and a fixed 0.25 s margin.)
    """
    clock = RedisAwareClock()
    api = FakeServer(clock, server_time=START + 20.5, window=2.0)
    workers = [make(server.url, clock), make(server.url, clock)]
    start = api.now()
    await bulk(workers, api, 600, 16)
    assert api.count(429) == 0
    opened: dict[int, float] = {}
    for t, status in api.log:
        if status == 200:
            index = math.floor(t / 2.0)
            opened[index] = min(opened.get(index, math.inf), t - index * 2.0)
    per_window = sorted(api.accepted_per_window().items())
    assert [n for _, n in per_window] == [60] * 10
    # After the first few windows (learning the length, sounding the boundary), every window
    # opens within margin (0.01 s) + latency (0.02 s) + what the bracket leaves (< 0.05 s).
    late = [round(opened[index], 3) for index, _ in per_window[6:]]
    assert max(late) < 0.01 + 0.02 + 0.05, late
    client = redis.Redis.from_url(server.url, decode_responses=True)
    assert client.hget(workers[0]._key, "wlen") == "2"
    assert client.hget(workers[0]._key, "mx") is None  # nothing widened the margin
    client.close()
    last = max(t for t, status in api.log if status == 200)
    t_star = (math.floor(start / 2.0) + 1) * 2.0 - start + 8 * 2.0
    assert (last - start) / t_star <= 1.03


@pytest.mark.parametrize("skew", [0.004, -0.004, 0.0])
async def test_a_server_clock_that_agrees_with_redis_is_placed_in_two_windows(
    server: RedisServer, make: Make, skew: float
) -> None:
    """The API server's clock `skew` seconds from Redis's (both wall clocks: NTP, or one machine),
    its first `Date` leaving half a second of doubt: the windows' last tickets look where Redis's
    clock says, and two soundings place the windows, so a run of five windows is not held back
    in its last one. (Before: the bracket was halved once per window, from its midpoint, and in
    the fifth window the last ticket still waited for a whole second of the server's clock: 1.13
    x T*; the bench's Redis row read 1.06 whenever its ten windows had not been enough.)"""
    clock = RedisAwareClock()
    clock.set_wall_time(START + 20.5)
    api = FakeServer(clock, server_time=clock.time() + skew, window=2.0)
    workers = [make(server.url, clock), make(server.url, clock)]
    start = api.now()
    await bulk(workers, api, 300, 16, latency=0.005)
    assert api.count(429) == 0
    per_window = sorted(api.accepted_per_window().items())
    assert [n for _, n in per_window] == [60] * 5
    last = max(t for t, status in api.log if status == 200)
    t_star = 22.0 - 20.5 + 3 * 2.0
    assert (last - start) / t_star <= 1.03


@pytest.mark.parametrize("skew", [0.3, -0.3, 0.07, -0.07])
async def test_a_server_clock_that_disagrees_with_redis_is_still_found(
    server: RedisServer, make: Make, skew: float
) -> None:
    """Redis's clock only picks where the first soundings look: a server `skew` seconds off it
    moves the aim to the bracket's midpoint, and after a few windows every window opens within
    the margin (0.04 s) plus a round trip plus what the bracket leaves, with no 429."""
    clock = RedisAwareClock()
    clock.set_wall_time(START + 20.5)
    api = FakeServer(clock, server_time=clock.time() + skew, window=2.0)
    workers = [make(server.url, clock), make(server.url, clock)]
    await bulk(workers, api, 600, 16, latency=0.005)
    assert api.count(429) == 0
    per_window = sorted(api.accepted_per_window().items())
    assert [n for _, n in per_window] == [60] * 10
    opened: dict[int, float] = {}
    for t, status in api.log:
        if status == 200:
            index = math.floor(t / 2.0)
            opened[index] = min(opened.get(index, math.inf), t - index * 2.0)
    late = [round(opened[index], 3) for index, _ in per_window[7:]]
    assert max(late) < 0.04 + 0.01 + 0.05, late


@pytest.mark.parametrize("left", [1.05, 0.6, 0.2, 0.05])
async def test_a_run_that_starts_late_in_a_window_still_fills_it(server: RedisServer, make: Make, left: float) -> None:
    """Started `left` seconds before a 2 s window ends, with the server's clock known only to its
    `Date` second: tickets granted too late to be sure of the window hold a token of the next one
    too, until their answer's `Reset` says which window counted them. (Before: nothing was granted
    once the bracket said the window might be over, and the window was lost, 1.12 x T* on the
    benchmark's Redis row whenever it started in the second half of a window.)"""
    clock = RedisAwareClock()
    api = FakeServer(clock, server_time=START + 2.0 - left, window=2.0)
    workers = [make(server.url, clock), make(server.url, clock)]
    start = api.now()
    await bulk(workers, api, 301, 16)
    assert api.count(429) == 0
    per_window = sorted(api.accepted_per_window().items())
    assert sum(n for _, n in per_window) == 301
    assert max(n for _, n in per_window) <= 60
    last = max(t for t, status in api.log if status == 200)
    t_star = left + 4 * 2.0
    assert (last - start) / t_star <= 1.03, [n for _, n in per_window]


@pytest.mark.parametrize(("limit", "window"), [(3, 5.0), (3, 2.0), (1, 120.0)])
async def test_follows_a_window_lengthened_mid_window(
    server: RedisServer, make: Make, limit: int, window: float
) -> None:
    """As the local limiter (test_throttle_server): 1 s windows, then right after the first call
    longer ones with another limit; 429s only while it learns, within two of the new windows, and
    never more than the new limit in one of them. (The same three defects: the `Reset` step
    across the change taken for the new length, and for proof that the old window had ended, and
    a longer window's `Reset` repeated near its end not believed.)"""
    clock = RedisAwareClock()
    api = FakeServer(clock, limit=2, window=1.0, server_time=START + 0.2)
    worker = make(server.url, clock)
    await bulk(worker, api, 1, 1, latency=0.0005)
    changed = api.now()
    api.limit, api.window = limit, window
    await bulk(worker, api, 4 * limit + 2, 1, latency=0.0005)
    late = [t for t, status in api.log if status == 429 and t > changed + 2 * window + 1]
    assert late == []
    per_window = collections.Counter(math.floor(t / window) for t, status in api.log if status == 200 and t >= changed)
    assert max(per_window.values()) <= limit


async def test_a_longer_windows_repeated_reset_is_no_proof_that_the_old_window_ended(
    server: RedisServer, make: Make
) -> None:
    """19 per 1 s, then 6 per 30 s from 8 tasks (found by the local limiter's model test): the new
    limit's first answer has its `Reset`, 30 s past `Date`, held back as suspect; the second,
    repeating it, carries the limit already seen, and its move used to be taken for proof that the
    old 1 s window had ended, placing the server's clock up to a second ahead: the next window
    was entered early and refused."""
    clock = RedisAwareClock()
    api = FakeServer(clock, limit=19, window=1.0, server_time=START + 0.05)
    worker = make(server.url, clock)
    await bulk(worker, api, 39, 1, latency=0.03)
    changed = api.now()
    api.limit, api.window = 6, 30.0
    api.other_client(7)  # the count the old window carries into the new one, as the local server does
    await bulk(worker, api, 14, 8, latency=0.03)
    # Only the burst that met the change is refused (the code before: 6 more at the second boundary).
    late = [t for t, status in api.log if status == 429 and t > changed + 30]
    assert late == []
    per_window = collections.Counter(math.floor(t / 30) for t, status in api.log if status == 200 and t >= changed)
    assert max(per_window.values()) <= 6


@pytest.mark.parametrize("lag", [0.0, 0.012])
async def test_the_margin_is_widened_for_a_counter_behind_the_headers_clock_and_only_then(
    server: RedisServer, make: Make, lag: float
) -> None:
    """As `RateLimiter` (tests/test_throttle_margin.py): two workers on 1 s windows; a counter 12 ms
    behind the clock that writes `Reset` answers the first requests after each boundary with the
    old window's count, the margin (shared in Redis) widens, and from then on every window is used.
    A server that counts on the clock it shows leaves it at a two-hundredth."""
    clock = RedisAwareClock()
    api = FakeServer(clock, server_time=START + 20.3, window=1.0, daily=10**9, counter_lag=lag)
    workers = [make(server.url, clock), make(server.url, clock)]
    await bulk(workers, api, 12 * 60 + 1, 2, latency=0.001)
    assert api.count(429) == 0
    accepted = api.accepted_per_window()
    assert max(accepted.values()) <= 60
    # Windows (but the first and last) left mostly unused, each waited out as spent by others:
    # without the widening, every other one from the ninth on (60, 5, 60, 5, ...: 14.75 s).
    first, last = min(accepted), max(accepted)
    starved = [i for i in range(first + 1, last) if accepted[i] < 30]
    assert len(starved) <= (1 if lag else 0), [accepted[i] for i in range(first, last + 1)]
    assert api.log[-1][0] - api.log[0][0] < 12.8
    client = redis.Redis.from_url(server.url, decode_responses=True)
    widened = client.hget(workers[0]._key, "mx")
    client.close()
    assert widened in ({"1", "2"} if lag else {None})


@pytest.mark.parametrize(("limit", "window"), [(15, 4.0), (40, 4.0), (4, 1.0)])
async def test_a_change_of_limits_widens_no_margin(server: RedisServer, make: Make, limit: int, window: float) -> None:
    """As `RateLimiter` (tests/test_throttle_margin.py): the server changes its limits mid-window
    and its new window counts what the old one had, requests the script charged to the old window.
    That is the change, not a counter behind the clock (nor is a 429 before the change shows)."""
    clock = RedisAwareClock()
    api = FakeServer(clock, server_time=START + 20.3, limit=10, window=2.0, daily=10**9)
    workers = [make(server.url, clock), make(server.url, clock)]
    await bulk(workers, api, 25, 2, latency=0.001)
    client = redis.Redis.from_url(server.url, decode_responses=True)
    assert client.hget(workers[0]._key, "mx") is None
    api.set_limits(limit=limit, window=window)
    await bulk(workers, api, 3 * limit, 2, latency=0.001)
    assert api.count(429) <= 2  # (a limit lowered below what was spent: one per worker before it shows)
    widened = client.hget(workers[0]._key, "mx")
    client.close()
    assert widened is None


@pytest.mark.parametrize("tasks", [1, 8])
async def test_a_lagging_counter_after_a_change_of_limits_still_widens_the_margin(
    server: RedisServer, make: Make, tasks: int
) -> None:
    """As `RateLimiter` (tests/test_throttle_margin.py): 10 per 2 s, then 20 per 1 s, from a counter
    10 ms behind the clock that writes `Reset`; the margin's pause for the change ends."""
    clock = RedisAwareClock()
    api = FakeServer(clock, server_time=clock.time(), limit=10, window=2.0, daily=10**9, counter_lag=0.01)
    limiter = make(server.url, clock)
    await bulk(limiter, api, 25, tasks, latency=0.001)
    api.set_limits(limit=20, window=1.0)
    refused, begun = api.count(429), api.now()
    await bulk(limiter, api, 20 * 20, tasks, latency=0.001)
    assert api.count(429) - refused <= 2 * tasks
    assert api.now() - begun <= 20 + 2 * 1.0 + 0.1


async def _synced(limiter: RedisRateLimiter, clock: RedisAwareClock, **fields: int) -> None:
    """The probe and its answer: the shared state is synced on a 60 s window ending at START + 60."""
    await limiter.acquire()
    t0 = clock.monotonic()
    answer = headers(reset=START + 60, date=START + 5, **fields)
    await limiter.aobserve(status_code=200, headers=answer, sent_at=t0, received_at=t0)


async def test_a_429_gives_its_minute_token_back(server: RedisServer, make: Make) -> None:
    """The server counts no 429: the window's token it cost is taken again at once, not a window later."""
    clock = RedisAwareClock()
    worker = make(server.url, clock, per_minute=3)
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await _synced(worker, clock, remaining=2)
        await worker.acquire()
        t = clock.monotonic()
        answer = headers(remaining=1, reset=START + 60, date=START + 5)
        await worker.aobserve(status_code=200, headers=answer, sent_at=t, received_at=t)
        await worker.acquire()  # the window's last token
        t = clock.monotonic()
        refused = headers(remaining=1, reset=START + 60, date=START + 6, retry_after=0)
        await worker.aobserve(status_code=429, headers=refused, sent_at=t, received_at=t)
        await worker.acquire()  # the same token again, in the same window
        tg.cancel_scope.cancel()
    assert clock.monotonic() - 1000.0 < 2.0  # not the next window (55 s on)


async def test_grants_that_never_arrived_come_back_when_the_servers_count_shows_it(
    server: RedisServer, make: Make
) -> None:
    """Two connection errors before sending: once an answer's Remaining(-Day) shows the server never
    counted them, their window and day tokens are taken again (before: DailyQuotaExceededError with
    quota left, and a window short of two requests)."""
    clock = RedisAwareClock()
    worker = make(server.url, clock, per_day=4)
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await _synced(worker, clock, remaining=59, remaining_day=3)
        for _ in range(2):
            await worker.acquire()
            worker.abandon()  # a connection error before sending
        await worker.acquire()
        t = clock.monotonic()
        counted_two = headers(remaining=58, reset=START + 60, date=START + 6, remaining_day=2)
        await worker.aobserve(status_code=200, headers=counted_two, sent_at=t, received_at=t)
        for _ in range(2):  # the day's last two, which the server says are still there
            await worker.acquire()
            await worker.aobserve(
                status_code=200,
                headers=headers(remaining=57, reset=START + 60, date=START + 6, remaining_day=1),
                sent_at=t,
                received_at=t,
            )
        with pytest.raises(DailyQuotaExceededError):
            await worker.acquire()
        tg.cancel_scope.cancel()
    client = redis.Redis.from_url(server.url, decode_responses=True)
    assert client.llen(worker._key + f":ab:{int(START + 60)}") == 0  # both given back to the window
    client.close()


def test_without_the_redis_package_the_limiter_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """At construction, not at the first acquire() (where the import also held back the first request)."""
    monkeypatch.setitem(sys.modules, "redis", None)  # (an import of it then raises ModuleNotFoundError)
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(ImportError, match=r"flick-async\[redis\]"):
        RedisRateLimiter("redis://localhost:6379/0", api_key="flick_sk_" + "x" * 32)


@st.composite
def _plans(draw: st.DrawFn) -> dict[str, Any]:
    window = draw(st.sampled_from([1.0, 2.0, 5.0, 60.0]))
    limit = draw(st.integers(1, 120))
    return {
        "window": window,
        "limit": limit,
        "left": draw(st.floats(0.01, window - 0.01)),
        "latency": draw(st.sampled_from([0.0005, 0.005, 0.03])),
        "workers": draw(st.integers(1, 4)),
        "tasks": draw(st.sampled_from([1, 4, 16, 32])),
        "n": min(400, limit * draw(st.integers(1, 3)) + 1),
    }


@settings(
    max_examples=int(os.environ.get("FLICK_MODEL_EXAMPLES", "60")) // 2,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # seeded, as the local model test: a CI run must not find a new plan
)
@given(plan=_plans())
# Found by unseeded runs: one request a second from a start just before a boundary, each held for
# a whole second past the real end of a window whose end was only assumed (2.1 windows late
# over four); and the same rule aimed at the assumed end itself, a minute away.
@example(plan={"window": 1.0, "limit": 1, "left": 0.015625, "latency": 0.0005, "workers": 1, "tasks": 1, "n": 4})
@example(plan={"window": 1.0, "limit": 2, "left": 0.5, "latency": 0.0005, "workers": 1, "tasks": 16, "n": 5})
async def test_model_random_limits_windows_and_phases(server: RedisServer, make: Make, plan: dict[str, Any]) -> None:
    """Seeded model: random limits, windows, the phase the run starts at, latency, workers and tasks,
    nothing configured. Every request is accepted once, with no 429 and never more than the limit
    in a server window, and the run ends within its floor (the windows, or the tasks' own speed)
    plus two windows (one to learn the length, one of slack)."""
    note(repr(plan))
    redis.Redis.from_url(server.url).flushall()
    clock = RedisAwareClock()
    window, limit, left, n = plan["window"], plan["limit"], plan["left"], plan["n"]
    api = FakeServer(clock, limit=limit, window=window, server_time=START + 100 * window - left)
    workers = [make(server.url, clock, fallback_share=None) for _ in range(plan["workers"])]
    start = api.now()
    todo = iter(range(n))
    times: list[float] = []

    async def worker(limiter: RedisRateLimiter) -> None:
        for _ in todo:
            while await call(limiter, api, latency=plan["latency"]) == 429:
                pass
            times.append(api.now())
        await limiter.flush()  # done: what it saw reaches the others (as `aclose()` would)

    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        async with anyio.create_task_group() as tasks:
            for i in range(plan["tasks"]):
                tasks.start_soon(worker, workers[i % len(workers)])
        tg.cancel_scope.cancel()
    for limiter in workers:
        await limiter.aclose()
    assert len(times) == n
    assert api.count(429) == 0
    assert max(api.accepted_per_window().values()) <= limit
    by_windows = left + max(0, math.ceil((n - limit) / limit)) * window
    by_speed = n * 2 * plan["latency"] / min(plan["tasks"], n)
    assert max(times) - start <= max(by_windows, by_speed) + 2 * window + 0.1
