"""One budget per key and base URL in the process, and when the registry lets it go (issue #16).

Through the public client: every `AsyncFlick` of a key draws from one limiter whatever its
options; a 429 pause outlives the client that saw it (the 256 most recently shared keys are
kept); an injected clock (a test's `FakeClock`) never shares a budget with real time.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable

import anyio
import httpx
import pytest
from _throttle_fakes import START, headers

from flick_async import AsyncFlick
from flick_async._clock import SystemClock
from flick_async._errors import DailyQuotaExceededError, RateLimitError
from flick_async._events import Event, ThrottleWait
from flick_async._throttle import NoThrottle, RateLimiter, key_digest
from flick_async.testing import FakeClock

URL = "https://flickmovies.com/api/beta"
ME = {
    "id": "u_1",
    "username": "pins",
    "display_name": "Pins",
    "avatar_url": None,
    "pro": False,
    "created_at": "2024-01-01T00:00:00Z",
    "stats": {"reviews": 0, "watchlist": 0, "lists": 0},
}


def fresh_key(name: str) -> str:
    """A key no other test (nor this one on the other backend) has shared in this process."""
    return f"flick_sk_pins_{name}_{uuid.uuid4().hex}"


class Server:
    """A MockTransport answer that counts requests: 429 with Retry-After 3600 while `refusing`."""

    def __init__(self) -> None:
        self.sent = 0
        self.refusing = True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if self.refusing:
            too_many = headers(remaining=0, reset=START + 60, date=START + 5, retry_after=3600)
            body = {"error": {"code": "rate_limited", "message": "Too many requests this minute"}}
            return httpx.Response(429, headers=too_many, json=body)
        return httpx.Response(200, headers=headers(remaining=58, reset=START + 60, date=START + 5), json=ME)


async def in_a_task(call: Callable[[], object]) -> None:
    """Run `call` in a task of its own, so that nothing of its grant outlives it in this task's context."""

    async def run() -> None:
        await call()  # type: ignore[misc]

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)


async def refused_at_once(key: str, server: Server, **options: object) -> bool:
    """Whether a fresh client of `key` is refused without sending (the key is still paused)."""
    before = server.sent
    refused = False

    async def one() -> None:
        nonlocal refused
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(server)) as http,
            AsyncFlick(key, base_url=URL, http_client=http, max_retry_wait=5, **options) as flick,  # type: ignore[arg-type]
        ):
            try:
                await flick.me()
            except RateLimitError:
                refused = True

    await in_a_task(one)
    gc.collect()
    return refused and server.sent == before


async def test_a_429_pause_carries_over_to_the_keys_next_client() -> None:
    """A client sees a 429 (Retry-After 3600) and closes; the key's next client is refused at once, sending nothing."""
    key, server = fresh_key("carry_over"), Server()
    assert not await refused_at_once(key, server)  # the first client sends, and is told to wait an hour
    assert server.sent == 1
    assert await refused_at_once(key, server)  # a new client (its own SystemClock), the same budget
    assert server.sent == 1


async def test_the_registry_lets_an_idle_key_go_after_256_others() -> None:
    """The pause stays while the key is among the 256 most recently shared, and is gone once pushed out."""
    key, server = fresh_key("release"), Server()
    assert not await refused_at_once(key, server)
    for _ in range(255):
        RateLimiter.shared(fresh_key("other"), URL)
    gc.collect()
    assert await refused_at_once(key, server), "forgotten while still among the 256 most recent"
    for _ in range(256):
        RateLimiter.shared(fresh_key("later"), URL)
    gc.collect()
    server.refusing = False
    assert not await refused_at_once(key, server), "kept after 256 other keys were shared"
    assert server.sent == 2


async def test_sharing_a_key_again_makes_it_the_most_recent() -> None:
    """The 256 kept are the most recently *shared*, not the first registered: a key shared again after
    255 others keeps its pause through 255 more."""
    key, server = fresh_key("refreshed"), Server()
    assert not await refused_at_once(key, server)
    for _ in range(255):
        RateLimiter.shared(fresh_key("other"), URL)
    gc.collect()
    assert await refused_at_once(key, server)  # shared again: now the newest
    for _ in range(255):
        RateLimiter.shared(fresh_key("later"), URL)
    gc.collect()
    assert await refused_at_once(key, server), "forgotten while among the 256 most recently shared"
    assert server.sent == 1


async def test_a_fake_clock_never_shares_a_budget_with_real_time() -> None:
    """A key paused on a test's FakeClock is not paused for a client on the real clock, and the other way round."""
    server = Server()
    fake = FakeClock()
    key = fresh_key("fake_first")
    assert not await refused_at_once(key, server, clock=fake)
    assert not await refused_at_once(key, server)  # real time: a budget of its own, so it sends
    key = fresh_key("real_first")
    assert not await refused_at_once(key, server)
    assert not await refused_at_once(key, server, clock=FakeClock())


def test_every_system_clock_is_one_clock() -> None:
    """Handles built with distinct SystemClock instances (each client makes its own) share one core."""
    key = fresh_key("system_clocks")
    first = RateLimiter.shared(key, URL, clock=SystemClock())
    second = RateLimiter.shared(key, URL + "/", clock=SystemClock())
    assert second._core is first._core
    assert RateLimiter.shared(key, URL, clock=FakeClock())._core is not first._core


async def test_hooks_and_wait_for_daily_reset_belong_to_each_handle() -> None:
    """Two handles on one spent day: the one built to wait sleeps to midnight and reports it; the other raises."""
    clock = FakeClock()
    key = fresh_key("handles")
    events: list[Event] = []
    raising = RateLimiter.shared(key, URL, clock=clock)
    waiting = RateLimiter.shared(key, URL, clock=clock, hooks=[events.append], wait_for_daily_reset=True)
    assert waiting._core is raising._core
    now = clock.monotonic()
    await raising.acquire()
    spent = headers(remaining=59, reset=START + 60, date=START + 5, remaining_day=0)
    raising.observe(status_code=200, headers=spent, sent_at=now, received_at=now)
    with pytest.raises(DailyQuotaExceededError):
        await raising.acquire()
    assert events == []
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        await waiting.acquire()
        tg.cancel_scope.cancel()
    assert [(type(e), e.reason) for e in events if isinstance(e, ThrottleWait)] == [(ThrottleWait, "day")]
    assert clock.monotonic() > now + 3600


def test_a_limiter_shows_its_limits_and_only_a_digest_of_its_key() -> None:
    """repr: the limits, and for a shared limiter the first 12 hex digits of the key's SHA-256, never the key."""
    plain = RateLimiter(per_minute=30, per_day=100, window_seconds=10)
    assert repr(plain) == "RateLimiter(per_minute=30, per_day=100, window_seconds=10.0)"
    key = fresh_key("repr")
    shared = RateLimiter.shared(key, URL)
    digest = key_digest(key)[:12]
    assert repr(shared) == f"RateLimiter(per_minute=60, per_day=5000, window_seconds=60.0, key=sha256:{digest})"


async def test_no_throttle_reports_no_status_before_an_answer_with_rate_limit_headers() -> None:
    """NoThrottle.status is None until an answer carries X-RateLimit-* headers; one without them keeps it."""
    throttle = NoThrottle()
    assert throttle.status is None
    await throttle.acquire()
    throttle.observe(status_code=200, headers=httpx.Headers(), sent_at=0, received_at=0)
    assert throttle.status is None
    throttle.observe(status_code=200, headers=headers(remaining=7, reset=START, date=START), sent_at=0, received_at=0)
    throttle.observe(status_code=200, headers=httpx.Headers(), sent_at=0, received_at=0)
    assert throttle.status is not None
    assert throttle.status.remaining == 7
    assert repr(throttle) == "NoThrottle()"
