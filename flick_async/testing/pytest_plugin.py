"""pytest fixtures for the local Flick server (installed with `flick-async[testing]`).

    def test_profile(flick_transport, flick_api_key):
        ...

Fixtures:
    flick_server: a fresh `FlickServer` per test (built-in catalog, demo account seeded).
    flick_api_key: the demo account's key (`DEMO_API_KEY`).
    flick_transport: `flick_server.transport()`, an httpx transport into the server.
    flick_client: an `AsyncFlick` wired to `flick_server` in process, with a rate limiter of
        its own (not the process-wide one of its key, so tests never share quota).

    async def test_writes(flick_client, flick_server):
        await flick_client.reviews.create("27205", media_type="movie", rating=9)
        assert len(flick_server.reviews(flick_api_key)) > 0

Override `flick_server` in a conftest to change its limits, clock or catalog. The server's
modules are imported inside the fixtures, so merely having this plugin installed costs
nothing and needs none of the `testing` extra's dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flick_async import AsyncFlick
    from flick_async.testing import FlickServer, FlickTransport


@pytest.fixture
def flick_server() -> FlickServer:
    """A fresh in-memory Flick server for this test."""
    from flick_async.testing import FlickServer

    return FlickServer()


@pytest.fixture
def flick_api_key(flick_server: FlickServer) -> str:
    """The key of the server's demo Pro account."""
    from flick_async.testing import DEMO_API_KEY

    return DEMO_API_KEY


@pytest.fixture
def flick_transport(flick_server: FlickServer) -> FlickTransport:
    """An httpx transport serving requests from `flick_server` in process."""
    return flick_server.transport()


@pytest.fixture
def flick_client(flick_server: FlickServer, flick_api_key: str) -> AsyncFlick:
    """An `AsyncFlick` talking to `flick_server` in process, throttled by a limiter of its own.

    A plain (sync) fixture, so it works with any async test plugin; it holds no sockets, and
    `async with flick_client:` closes it when a test wants to.
    """
    import httpx

    from flick_async import AsyncFlick, RateLimiter

    return AsyncFlick(
        flick_api_key,
        base_url=flick_server.base_url,
        http_client=httpx.AsyncClient(transport=flick_server.transport()),
        throttle=RateLimiter(clock=flick_server.clock),
    )
