"""Fixtures for the facade tests: a client on the local server, a client on pytest-httpx, a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from _both_clients import close_all, make_factory, parametrize_client_kinds

from flick_async import AsyncFlick
from flick_async.testing import DEMO_API_KEY, FakeClock, FlickServer

from .helpers import MOCK_BASE_URL, MOCK_KEY, SERVER_BASE_URL

# The suites the sync client must pass too: each of their tests runs on both clients.
_BOTH_CLIENTS = {"test_endpoints", "test_errors", "test_pagination"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise the shared suites over `client_kind` ("async", "sync")."""
    if metafunc.module.__name__.rpartition(".")[2] in _BOTH_CLIENTS:
        parametrize_client_kinds(metafunc)


@pytest.fixture
def client_kind() -> str:
    """Which client `make_client` and friends build; the shared suites run both."""
    return "async"


def _factory(request: pytest.FixtureRequest, client_kind: str) -> tuple[Callable[..., Any], list[Any]]:
    backend = request.getfixturevalue("anyio_backend") if client_kind == "sync" else "asyncio"
    return make_factory(client_kind, backend, AsyncFlick)


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
def make_client(
    server_http: httpx.AsyncClient, clock: FakeClock, client_kind: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., AsyncFlick]]:
    """Build clients of the local server (demo key, throttling off, fake clock); options override."""
    factory, built = _factory(request, client_kind)

    def make(**options: Any) -> AsyncFlick:
        options.setdefault("base_url", SERVER_BASE_URL)
        options.setdefault("http_client", server_http)
        options.setdefault("throttle", False)
        options.setdefault("clock", clock)
        client: AsyncFlick = factory(options.pop("api_key", DEMO_API_KEY), **options)
        return client

    yield make
    close_all(built)


@pytest.fixture
async def client(make_client: Callable[..., AsyncFlick]) -> AsyncIterator[AsyncFlick]:
    """The demo account's client, talking to the local server in process, throttling off."""
    async with make_client() as flick:
        yield flick


@pytest.fixture
def make_mock_client(
    clock: FakeClock, client_kind: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., AsyncFlick]]:
    """Build clients that talk to pytest-httpx (register responses with `httpx_mock`)."""
    factory, built = _factory(request, client_kind)

    def make(**options: Any) -> AsyncFlick:
        options.setdefault("base_url", MOCK_BASE_URL)
        options.setdefault("throttle", False)
        options.setdefault("clock", clock)
        client: AsyncFlick = factory(options.pop("api_key", MOCK_KEY), **options)
        return client

    yield make
    close_all(built)


@pytest.fixture
async def mock_client(make_mock_client: Callable[..., AsyncFlick]) -> AsyncIterator[AsyncFlick]:
    """A client on pytest-httpx that never retries, so each registered response is one attempt."""
    async with make_mock_client(max_retries=0) as flick:
        yield flick
