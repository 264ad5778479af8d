"""`max_in_flight`: how many requests one client (with its `with_options` clients) has on the wire.

Each attempt holds a slot from before the throttle's grant until its answer is read; a retry's
backoff holds none. The transports here count what is in flight at once, so an unbounded client
or a leaked slot shows as a wrong peak or a call that never ends.
"""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from flick_async import AsyncFlick, RetryPolicy, ValidationError
from flick_async.testing import DEMO_API_KEY, FakeClock, FlickServer
from flick_async.testing._serve import serve_app_in_thread

from .helpers import MOCK_BASE_URL, MOCK_KEY, PROFILE_JSON, envelope


class Counting:
    """An httpx transport answering 200 with a profile, recording the most requests in flight at once.

    Each request stays in flight for a few event-loop turns, so every task that may send piles in.
    """

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.answered = 0

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            for _ in range(10):
                await anyio.lowlevel.checkpoint()
        finally:
            self.now -= 1
        self.answered += 1
        return httpx.Response(200, json=PROFILE_JSON)


def client(transport: Counting, **options: Any) -> tuple[httpx.AsyncClient, AsyncFlick]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(transport.handle))
    options.setdefault("throttle", False)
    return http, AsyncFlick(MOCK_KEY, base_url=MOCK_BASE_URL, http_client=http, **options)


async def calls(flick: AsyncFlick, tasks: int, each: int = 3) -> None:
    async def worker() -> None:
        for _ in range(each):
            await flick.me()

    async with anyio.create_task_group() as tg:
        for _ in range(tasks):
            tg.start_soon(worker)


@pytest.mark.parametrize(("max_in_flight", "peak"), [({}, 8), ({"max_in_flight": 3}, 3), ({"max_in_flight": None}, 32)])
async def test_a_client_has_at_most_max_in_flight_requests_on_the_wire(
    max_in_flight: dict[str, Any], peak: int
) -> None:
    """8 by default, what is given, or every task's with None; every call is answered."""
    transport = Counting()
    http, flick = client(transport, **max_in_flight)
    async with http, flick:
        await calls(flick, 32)
    assert transport.peak == peak
    assert transport.answered == 32 * 3


async def test_the_light_clients_of_with_options_share_the_slots() -> None:
    transport = Counting()
    http, flick = client(transport, max_in_flight=4)
    async with http, flick:
        quick = flick.with_options(timeout=5, max_retries=0)
        async with anyio.create_task_group() as tg:
            tg.start_soon(calls, flick, 16)
            tg.start_soon(calls, quick, 16)
    assert transport.peak == 4
    assert transport.answered == 2 * 16 * 3


async def test_a_retry_waits_out_its_backoff_without_a_slot() -> None:
    """With one slot, a call backing off after a 500 lets another call through meanwhile."""
    clock = FakeClock()
    order: list[str] = []
    failed = False

    async def reply(request: httpx.Request) -> httpx.Response:
        nonlocal failed
        if request.url.path.endswith("/me") and not failed:
            failed = True
            order.append("500")
            return httpx.Response(500, json=envelope("internal_error", "boom"))
        order.append(request.url.path.rsplit("/", 1)[1])
        return httpx.Response(200, json=PROFILE_JSON if request.url.path.endswith("/me") else RESOLVED)

    http = httpx.AsyncClient(transport=httpx.MockTransport(reply))
    flick = AsyncFlick(
        MOCK_KEY,
        base_url=MOCK_BASE_URL,
        http_client=http,
        throttle=False,
        clock=clock,
        max_in_flight=1,
        retry_policy=RetryPolicy(max_retries=1, initial_delay=5.0, jitter=0.0),
    )
    async with http, flick, anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        async with anyio.create_task_group() as calls_group:
            calls_group.start_soon(flick.me)
            await anyio.lowlevel.checkpoint()  # the first call holds the slot, gets its 500, and backs off
            calls_group.start_soon(flick.resolve, "Inception")
        tg.cancel_scope.cancel()
    assert order == ["500", "resolve", "me"]


async def test_a_cancelled_call_gives_its_slot_back() -> None:
    hang = anyio.Event()
    reached = anyio.Event()

    async def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/resolve"):
            reached.set()
            await hang.wait()  # never set: the call is cancelled here
        return httpx.Response(200, json=PROFILE_JSON)

    http = httpx.AsyncClient(transport=httpx.MockTransport(reply))
    flick = AsyncFlick(MOCK_KEY, base_url=MOCK_BASE_URL, http_client=http, throttle=False, max_in_flight=1)
    async with http, flick:
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(flick.resolve, "Inception")
                await reached.wait()
                scope.cancel()
        with anyio.fail_after(5):
            profile = await flick.me()  # the one slot is free again
    assert profile.username


async def test_one_client_serves_one_event_loop_after_another_asyncio_then_trio() -> None:
    """The slots are per event loop: a client made outside any loop serves asyncio, then trio."""
    transport = Counting()
    http = httpx.AsyncClient(transport=httpx.MockTransport(transport.handle))
    flick = AsyncFlick(MOCK_KEY, base_url=MOCK_BASE_URL, http_client=http, throttle=False, max_in_flight=2)

    def run(backend: str) -> None:
        transport.peak = 0
        anyio.run(calls, flick, 8, backend=backend)
        assert transport.peak == 2

    await anyio.to_thread.run_sync(run, "asyncio")
    await anyio.to_thread.run_sync(run, "trio")
    assert transport.answered == 2 * 8 * 3
    await http.aclose()


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "8"])
def test_max_in_flight_must_be_a_positive_integer_or_none(bad: object) -> None:
    with pytest.raises(ValidationError, match="max_in_flight"):
        AsyncFlick(MOCK_KEY, base_url=MOCK_BASE_URL, max_in_flight=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("options", "most"), [({}, 8), ({"max_in_flight": 5}, 5), ({"max_in_flight": None}, 48)])
async def test_the_own_pool_opens_no_more_connections_than_requests_in_flight(
    options: dict[str, Any], most: int
) -> None:
    """Over a real socket: 48 tasks x 4 calls on the client's own pool reuse `max_in_flight` connections.

    Every one is kept alive: httpcore closes a connection each time it goes idle while more than
    `max_keepalive_connections` are open, idle or not (encode/httpcore#1000); with 32 kept of 64,
    every call at 256 tasks opened a connection of its own. With no bound the pool holds 64.
    """
    server = FlickServer(rate_limit=10**6, daily_limit=10**9)
    ports: set[int] = set()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            ports.add(scope["client"][1])
        await server.app(scope, receive, send)

    with serve_app_in_thread(app) as origin:
        async with AsyncFlick(DEMO_API_KEY, base_url=f"{origin}/api/beta", throttle=False, **options) as flick:
            await calls(flick, 48, each=4)
    assert len(server.request_log) == 48 * 4
    assert 1 <= len(ports) <= most


RESOLVED: dict[str, Any] = {"query": {"title": "Inception"}, "match": None, "candidates": []}
