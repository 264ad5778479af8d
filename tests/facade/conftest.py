"""Fixtures for the facade tests: a client on the local server, a client on pytest-httpx, a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from flick_async import AsyncFlick
from flick_async.testing import DEMO_API_KEY, FakeClock, FlickServer

from .helpers import MOCK_BASE_URL, MOCK_KEY, SERVER_BASE_URL


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock: nothing in these tests sleeps for real."""
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> FlickServer:
    """A fresh local Flick server with the seeded demo account, on the fake clock."""
    return FlickServer(clock=clock)


@pytest.fixture
async def server_http(server: FlickServer) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client whose transport is the local server, in process."""
    async with httpx.AsyncClient(transport=server.transport()) as http:
        yield http


@pytest.fixture
def make_client(server_http: httpx.AsyncClient, clock: FakeClock) -> Callable[..., AsyncFlick]:
    """Build clients of the local server (demo key, throttling off, fake clock); options override."""

    def make(**options: Any) -> AsyncFlick:
        options.setdefault("base_url", SERVER_BASE_URL)
        options.setdefault("http_client", server_http)
        options.setdefault("throttle", False)
        options.setdefault("clock", clock)
        return AsyncFlick(options.pop("api_key", DEMO_API_KEY), **options)

    return make


@pytest.fixture
async def client(make_client: Callable[..., AsyncFlick]) -> AsyncIterator[AsyncFlick]:
    """The demo account's client, talking to the local server in process, throttling off."""
    async with make_client() as flick:
        yield flick


@pytest.fixture
def make_mock_client(clock: FakeClock) -> Callable[..., AsyncFlick]:
    """Build clients that talk to pytest-httpx (register responses with `httpx_mock`)."""

    def make(**options: Any) -> AsyncFlick:
        options.setdefault("base_url", MOCK_BASE_URL)
        options.setdefault("throttle", False)
        options.setdefault("clock", clock)
        return AsyncFlick(options.pop("api_key", MOCK_KEY), **options)

    return make


@pytest.fixture
async def mock_client(make_mock_client: Callable[..., AsyncFlick]) -> AsyncIterator[AsyncFlick]:
    """A client on pytest-httpx that never retries, so each registered response is one attempt."""
    async with make_mock_client(max_retries=0) as flick:
        yield flick
